"""config_commit (the commit an audit record names) and the object reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from scimform.history.git import ObjectReader, config_commit, tree_entries


def test_config_commit_names_head_and_whether_the_config_has_uncommitted_changes(
    make_repo: Callable[[str], Any],
) -> None:
    repo = make_repo("corp")
    sha = repo.commit("Add alice", {"config/users.yaml": "users: []\n", "README.md": "x\n"})
    config = repo.top / "config"
    found = config_commit(config)
    assert found is not None
    assert (found.sha, found.dirty) == (sha, False)
    # The store and the audit log under .scimform/ are not the config; nor is a file
    # outside the config directory.
    repo.write({"config/.scimform/audit.jsonl": "{}\n", "README.md": "changed\n"})
    assert config_commit(config) == found
    repo.write({"config/users.yaml": "users:\n  - userName: bob@corp.example\n"})
    assert config_commit(config) == type(found)(sha, True)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Add bob")
    repo.git("mv", "config/users.yaml", "config/people.yaml")  # a rename: two paths in -z
    moved = config_commit(config)
    assert moved is not None and moved.dirty


def test_config_commit_is_none_outside_a_repository_or_before_the_first_commit(
    tmp_path: Path, make_repo: Callable[[str], Any]
) -> None:
    assert config_commit(tmp_path) is None
    assert config_commit(make_repo("fresh").top) is None


def test_the_object_reader_reads_trees_and_says_when_an_object_is_missing(
    make_repo: Callable[[str], Any],
) -> None:
    repo = make_repo("corp")
    sha = repo.commit("Files", {"a.yaml": "a: 1\n", "sub/b.yaml": "b: 2\n"})
    with ObjectReader(repo.top) as objects:
        found = objects.read(f"{sha}:")
        assert found is not None
        tree, kind, content = found
        assert kind == "tree"
        names = [(mode, name) for mode, name, _ in tree_entries(content, len(tree))]
        assert names == [("100644", "a.yaml"), ("40000", "sub")]
        blob = objects.read(f"{sha}:sub/b.yaml")
        assert blob is not None and blob[1:] == ("blob", b"b: 2\n")
        assert objects.read(f"{sha}:nothing-here") is None
        assert objects.read(f"{sha}:a.yaml") is not None  # still in step after a miss
