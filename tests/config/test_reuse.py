"""LoadCache: loads of a changing directory that reuse work between them give what loads
without reuse give, tree after tree of a seeded walk (renames, moves and splits, broken
files, duplicates across files, look-alikes, mapping and settings changes); and what is
kept is keyed by everything the result depends on."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from config_walk import Tree, walk

from scimform.config.loader import LoadedConfig, load_config
from scimform.config.reuse import KEEP_LOADS, LoadCache
from scimform.diagnostics import Severity


def _content(path: Path) -> str | None:
    """A file's version, as git's blob id is: a hash of its bytes."""
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _write(root: Path, tree: Tree) -> None:
    """Make `root` hold exactly `tree`."""
    for old in root.rglob("*"):
        if old.is_file() and old.relative_to(root).as_posix() not in tree:
            old.unlink()
    for name, text in tree.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _facts(loaded: LoadedConfig) -> tuple[object, ...]:
    return (loaded.settings, loaded.desired, list(loaded.diagnostics), loaded.files)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_loads_with_a_cache_equal_loads_without_over_a_walk_of_trees(
    tmp_path: Path, seed: int
) -> None:
    root = tmp_path / "config"
    cache = LoadCache(_content)
    seen = {"error": 0, "warning": 0, "clean": 0}
    for tree in walk(seed, 60):
        _write(root, tree)
        plain = load_config(root)
        reused = load_config(root, cache=cache)
        assert _facts(reused) == _facts(plain)
        severities = {d.severity for d in plain.diagnostics}
        kind = "error" if Severity.ERROR in severities else "warning"
        seen["clean" if not severities - {Severity.INFO} else kind] += 1
    # The walk went through trees that do not load, that warn, and that are clean.
    assert all(seen.values()), seen


def test_a_file_edited_under_the_same_version_would_be_stale_so_versions_must_differ(
    tmp_path: Path,
) -> None:
    root = tmp_path / "config"
    users = "users:\n  - {userName: a@corp.example, givenName: A, familyName: B, " \
        "displayName: A B, email: a@corp.example, externalId: a, title: %s}\n"  # fmt: skip
    _write(root, {"users.yaml": users % "One"})
    honest, by_path = LoadCache(_content), LoadCache(lambda path: "one version")
    for cache in (honest, by_path):
        load_config(root, cache=cache)
    _write(root, {"users.yaml": users % "Two"})
    assert load_config(root, cache=honest).desired.users[0].title == "Two"
    # A cache told the edited file is the same version keeps what it read before: the
    # version is the whole key to a file's content, which is why history uses blob ids.
    assert load_config(root, cache=by_path).desired.users[0].title == "One"


def test_files_no_load_uses_are_dropped(tmp_path: Path) -> None:
    root = tmp_path / "config"
    cache = LoadCache(_content)
    trees = list(walk(5, KEEP_LOADS * 3))
    for tree in trees:
        _write(root, tree)
        load_config(root, cache=cache)
    kept = cache.kept()
    recent = {(name, hashlib.sha1(text.encode()).hexdigest()) for t in trees[-KEEP_LOADS - 1 :]
              for name, text in t.items()}  # fmt: skip
    assert kept and all((Path(path).relative_to(root).as_posix(), version) in recent
                        for path, version in kept)  # fmt: skip


def _person(name: str, extra: str = "") -> str:
    return (
        f"  - userName: {name}@corp.example\n    externalId: {name}-id\n"
        f"    givenName: {name.title()}\n    familyName: Example\n"
        f"    displayName: {name.title()} Example\n    email: {name}@corp.example\n{extra}"
    )


def test_owners_logins_and_targets_come_through_a_load_that_reuses_work(tmp_path: Path) -> None:
    # A clean config takes the per-file path: owners, github logins and each target's state
    # must be what a plain load gives, as each file changes in turn.
    root = tmp_path / "config"
    settings = (
        "targets:\n  sandbox: {url: 'local:a.db'}\n  production: {url: 'local:b.db'}\n"
        "approvals: {default: 1, sensitive: 2}\n"
    )
    alice = _person("alice", "    github: alice-gh\n")
    groups = (
        "groups:\n  - displayName: admins\n    sensitive: true\n"
        "    owners: [alice@corp.example]\n    members: [alice@corp.example]\n"
    )
    trees: list[Tree] = [
        {"scimform.yaml": settings, "a.yaml": "users:\n" + alice, "g.yaml": groups},
        {"scimform.yaml": settings, "a.yaml": "users:\n" + alice + _person("bob"),
         "g.yaml": groups},
        {"scimform.yaml": settings, "a.yaml": "users:\n" + alice + _person(
            "bob", "    github: bob-gh\n    targets: [sandbox]\n"), "g.yaml": groups},
    ]  # fmt: skip
    cache = LoadCache(_content)
    for tree in trees:
        _write(root, tree)
        plain, reused = load_config(root), load_config(root, cache=cache)
        assert not plain.diagnostics.has_errors, list(plain.diagnostics)
        assert _facts(reused) == _facts(plain)
        assert reused.by_target == plain.by_target
        (admins,) = reused.desired.groups
        assert admins.owners == ("alice@corp.example",)
        assert dict(reused.desired.github)["alice@corp.example"] == "alice-gh"
    assert dict(reused.desired.github)["bob@corp.example"] == "bob-gh"
    sandbox, production = reused.by_target["sandbox"], reused.by_target["production"]
    assert {u.user_name for u in sandbox.users} - {u.user_name for u in production.users} == {
        "bob@corp.example"
    }
