"""History reuses work between the configs of consecutive commits (config.reuse): what it
tells is what loading every commit afresh tells, over a generated history with renames,
file splits, broken commits and a merge; and an edit is never hidden by what was kept
(a file changed, the mapping or the settings the rules read changed, a manager renamed
in another file)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from config_walk import walk
from gitrepo import Repo

import scimform.history.snapshot as snapshot
from scimform.config.loader import LoadedConfig, ReadYaml, load_config
from scimform.history.access import state_at
from scimform.history.timeline import History, read_history

SETTINGS = "target:\n  url: local:.scimform/store.db\n"


def _afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make history load every commit's config without reuse."""

    def plain(root: Path, read: ReadYaml, **options: Any) -> LoadedConfig:
        options.pop("cache")
        return load_config(root, read, **options)

    monkeypatch.setattr(snapshot, "load_config", plain)


def _generated(repo: Repo) -> list[str]:
    """Commits of a walk of trees under config/, one a day, with a branch merged in the
    middle; their shas."""
    trees = list(walk(7, 48))
    shas, day, last = [], 0, {}

    def commit(tree: dict[str, str], message: str) -> None:
        nonlocal day, last
        if tree == last:  # an edit that changed nothing (a merge of the only file)
            return
        day, last = day + 1, tree
        files: dict[str, str | None] = {f"config/{name}": text for name, text in tree.items()}
        current = repo.top / "config"
        if current.exists():  # what the tree no longer holds goes
            for old in current.rglob("*"):
                name = old.relative_to(current).as_posix()
                if old.is_file() and name not in tree:
                    files[f"config/{name}"] = None
        shas.append(repo.commit(message, files, day=f"2026-{1 + day // 28:02}-{1 + day % 28:02}"))

    for n, tree in enumerate(trees[:20]):
        commit(tree, f"Change {n} (#{n + 1})")
    repo.git("checkout", "-q", "-b", "feature")
    for n, tree in enumerate(trees[20:26]):
        commit(tree, f"Branch change {n}")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-s", "ours", "-m", "Merge pull request #99 from corp/x",
             "feature", day="2026-02-20")  # fmt: skip
    for n, tree in enumerate(trees[26:]):
        commit(tree, f"Later change {n} (#{n + 100})")
    return shas


def _histories(top: Path) -> list[History]:
    config = top / "config"
    return [
        read_history(config),
        read_history(config, all_commits=True),
        read_history(config, since=datetime(2026, 1, 10, tzinfo=UTC),
                     until=datetime(2026, 2, 25, tzinfo=UTC)),
    ]  # fmt: skip


def test_history_with_reuse_tells_what_loading_every_commit_afresh_tells(
    make_repo: Callable[[str], Repo], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo("corp")
    shas = _generated(repo)
    reused = _histories(repo.top)
    moments = [state_at(repo.top / "config", sha) for sha in shas[::5]]
    actions = {e.event.action for e in reused[1].entries}
    # The walk made users and members change, and commits that do not load.
    assert {"updated", "member-added", "unloadable"} <= actions
    _afresh(monkeypatch)
    assert _histories(repo.top) == reused
    assert [state_at(repo.top / "config", sha) for sha in shas[::5]] == moments


def _what(history: History) -> list[str]:
    return [
        f"{e.event.name} {e.event.action} {e.event.field or ''} {e.event.after or ''}".strip()
        for e in history.entries
    ]


def _user(name: str, **more: str) -> str:
    lines = [f"  - userName: {name}", f"    givenName: {name[0].upper()}",
             "    familyName: Example", f"    displayName: {name[0].upper()} Example",
             f"    email: {name}"]  # fmt: skip
    return "\n".join(lines + [f"    {k}: {v}" for k, v in more.items()]) + "\n"


def test_an_edited_file_is_read_again(make_repo: Callable[[str], Repo]) -> None:
    repo = make_repo("corp")
    files = {"config/scimform.yaml": SETTINGS, "config/b.yaml": "users:\n" + _user("b@c.io")}
    repo.commit("Start", {**files, "config/a.yaml": "users:\n" + _user("a@c.io", title="One")})
    repo.commit("Edit", {"config/a.yaml": "users:\n" + _user("a@c.io", title="Two")})
    assert _what(read_history(repo.top / "config"))[-1] == "a@c.io updated title Two"


def test_a_new_mapping_remaps_files_that_did_not_change(make_repo: Callable[[str], Repo]) -> None:
    repo = make_repo("corp")
    users = "users:\n" + _user("a@c.io", externalId="a", title="Lead")
    repo.commit("Start", {"config/scimform.yaml": SETTINGS, "config/a.yaml": users})
    mapping = "".join(f'  {k}: "{v}"\n' for k, v in {
        "userName": "{userName}", "externalId": "{externalId}", "givenName": "{givenName}",
        "familyName": "{familyName}", "displayName": "{displayName}", "email": "{email}",
        "title": "{title} (mapped)"}.items())  # fmt: skip
    repo.commit("Map", {"config/scimform.yaml": SETTINGS + "mapping:\n" + mapping})
    assert _what(read_history(repo.top / "config"))[-1] == "a@c.io updated title Lead (mapped)"


def test_settings_the_user_rules_read_check_files_that_did_not_change(
    make_repo: Callable[[str], Repo],
) -> None:
    repo = make_repo("corp")
    users = "users:\n" + _user("a@c.io")  # no externalId: a warning, until it is required
    repo.commit("Start", {"config/scimform.yaml": SETTINGS, "config/a.yaml": users})
    strict = SETTINGS + "require_external_id: true\n"
    repo.commit("Require externalIds", {"config/scimform.yaml": strict})
    last = read_history(repo.top / "config").entries[-1].event
    assert (last.action, last.problem) == (
        "unloadable",
        'config/a.yaml:2:5: user "a@c.io" has no externalId',
    )


def test_a_manager_renamed_in_another_file_is_the_managers_new_name(
    make_repo: Callable[[str], Repo],
) -> None:
    repo = make_repo("corp")
    alice = "users:\n" + _user("alice@c.io", externalId="a", manager="BOB@c.io")
    bob = "users:\n" + _user("bob@c.io", externalId="b")
    files = {"config/alice.yaml": alice, "config/bob.yaml": bob}
    repo.commit("Start", {"config/scimform.yaml": SETTINGS, **files})
    # bob's userName changes case only: alice's file is the same, her manager is not.
    repo.commit("Rename", {"config/bob.yaml": "users:\n" + _user("Bob@c.io", externalId="b")})
    assert _what(read_history(repo.top / "config"))[-3:] == [
        "alice@c.io updated manager Bob@c.io",
        "Bob@c.io updated userName Bob@c.io",
        "Bob@c.io updated email Bob@c.io",
    ]


def test_a_duplicate_of_a_user_in_a_file_that_did_not_change_is_found(
    make_repo: Callable[[str], Repo],
) -> None:
    repo = make_repo("corp")
    alice = "users:\n" + _user("alice@c.io", externalId="a")
    repo.commit("Start", {"config/scimform.yaml": SETTINGS, "config/alice.yaml": alice})
    twin = "users:\n" + _user("twin@c.io", externalId="a")
    repo.commit("Add a twin", {"config/twin.yaml": twin})
    last = read_history(repo.top / "config").entries[-1].event
    # Both places are the repository's, never the scratch directory history reads from.
    assert last.problem == (
        'config/twin.yaml:7:5: externalId "a" is declared twice (first at config/alice.yaml:7:5)'
    )
