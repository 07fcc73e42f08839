"""What the workflows' plans are targeted against: a pull request's base commit, or the last
commit applied successfully (the newest `outcome=applied` comment), never blindly the
merge's parent; a full plan, with the reason, whenever that commit is unknown or not in the
history. The commands run against a real git repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitrepo import Repo
from scimform_cli import cli

from scimform.ci.outcome import applied_commit, apply_marker
from scimform.ci.runner import Author, Comment, PullRequest
from scimform.ci.since import Since, apply_since, pull_request_since

BOT = "github-actions[bot]"
BASE, M6, M7, M8 = ("b" * 40, "6" * 40, "7" * 40, "8" * 40)


def said(id: int, body: str, login: str = BOT) -> Comment:
    return Comment(id=id, body=body, user=Author(login=login))


def merged(number: int, commit: str) -> PullRequest:
    return PullRequest(
        number=number, merged_at=f"2026-11-30T10:{number:02d}:00Z", merge_commit_sha=commit
    )


def outcome(id: int, outcome: str, commit: str, login: str = BOT) -> Comment:
    return said(id, apply_marker("people", outcome, commit) + "\n### scimform apply", login)


PULLS = [merged(8, M8), merged(7, M7), merged(6, M6)]  # newest first


def since_apply(comments: dict[int, list[Comment]], head: str = M8, **kw: object) -> Since:
    options: dict[str, object] = {"event": "push", "enabled": True, "is_ancestor": lambda c: True}
    options |= kw
    return apply_since(PULLS, comments, "people", BOT, head=head, **options)  # type: ignore[arg-type]


def test_a_pull_request_is_planned_since_its_base() -> None:
    since = pull_request_since(BASE, True, lambda c: c == BASE)
    assert since.revision == BASE and BASE[:12] in since.reason
    assert since.summary.startswith(f"**Targeted plan** since `{BASE[:12]}`")


@pytest.mark.parametrize(
    ("base", "enabled", "ancestor", "why"),
    [
        (BASE, False, True, "targeted-plan input is false"),
        ("", True, True, "not for a pull request"),
        ("main", True, True, "not a full commit sha"),
        (BASE, True, False, "check out with fetch-depth: 0"),
    ],
)
def test_a_pull_request_is_planned_in_full_when_its_base_will_not_do(
    base: str, enabled: bool, ancestor: bool, why: str
) -> None:
    since = pull_request_since(base, enabled, lambda c: ancestor)
    assert since.revision is None and why in since.reason
    assert since.summary.startswith("**Full plan:**") and "reads the whole store" in since.summary


def test_the_apply_is_planned_since_the_last_commit_applied_not_the_parent() -> None:
    # #6 was applied; #7's apply was cancelled (nothing said) and #8's is running.
    comments = {6: [outcome(1, "applied", M6)], 7: [], 8: []}
    since = since_apply(comments)
    assert since.revision == M6
    assert "covering #6" in since.reason
    # A failed apply does not count either; a later success does.
    comments[7] = [outcome(2, "failed", M7)]
    assert since_apply(comments).revision == M6
    comments[7].append(outcome(3, "applied", M7))
    assert since_apply(comments).revision == M7


def test_the_commit_the_apply_named_wins_over_the_merge_commit() -> None:
    # A manual apply at a later commit covered #6: the store holds that commit.
    later = "a" * 40
    assert since_apply({6: [outcome(1, "applied", later)]}).revision == later
    # An old marker without a commit falls back to the pull request's merge commit.
    assert since_apply({6: [outcome(1, "applied", "")]}).revision == M6


def test_only_the_workflow_accounts_outcomes_count() -> None:
    comments = {7: [outcome(1, "applied", M7, login="mallory")], 6: [outcome(2, "applied", M6)]}
    assert since_apply(comments).revision == M6


def test_pull_requests_merged_after_the_commit_applied_are_not_read() -> None:
    # #8 merged after #7's merge commit, and its apply succeeded: not in this commit.
    comments = {8: [outcome(1, "applied", M8)], 6: [outcome(2, "applied", M6)]}
    assert since_apply(comments, head=M7).revision == M6


@pytest.mark.parametrize(
    ("comments", "options", "why"),
    [
        ({}, {}, "no successful apply is known"),
        ({6: [outcome(1, "applied", M6)]}, {"is_ancestor": lambda c: False}, "fetch-depth: 0"),
        ({6: [outcome(1, "applied", M6)]}, {"enabled": False}, "targeted-plan input is false"),
        ({6: [outcome(1, "applied", M6)]}, {"event": "workflow_dispatch"}, "to see drift"),
    ],
)
def test_the_apply_is_planned_in_full_when_no_applied_commit_will_do(
    comments: dict[int, list[Comment]], options: dict[str, object], why: str
) -> None:
    since = since_apply(comments, **options)
    assert since.revision is None and why in since.reason


def test_the_applied_commit_is_read_from_the_marker_of_its_directory() -> None:
    body = apply_marker("teams", "applied", M7) + "\n" + apply_marker("people", "failed", M8)
    assert applied_commit(body, "teams") == M7
    assert applied_commit(body, "people") is None and applied_commit("LGTM", "people") is None


# ---------------------------------------------------------------------------------------
# The commands, against a real repository.


@pytest.fixture
def history(tmp_path: Path) -> tuple[Repo, list[str]]:
    """main: base, then two merges of pull requests; and a commit off to the side."""
    repo = Repo(tmp_path / "repo")
    shas = [repo.commit("base", {"people/scimform.yaml": "{}\n"})]
    for number in (6, 7):
        repo.git("checkout", "-q", "-b", f"pr{number}")
        repo.commit(f"pr {number}", {f"people/p{number}.yaml": "users: []\n"})
        repo.git("checkout", "-q", "main")
        shas.append(repo.merge_pull_request(f"pr{number}", number, "Ops Bot", "2026-01-02"))
    repo.git("checkout", "-q", "-b", "aside", shas[0])
    shas.append(repo.commit("aside", {"people/aside.yaml": "users: []\n"}))
    repo.git("checkout", "-q", "--detach", shas[2])
    return repo, shas


def runner_env(tmp_path: Path, sha: str) -> dict[str, str]:
    (tmp_path / "out").write_text("")
    return {
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_SHA": sha,
    }


def outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "out").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_pull_request_base_prints_the_base_or_nothing(
    history: tuple[Repo, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, (_, m6, m7, aside) = history
    monkeypatch.chdir(repo.top)  # as in a workflow: the config directory is relative
    people = "people"
    env = runner_env(tmp_path, m7)
    done = cli("ci", "pull-request-base", "--directory", people, "--base", m6, env=env)
    assert done.exit_code == 0 and done.stdout == m6 + "\n"
    assert "Targeted plan: only what changed since the pull request's base" in done.stderr
    assert outputs(tmp_path)["revision"] == m6
    assert f"**Targeted plan** since `{m6[:12]}`" in (tmp_path / "summary.md").read_text()
    # A base the checkout does not have in HEAD's history: a full plan, saying why.
    env = runner_env(tmp_path, m7)
    done = cli("ci", "pull-request-base", "--directory", people, "--base", aside, env=env)
    assert done.exit_code == 0 and done.stdout == ""
    assert "Full plan: the pull request's base commit" in done.stderr
    assert "fetch-depth: 0" in done.stderr and outputs(tmp_path)["revision"] == ""
    off = cli("ci", "pull-request-base", "--directory", people, "--base", m6, "--targeted", "false")
    assert off.exit_code == 0 and off.stdout == "" and "targeted-plan input" in off.stderr


def test_last_applied_prints_the_last_applied_commit(
    history: tuple[Repo, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, (_, m6, m7, aside) = history
    monkeypatch.chdir(repo.top)
    pulls = [
        {"number": 7, "merged_at": "2026-01-02T10:07:00Z", "merge_commit_sha": m7},
        {"number": 6, "merged_at": "2026-01-02T10:06:00Z", "merge_commit_sha": m6},
        {"number": 5, "merged_at": None},
    ]
    (tmp_path / "pulls.json").write_text(json.dumps(pulls))
    comments = tmp_path / "comments"
    comments.mkdir()
    applied = {"id": 1, "body": apply_marker("people", "applied", m6), "user": {"login": BOT}}
    (comments / "6.json").write_text(json.dumps([applied]))
    args = ["ci", "last-applied", "--directory", "people"]
    args += ["--pulls", str(tmp_path / "pulls.json"), "--comments-dir", str(comments)]
    done = cli(*args, env=runner_env(tmp_path, m7))
    assert done.exit_code == 0 and done.stdout == m6 + "\n", done.output
    assert "covering #6" in done.stderr and outputs(tmp_path)["revision"] == m6
    # The apply said it applied a commit that is not in this history: a full plan.
    applied["body"] = apply_marker("people", "applied", aside)
    (comments / "6.json").write_text(json.dumps([applied]))
    done = cli(*args, env=runner_env(tmp_path, m7))
    assert done.exit_code == 0 and done.stdout == "" and "not in the history" in done.stderr
    manual = cli(*args, "--event", "workflow_dispatch", env=runner_env(tmp_path, m7))
    assert manual.stdout == "" and "a workflow_dispatch run plans in full" in manual.stderr
