"""read_history on repositories built here: branches and merges, pull request numbers,
landing order, a merge's own changes, and unchanged config trees loaded only once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import scimform.history.snapshot as snapshot
from scimform.config.loader import LoadedConfig, ReadYaml, load_config
from scimform.errors import ScimformError
from scimform.history.timeline import Entry, pull_request, read_history

SETTINGS = "target:\n  url: local:.scimform/store.db\n"


def _rows(entries: tuple[Entry, ...]) -> list[tuple[str, str, int | None, str]]:
    """(sha, author, pr, what) per entry."""
    rows = []
    for e in entries:
        ev = e.event
        what = f"{ev.name} {ev.action} {ev.member or ev.field or ''}".rstrip()
        rows.append((e.commit.sha, e.commit.author, e.pr, what))
    return rows


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("Merge pull request #123 from corp/add-alice", 123),
        ("Give alice admin (#42)", 42),
        ("Give alice admin (#42) ", 42),
        ("Fix #42 in the docs", None),
        ("Merge branch 'main' into feature", None),
        ("Revert (#7) and more", None),
    ],
)
def test_pull_request_numbers_come_from_merge_and_squash_subjects(
    subject: str, number: int | None
) -> None:
    assert pull_request(subject) == number


def test_branch_commits_land_with_their_merge_and_keep_their_author(
    make_repo: Callable[[str], Any],
) -> None:
    repo = make_repo("corp")
    users = "users:\n" + "".join(
        repo.user(f"{n}@corp.example", f"{n}-id") for n in ("alice", "bob", "carol")
    )
    admins = "groups:\n  - displayName: admins\n    members: [{}]\n"
    start = repo.commit(
        "Start",
        {
            "scimform.yaml": SETTINGS,
            "users.yaml": users,
            "admins.yaml": admins.format("bob@corp.example"),
        },
        day="2026-01-01",
    )
    repo.git("checkout", "-q", "-b", "feature")
    branch = repo.commit(
        "Add alice to admins",
        {"admins.yaml": admins.format("bob@corp.example, alice@corp.example")},
        author="Jane Doe",
        day="2026-01-02",
    )
    repo.git("checkout", "-q", "main")
    ops = repo.commit(
        "Add the ops group (#10)",
        {"ops.yaml": "groups:\n  - displayName: ops\n    members: [carol@corp.example]\n"},
        author="Ann Other",
        day="2026-01-03",
    )
    repo.git(
        "merge", "-q", "--no-ff", "--no-commit", "feature", author="Max Merger", day="2026-01-04"
    )
    # The merge adds carol as well: a change the merge itself makes, told at the merge.
    repo.write(
        {"admins.yaml": admins.format("bob@corp.example, alice@corp.example, carol@corp.example")}
    )
    merge = repo.commit(
        "Merge pull request #11 from corp/feature", {}, author="Max Merger", day="2026-01-04"
    )
    history = read_history(repo.top, all_commits=True)
    assert history.commits == 4
    assert _rows(history.entries) == [
        (start, "Ops Bot", None, "alice@corp.example created"),
        (start, "Ops Bot", None, "bob@corp.example created"),
        (start, "Ops Bot", None, "carol@corp.example created"),
        (start, "Ops Bot", None, "admins created"),
        (start, "Ops Bot", None, "admins member-added bob@corp.example"),
        (ops, "Ann Other", 10, "ops created"),
        (ops, "Ann Other", 10, "ops member-added carol@corp.example"),
        (branch, "Jane Doe", 11, "admins member-added alice@corp.example"),
        (merge, "Max Merger", 11, "admins member-added carol@corp.example"),
    ]
    assert [e.merge for e in history.entries if e.commit.sha == branch] == [merge]


def test_unchanged_trees_load_once_and_commits_outside_the_config_are_skipped(
    make_repo: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[Path] = []

    def counting(root: Path, read: ReadYaml, **options: Any) -> LoadedConfig:
        loads.append(root)
        return load_config(root, read, **options)

    monkeypatch.setattr(snapshot, "load_config", counting)
    repo = make_repo("corp")
    repo.commit("Readme", {"README.md": "corp\n"})
    one = "users:\n" + repo.user("alice@corp.example")
    two = "users:\n" + repo.user("alice@corp.example", title="Lead")
    first = repo.commit("Add alice", {"config/users.yaml": one}, day="2026-01-02")
    repo.commit("Readme again", {"README.md": "corp!\n"}, day="2026-01-03")
    lead = repo.commit("Promote alice", {"config/users.yaml": two}, day="2026-01-04")
    back = repo.commit("Revert the promotion", {"config/users.yaml": one}, day="2026-01-05")
    gone = repo.commit("Remove the config", {"config/users.yaml": None}, day="2026-01-06")
    history = read_history(repo.top / "config")
    assert len(loads) == 2  # two distinct config trees; the revert is the first again
    assert history.directory == "config"
    assert _rows(history.entries) == [
        (first, "Ops Bot", None, "alice@corp.example created"),
        (lead, "Ops Bot", None, "alice@corp.example updated title"),
        (back, "Ops Bot", None, "alice@corp.example updated title"),
        (gone, "Ops Bot", None, "alice@corp.example deleted"),
    ]


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScimformError, match="no such directory"):
        read_history(tmp_path / "nowhere")


def test_moving_users_between_files_changes_nothing(make_repo: Callable[[str], Any]) -> None:
    repo = make_repo("corp")
    people = "users:\n" + repo.user("alice@corp.example", "a-1")
    repo.commit("Add alice", {"teams/platform/people.yaml": people})
    repo.commit("Move her", {"teams/platform/people.yaml": None, "users.yaml": people})
    moved_back = repo.commit(
        "Move her back, as a lead",
        {"users.yaml": None, "teams/platform/people.yaml": people.replace("Engineer", "Lead")},
    )
    history = read_history(repo.top)
    assert history.commits == 3
    assert [e.event.action for e in history.entries] == ["created", "updated"]
    assert history.entries[1].commit.sha == moved_back


def test_membership_declared_on_the_user_side_counts_as_the_loader_merges_it(
    make_repo: Callable[[str], Any],
) -> None:
    repo = make_repo("corp")
    alice = repo.user("alice@corp.example", "a-1")
    group = "groups:\n  - displayName: admins\n"
    repo.commit("Start", {"users.yaml": "users:\n" + alice, "groups.yaml": group})
    joined = repo.commit(
        "Alice joins admins (#5)",
        {"users.yaml": "users:\n" + alice + "    groups: [admins]\n"},
        author="Jane Doe",
    )
    history = read_history(repo.top)
    assert _rows(history.entries)[-1] == (
        joined, "Jane Doe", 5, "admins member-added alice@corp.example"
    )  # fmt: skip


def test_a_file_a_commit_left_alone_is_not_parsed_again(
    make_repo: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    real = snapshot.load_yaml

    def counting(path: Path, file: str) -> Any:
        parsed.append(path.name)
        return real(path, file)

    monkeypatch.setattr(snapshot, "load_yaml", counting)
    repo = make_repo("corp")
    admins = "groups:\n  - displayName: admins\n    members: [{}]\n"
    repo.commit("Start", {"scimform.yaml": SETTINGS, "users.yaml": "users:\n" +
                repo.user("alice@corp.example"), "admins.yaml": admins.format("")})  # fmt: skip
    repo.commit("Add alice", {"admins.yaml": admins.format("alice@corp.example")})
    history = read_history(repo.top)
    assert [e.event.member for e in history.entries if e.event.member] == ["alice@corp.example"]
    assert sorted(parsed) == ["admins.yaml", "admins.yaml", "scimform.yaml", "users.yaml"]


def test_a_period_reads_from_the_last_commit_before_it_to_the_last_one_in_it(
    make_repo: Callable[[str], Any],
) -> None:
    repo = make_repo("corp")
    admins = "groups:\n  - displayName: admins\n    members: [{}]\n"
    users = "users:\n" + repo.user("alice@corp.example") + repo.user("bob@corp.example")
    start = {"scimform.yaml": SETTINGS, "users.yaml": users}
    start["admins.yaml"] = admins.format("bob@corp.example")
    repo.commit("Start", start, day="2026-01-01")
    repo.commit("Broken", {"admins.yaml": "groups: [\n"}, day="2026-01-02")
    repo.commit("Add alice (#3)", {"admins.yaml": admins.format("bob@corp.example, "
                "alice@corp.example")}, day="2026-02-01")  # fmt: skip
    repo.commit("Broken after", {"admins.yaml": "groups: [\n"}, day="2026-03-01")
    since, until = datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 2, 15, tzinfo=UTC)
    history = read_history(repo.top, since=since, until=until)
    # The broken commit before the period is passed over: alice's addition is told against
    # the last config that loaded, not as the whole config created; the one after the
    # period is not read.
    assert [(e.event.name, e.event.action, e.event.member) for e in history.entries] == [
        ("admins", "member-added", "alice@corp.example")
    ]
