"""`scimform history` on a git repository built here: alice is added to
platform-administrators in PR #42 (a merge commit), promoted in a squash-merged PR, the
config is broken and fixed, the group is renamed with `previously:`, and alice leaves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from gitrepo import Repo
from scimform_cli import cli

SETTINGS = "target:\n  url: local:.scimform/store.db\n"


def _user(name: str, external_id: str, given: str, title: str) -> str:
    return (
        f"  - userName: {name}\n    externalId: {external_id}\n    givenName: {given}\n"
        f"    familyName: Example\n    displayName: {given} Example\n    email: {name}\n"
        f"    title: {title}\n"
    )


ALICE = _user("alice@corp.example", "a-1", "Alice", "Engineer")
ALICE_SENIOR = _user("alice@corp.example", "a-1", "Alice", "Senior Engineer")
BOB = _user("bob@corp.example", "b-2", "Bob", "Operator")
OLD_GROUP = "groups:\n  - displayName: platform-administrators\n    members: [{members}]\n"
NEW_GROUP = (
    "groups:\n  - displayName: platform-admins\n    members: [{members}]\n"
    "    previously: [platform-administrators]\n"
)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, dict[str, str]]:
    """The story in the module doc; returns the repository and the short shas by step.
    Built once for the module: the tests only read it."""
    repo = Repo(tmp_path_factory.mktemp("history") / "corp")
    sha: dict[str, str] = {}
    sha["start"] = repo.commit(
        "Start the identity config",
        {
            "identity/scimform.yaml": SETTINGS,
            "identity/users.yaml": "users:\n" + ALICE + BOB,
            "identity/groups.yaml": OLD_GROUP.format(members="bob@corp.example"),
        },
        "Ops Bot",
        "2026-03-01",
    )
    repo.commit("Readme only", {"README.md": "corp\n"}, "Ops Bot", "2026-03-01")
    repo.git("checkout", "-q", "-b", "add-alice")
    sha["add"] = repo.commit(
        "Give alice platform admin",
        {"identity/groups.yaml": OLD_GROUP.format(members="bob@corp.example, alice@corp.example")},
        "Jane Doe",
        "2026-03-02",
    )
    repo.git("checkout", "-q", "main")
    repo.git(
        "merge", "-q", "--no-ff", "-m", "Merge pull request #42 from corp/add-alice",
        "add-alice", author="Max Merger", day="2026-03-03",
    )  # fmt: skip
    sha["promote"] = repo.commit(
        "Promote alice (#43)",
        {"identity/users.yaml": "users:\n" + ALICE_SENIOR + BOB},
        "Ann Other",
        "2026-03-05",
    )
    sha["break"] = repo.commit(
        "Tidy users",
        {"identity/users.yaml": "users:\n  - userName: [alice\n"},
        "Bob Builder",
        "2026-03-07",
    )
    sha["rename"] = repo.commit(
        "Rename platform-administrators (#44)",
        {
            "identity/users.yaml": "users:\n" + ALICE_SENIOR + BOB,
            "identity/groups.yaml": NEW_GROUP.format(
                members="bob@corp.example, alice@corp.example"
            ),
        },
        "Ann Other",
        "2026-03-08",
    )
    sha["leave"] = repo.commit(
        "Offboard alice (#45)",
        {
            "identity/users.yaml": "users:\n" + BOB,
            "identity/groups.yaml": NEW_GROUP.format(members="bob@corp.example"),
        },
        "Jane Doe",
        "2026-03-10",
    )
    return repo, {step: full[:7] for step, full in sha.items()}


def _history(*args: str) -> Result:
    return cli("history", *args)


def _broken(sha: dict[str, str]) -> str:
    return (
        f"2026-03-07  {sha['break']}  -    Bob Builder  config does not load, skipped: "
        "identity/users.yaml:"
    )


def test_group_history_answers_who_added_alice_and_follows_the_rename(
    repo: tuple[Repo, dict[str, str]],
) -> None:
    top, sha = repo[0].top, repo[1]
    result = _history(str(top / "identity"), "--group", "platform-admins")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        f"2026-03-01  {sha['start']}  -    Ops Bot      platform-administrators: + group"
        "  [direct push]",
        f"2026-03-01  {sha['start']}  -    Ops Bot      "
        "platform-administrators: + member bob@corp.example  [direct push]",
        f"2026-03-03  {sha['add']}  #42  Jane Doe     "
        "platform-administrators: + member alice@corp.example",
    ]
    assert lines[3].startswith(_broken(sha))
    assert lines[4:] == [
        f"2026-03-08  {sha['rename']}  #44  Ann Other    "
        'platform-admins: ~ displayName "platform-administrators" -> "platform-admins"',
        f"2026-03-10  {sha['leave']}  #45  Jane Doe     "
        "platform-admins: - member alice@corp.example",
    ]


def test_user_history_lists_her_memberships_attributes_and_departure(
    repo: tuple[Repo, dict[str, str]],
) -> None:
    top, sha = repo[0].top, repo[1]
    result = _history(str(top / "identity"), "--user", "alice@corp.example")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        f"2026-03-01  {sha['start']}  -    Ops Bot      alice@corp.example: + user  [direct push]",
        f"2026-03-03  {sha['add']}  #42  Jane Doe     "
        "platform-administrators: + member alice@corp.example",
        f"2026-03-05  {sha['promote']}  #43  Ann Other    "
        'alice@corp.example: ~ title "Engineer" -> "Senior Engineer"',
    ]
    assert lines[3].startswith(_broken(sha))
    assert lines[4:] == [
        f"2026-03-10  {sha['leave']}  #45  Jane Doe     alice@corp.example: - user",
        f"2026-03-10  {sha['leave']}  #45  Jane Doe     "
        "platform-admins: - member alice@corp.example",
    ]
    assert "bob@corp.example" not in result.stdout


def test_broken_config_is_reported_with_its_file_and_line_and_skipped(
    repo: tuple[Repo, dict[str, str]],
) -> None:
    top, sha = repo[0].top, repo[1]
    result = _history(str(top / "identity"))
    assert result.exit_code == 0, result.output
    broken = [line for line in result.stdout.splitlines() if "does not load" in line]
    assert broken == [
        f"2026-03-07  {sha['break']}  -    Bob Builder  config does not load, skipped: "
        "identity/users.yaml:3:1: YAML syntax error: did not find expected ',' or ']' "
        "(in a flow sequence that starts at line 2, column 15) (and 2 more)"
    ]
    # The fix is told against the last config that loaded: only the rename, not the
    # whole config again.
    assert [line for line in result.stdout.splitlines() if sha["rename"] in line] == [
        f"2026-03-08  {sha['rename']}  #44  Ann Other    "
        'platform-admins: ~ displayName "platform-administrators" -> "platform-admins"'
    ]


def test_the_old_group_name_and_the_external_id_find_the_same_history(
    repo: tuple[Repo, dict[str, str]],
) -> None:
    directory = str(repo[0].top / "identity")
    new = _history(directory, "--group", "platform-admins").stdout
    assert _history(directory, "--group", "PLATFORM-ADMINISTRATORS").stdout == new
    by_name = _history(directory, "--user", "alice@corp.example").stdout
    assert _history(directory, "--user", "a-1").stdout == by_name


def test_since_keeps_changes_dated_that_day_or_later(repo: tuple[Repo, dict[str, str]]) -> None:
    top, sha = repo[0].top, repo[1]
    result = _history(str(top / "identity"), "--group", "platform-admins", "--since", "2026-03-08")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"2026-03-08  {sha['rename']}  #44  Ann Other  "
        'platform-admins: ~ displayName "platform-administrators" -> "platform-admins"',
        f"2026-03-10  {sha['leave']}  #45  Jane Doe   platform-admins: - member alice@corp.example",
    ]


def test_json_names_the_pull_request_and_the_merge_that_landed_it(
    repo: tuple[Repo, dict[str, str]],
) -> None:
    git = repo[0].git
    result = _history(
        str(repo[0].top / "identity"), "--group", "platform-admins", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert {k: body[k] for k in ("version", "directory", "user", "group", "since", "commits")} == {
        "version": 2,
        "directory": "identity",
        "user": None,
        "group": "platform-admins",
        "since": None,
        "commits": 7,  # the first-parent history: the merge stands for its branch
    }
    added = body["changes"][2]
    assert added == {
        "date": "2026-03-03T09:00:00+00:00",
        "authored": "2026-03-02T09:00:00+00:00",
        "landed_commit": git("rev-parse", "HEAD~4"),
        "commit": git("rev-parse", repo[1]["add"]),
        "short": repo[1]["add"],
        "author": "Jane Doe",
        "email": "jane.doe@corp.example",
        "pr": 42,
        "merge": git("rev-parse", "HEAD~4"),
        "subject": "group",
        "name": "platform-administrators",
        "action": "member-added",
        "field": None,
        "before": None,
        "after": None,
        "member": "alice@corp.example",
        "problem": None,
        "text": "platform-administrators: + member alice@corp.example",
        "approvers": [],
        "merged_by": None,
        "pr_url": None,
        "applied": None,
        "apply_outcome": None,
        "flags": [],
    }
    assert git("log", "-1", "--format=%s", "HEAD~4").startswith("Merge pull request #42")
    renamed = body["changes"][4]
    assert (renamed["action"], renamed["field"], renamed["before"], renamed["after"]) == (
        "updated",
        "displayName",
        "platform-administrators",
        "platform-admins",
    )
    assert [c["subject"] for c in body["changes"]].count("config") == 1


def test_user_renamed_with_the_same_external_id_is_one_person(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    first = repo.commit(
        "Add alice", {"scimform.yaml": SETTINGS, "users.yaml": "users:\n" + ALICE}, "Ops Bot",
        "2026-04-01",
    )[:7]  # fmt: skip
    renamed = ALICE.replace("userName: alice@corp.example", "userName: a.liddell@corp.example")
    second = repo.commit(
        "Rename alice (#7)", {"users.yaml": "users:\n" + renamed}, "Jane Doe", "2026-04-02"
    )[:7]
    result = _history(str(repo.top), "--user", "alice@corp.example")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"2026-04-01  {first}  -   Ops Bot   alice@corp.example: + user  [direct push]",
        f"2026-04-02  {second}  #7  Jane Doe  "
        'a.liddell@corp.example: ~ userName "alice@corp.example" -> "a.liddell@corp.example"',
    ]
    assert _history(str(repo.top), "--user", "a.liddell@corp.example").stdout == result.stdout


def test_unknown_group_says_no_history_and_suggests_names(
    repo: tuple[Repo, dict[str, str]],
) -> None:
    result = _history(str(repo[0].top / "identity"), "--group", "platform-admin")
    assert result.exit_code == 1  # a name that never appears is a mistake, not "no changes"
    assert result.stdout == ""
    assert result.stderr == (
        'no history for group "platform-admin" in identity; did you mean "platform-admins"?\n'
    )


def test_an_unknown_user_fails_and_suggests_only_similar_names(
    repo: tuple[Repo, dict[str, str]],
) -> None:
    identity = str(repo[0].top / "identity")
    result = _history(identity, "--user", "nobody@corp.example")
    assert result.exit_code == 1
    # bob@corp.example shares the domain, not the name: no "did you mean" for it. Only the
    # default branch's first-parent history is read: 7 of the repository's 8 commits.
    assert result.stderr == (
        'no history for user "nobody@corp.example" in identity (7 commits read)\n'
    )
    typo = _history(identity, "--user", "alcie@corp.example")
    assert typo.exit_code == 1
    assert typo.stderr.endswith('; did you mean "alice@corp.example"?\n')


def test_a_group_is_found_by_a_previously_name_it_never_had_in_git(tmp_path: Path) -> None:
    """The former name was the group's name in AWS, before the config existed."""
    repo = Repo(tmp_path / "corp")
    first = repo.commit(
        "Start",
        {
            "scimform.yaml": SETTINGS,
            "users.yaml": "users:\n" + BOB,
            "groups.yaml": "groups:\n  - displayName: security-admins\n"
            "    members: [bob@corp.example]\n    previously: [security-readonly]\n",
        },
        "Ops Bot",
        "2026-03-01",
    )[:7]
    result = _history(str(repo.top), "--group", "security-readonly")
    assert result.exit_code == 0, result.output
    # The first commit landed without a pull request: a direct push, flagged.
    assert result.stdout.splitlines() == [
        f"2026-03-01  {first}  -  Ops Bot  security-admins: + group  [direct push]",
        f"2026-03-01  {first}  -  Ops Bot  security-admins: + member bob@corp.example"
        "  [direct push]",
    ]
    assert _history(str(repo.top), "--group", "SECURITY-READONLY").stdout == result.stdout


def test_unknown_user_in_json_is_an_empty_list(repo: tuple[Repo, dict[str, str]]) -> None:
    result = _history(str(repo[0].top / "identity"), "--user", "carol@corp.example", "-f", "json")
    assert result.exit_code == 1  # -f is not an option: --format is; usage errors exit 1
    result = _history(
        str(repo[0].top / "identity"), "--user", "carol@corp.example", "--format", "json"
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["changes"] == []
    assert result.stderr.startswith('no history for user "carol@corp.example" in identity')


def test_not_a_git_repository_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "users.yaml").write_text("users: []\n")
    result = _history(str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path} is not in a git repository: history reads the config's git log; "
        "run it inside the repository that holds the config\n"
    )


def test_a_repository_without_commits_has_no_history(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "fresh")
    result = _history(str(repo.top))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "no history: the repository has no commits yet\n"


def test_user_and_group_together_is_a_usage_error(repo: tuple[Repo, dict[str, str]]) -> None:
    result = _history(str(repo[0].top), "--user", "a", "--group", "b")
    assert result.exit_code == 1
    assert "give --user or --group, not both" in result.stderr
