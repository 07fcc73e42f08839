"""The reusable workflows' own `run:` scripts, read from the YAML and run under bash with the
environment a GitHub runner sets, against a real `scimform serve` on 127.0.0.1 and a fake
`gh` that answers from files and records what would be posted.

`uses:` steps (checkout, setup-python, artifacts) and the pip install step are stood in for
by the workspace, the PATH and the shared runner temp directory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scimform.cli import main
from scimform.model import User
from scimform.store.seed import load_org

BOT = "github-actions[bot]"
COMMENTS = "repos/octo/people/issues/7/comments"
PULLS = "repos/octo/people/commits/0123456789abcdef0123456789abcdef01234567/pulls"
ISSUES = "repos/octo/people/issues?state=open&per_page=100"
PR_EVENT = {"action": "synchronize", "pull_request": {"number": 7}}
PUSH_EVENT = {"ref": "refs/heads/main"}
LIMIT = 65_000


def person(name: str, **fields: Any) -> User:
    first = name.split("@")[0].capitalize()
    return User(name, first, "Example", f"{first} Example", email=name, **fields)


ALICE, BOB, CAROL, DAVE = (person(f"{n}@corp.example") for n in ("alice", "bob", "carol", "dave"))


def yaml_user(user: User) -> dict[str, Any]:
    found = {"userName": user.user_name, "givenName": user.given_name}
    found |= {"familyName": user.family_name, "displayName": user.display_name}
    found |= {"email": user.email} | ({"title": user.title} if user.title else {})
    return found


def write_config(workspace: Path, url: str, users: list[User], members: list[User]) -> Path:
    """The config in workspace/people: `users`, and a group `admins` of `members`."""
    root = workspace / "people"
    root.mkdir(parents=True, exist_ok=True)
    settings = {"target": {"url": url, "token": "env:SCIM_TOKEN"}, "ownership": {"prune": True}}
    (root / "scimform.yaml").write_text(json.dumps(settings), encoding="utf-8")
    groups = [{"displayName": "admins", "members": [m.user_name for m in members]}]
    body = {"users": [yaml_user(u) for u in users], "groups": groups}
    (root / "people.yaml").write_text(json.dumps(body, indent=1), encoding="utf-8")
    return root


def assert_no_secret(secret: str, *roots: Path) -> None:
    """No file the runs wrote holds the token."""
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def assert_steps_keep_secret(job: Any, secret: str) -> None:
    for step in job.steps.values():
        assert secret not in step.output, step.id
        assert "Traceback" not in step.output, step.output


@pytest.fixture
def org(scim_server: Any, actions: Callable[..., Any]) -> Any:
    """A live store holding alice, bob and carol, and a config that updates bob, adds dave
    and drops carol: a plan with changes and a destroy."""
    load_org(scim_server.store, [ALICE, BOB, CAROL], [])
    runner = actions(PR_EVENT, {"SCIM_TOKEN": scim_server.token})
    bob = person("bob@corp.example", title="Staff Engineer")
    write_config(runner.workspace, scim_server.url, [ALICE, bob, DAVE], [ALICE, DAVE])
    return runner


def test_plan_on_a_pull_request_edits_its_comment_in_place(org: Any, scim_server: Any) -> None:
    old = "<!-- scimform-plan: people hash=" + "0" * 64 + " -->\nan older plan"
    org.answer(
        COMMENTS,
        [
            {"id": 554, "body": "LGTM", "user": {"login": "octocat"}},
            {"id": 555, "body": old, "user": {"login": BOT}},
            {"id": 556, "body": old, "user": {"login": "mallory"}},
        ],
    )
    plan = org.run("scimform-plan.yml", "plan", {"directory": "people"})
    assert not plan.failed, {s.id: s.output for s in plan.steps.values()}
    assert list(plan.steps) == ["validate", "plan", "comments", "comment"]
    saved = json.loads((org.temp / "scimform" / "plan.json").read_text(encoding="utf-8"))
    assert plan.outputs == {
        "exit-code": "2",
        "hash": saved["hash"],
        "has-changes": "true",
        "comment-id": "555",
        "pull-request": "7",
        "artifact": "scimform-plan-people",
    }
    body = json.loads((org.temp / "scimform" / "comment.json").read_text("utf-8"))["body"]
    marker, rest = body.split("\n", 1)
    assert marker == f"<!-- scimform-plan: people hash={saved['hash']} -->"
    assert rest.startswith("### scimform plan\n\n**Plan: 2 to add, 1 to change, 1 to destroy")
    assert '> This plan destroys 1 object: user "carol@corp.example"' in body
    assert rest.index("[!WARNING]") < rest.index("<details>") and len(body) < LIMIT
    assert "**Plan: 2 to add" in plan.summary and "[!WARNING]" in plan.summary

    comment = org.run("scimform-plan.yml", "comment", needs={"plan": plan.outputs})
    assert list(comment.steps) == ["post"] and not comment.failed
    assert org.gh_calls() == [
        {
            "method": "PATCH",
            "endpoint": "repos/octo/people/issues/comments/555",
            "payload": {"body": body},
        }
    ]
    assert_steps_keep_secret(plan, scim_server.token)
    assert_no_secret(scim_server.token, org.root, org.workspace)


def test_an_unsafe_plan_gets_a_new_comment_with_a_caution_and_fails(
    scim_server: Any, actions: Callable[..., Any]
) -> None:
    crowd = [person(f"u{n:02d}@corp.example") for n in range(20)]
    load_org(scim_server.store, crowd, [])
    runner = actions(PR_EVENT, {"SCIM_TOKEN": scim_server.token})
    write_config(runner.workspace, scim_server.url, crowd[:10], [])
    runner.answer(COMMENTS, [])
    plan = runner.run("scimform-plan.yml", "plan", {"directory": "people"})
    assert not plan.failed and plan.outputs["exit-code"] == "3"
    assert plan.outputs["comment-id"] == ""
    body = json.loads((runner.temp / "scimform" / "comment.json").read_text("utf-8"))["body"]
    assert "> [!CAUTION]" in body and "This plan destroys 10 objects" in body

    comment = runner.run("scimform-plan.yml", "comment", needs={"plan": plan.outputs})
    assert [c["method"] + " " + c["endpoint"] for c in runner.gh_calls()] == [f"POST {COMMENTS}"]
    assert comment.steps["unsafe"].code == 1
    assert "::error title=scimform plan::The plan exceeds the safety thresholds" in (
        comment.steps["unsafe"].output
    )
    allowed = runner.run(
        "scimform-plan.yml", "comment", {"fail-on-unsafe": False}, needs={"plan": plan.outputs}
    )
    assert "unsafe" not in allowed.steps and not allowed.failed


def test_a_config_error_is_an_annotation_and_stops_the_plan(
    scim_server: Any, actions: Callable[..., Any]
) -> None:
    runner = actions(PR_EVENT, {"SCIM_TOKEN": scim_server.token})
    root = write_config(runner.workspace, scim_server.url, [ALICE], [ALICE])
    broken = json.loads((root / "people.yaml").read_text("utf-8"))
    del broken["users"][0]["givenName"]
    (root / "people.yaml").write_text(json.dumps(broken, indent=1), encoding="utf-8")
    plan = runner.run("scimform-plan.yml", "plan", {"directory": "people"})
    assert plan.steps["validate"].code == 1
    assert "::error file=people/people.yaml,line=" in plan.steps["validate"].output
    assert list(plan.steps) == ["validate"]  # nothing after a failed step runs


def test_a_refused_token_fails_the_plan_without_showing_it(
    scim_server: Any, actions: Callable[..., Any]
) -> None:
    wrong = "not-the-token-" + "x" * 40
    runner = actions(PR_EVENT, {"SCIM_TOKEN": wrong})
    write_config(runner.workspace, scim_server.url, [ALICE], [ALICE])
    plan = runner.run("scimform-plan.yml", "plan", {"directory": "people"})
    step = plan.steps["plan"]
    assert step.code == 1 and step.outputs == {"exit-code": "1"}
    assert "token" in step.output and wrong not in step.output
    assert list(plan.steps) == ["validate", "plan"]
    assert_no_secret(wrong, runner.root, runner.workspace)


def reviewed_on_the_pull_request(org: Any) -> str:
    """Plan on PR #7 and post the comment; returns the comment's body as posted."""
    org.answer(COMMENTS, [])
    plan = org.run("scimform-plan.yml", "plan", {"directory": "people"})
    org.run("scimform-plan.yml", "comment", needs={"plan": plan.outputs})
    (posted,) = org.gh_calls()
    body: str = posted["payload"]["body"]
    return body


def merged(actions: Callable[..., Any], token: str, body: str | None, name: str) -> Any:
    """A runner for the push that merged PR #7, whose plan comment is `body`."""
    runner = actions(PUSH_EVENT, {"SCIM_TOKEN": token}, name=name)
    pull = {"number": 7, "merged_at": "2026-11-30T10:00:00Z"}
    pull["merge_commit_sha"] = "0123456789abcdef0123456789abcdef01234567"
    runner.answer(PULLS, [pull] if body is not None else [])
    runner.answer(COMMENTS, [{"id": 900, "body": body, "user": {"login": BOT}}] if body else [])
    return runner


def plan_exit(server: Any, root: Path) -> int:
    result = CliRunner().invoke(main, ["plan", str(root)], env={"SCIM_TOKEN": server.token})
    return result.exit_code


def test_apply_applies_the_reviewed_plan(
    org: Any, scim_server: Any, actions: Callable[..., Any]
) -> None:
    body = reviewed_on_the_pull_request(org)
    runner = merged(actions, scim_server.token, body, "push")
    job = runner.run("scimform-apply.yml", "apply", {"directory": "people"})
    assert not job.failed, {s.id: s.output for s in job.steps.values()}
    assert list(job.steps) == ["validate", "plan", "reviewed", "check", "apply"]
    assert "is the one reviewed on pull request #7" in job.steps["check"].output
    assert job.outputs == {"outcome": "applied"}
    assert "**Applied: every change was made" in job.summary
    assert plan_exit(scim_server, runner.workspace / "people") == 0
    assert (runner.temp / "scimform" / "apply.txt").is_file()
    assert_steps_keep_secret(job, scim_server.token)
    assert_no_secret(scim_server.token, runner.root, runner.workspace)


def test_a_plan_that_changed_after_review_is_refused_unless_allowed(
    org: Any, scim_server: Any, actions: Callable[..., Any]
) -> None:
    body = reviewed_on_the_pull_request(org)
    load_org(scim_server.store, [person("eve@corp.example")], [])  # a change outside scimform
    runner = merged(actions, scim_server.token, body, "push")
    job = runner.run("scimform-apply.yml", "apply", {"directory": "people"})
    check = job.steps["check"]
    assert check.code == 1 and "apply" not in job.steps
    assert "::error title=scimform%3A unreviewed plan::The plan for `people` made now" in (
        check.output
    )
    assert "differs from the one reviewed on pull request #7" in job.summary
    assert check.outputs["reviewed"] == "false" and check.outputs["reviewed-hash"] in body
    assert plan_exit(scim_server, runner.workspace / "people") == 2  # nothing was applied

    allowed = runner.run(
        "scimform-apply.yml", "apply", {"directory": "people", "allow-unreviewed-plan": True}
    )
    assert not allowed.failed and allowed.outputs == {"outcome": "applied"}
    assert "::warning title=scimform%3A unreviewed plan::" in allowed.steps["check"].output
    assert plan_exit(scim_server, runner.workspace / "people") == 0


def test_a_push_without_a_reviewed_plan_is_refused(
    org: Any, scim_server: Any, actions: Callable[..., Any]
) -> None:
    runner = merged(actions, scim_server.token, None, "push")
    job = runner.run("scimform-apply.yml", "apply", {"directory": "people"})
    assert job.steps["reviewed"].outputs == {"pull-request": ""}
    assert job.steps["check"].code == 1 and "apply" not in job.steps
    assert "No pull request was merged as this commit" in job.steps["check"].output


def test_a_partial_failure_fails_the_job_loudly(
    org: Any, scim_server: Any, actions: Callable[..., Any]
) -> None:
    body = reviewed_on_the_pull_request(org)
    scim_server.app.service.user_quota.limit = 3  # dave would be the fourth: a real 400
    runner = merged(actions, scim_server.token, body, "push")
    job = runner.run("scimform-apply.yml", "apply", {"directory": "people"})
    apply = job.steps["apply"]
    assert apply.code == 1 and apply.outputs["outcome"] == "failed"
    assert "::error title=scimform apply::Failed: the apply stopped or some changes failed" in (
        apply.output
    )
    assert 'user "dave@corp.example"' in job.summary and "failed" in job.summary
    assert_no_secret(scim_server.token, runner.root, runner.workspace)


def test_drift_opens_updates_and_closes_one_issue(
    org: Any, scim_server: Any, actions: Callable[..., Any]
) -> None:
    runner = actions({"schedule": "17 3 * * *"}, {"SCIM_TOKEN": scim_server.token}, "drift")
    runner.answer(ISSUES, [])
    opened = runner.run("scimform-drift.yml", "plan", {"directory": "people"})
    assert opened.outputs["action"] == "open" and opened.outputs["drifted"] == "true"
    report = runner.run("scimform-drift.yml", "report", needs={"plan": opened.outputs})
    (call,) = runner.gh_calls()
    assert (call["method"], call["endpoint"]) == ("POST", "repos/octo/people/issues")
    issue_body = call["payload"]["body"]
    assert issue_body.startswith("<!-- scimform-drift: people -->\n")
    assert "**Plan: 2 to add, 1 to change, 1 to destroy" in issue_body
    assert call["payload"]["title"] == "scimform: the live store has drifted from `people`"
    assert not report.failed

    issue = {"id": 1, "number": 12, "body": issue_body, "user": {"login": BOT}, "state": "open"}
    runner.answer(ISSUES, [issue])
    updated = runner.run("scimform-drift.yml", "plan", {"directory": "people"})
    assert (updated.outputs["action"], updated.outputs["issue"]) == ("update", "12")
    runner.run("scimform-drift.yml", "report", needs={"plan": updated.outputs})
    assert [(c["method"], c["endpoint"]) for c in runner.gh_calls()] == [
        ("PATCH", "repos/octo/people/issues/12")
    ]

    env = {"SCIM_TOKEN": scim_server.token}
    people = str(runner.workspace / "people")
    assert CliRunner().invoke(main, ["apply", people, "--auto-approve"], env=env).exit_code == 0
    closed = runner.run("scimform-drift.yml", "plan", {"directory": "people"})
    assert closed.outputs["action"] == "close" and closed.outputs["drifted"] == "false"
    runner.run("scimform-drift.yml", "report", needs={"plan": closed.outputs})
    calls = runner.gh_calls()
    assert [(c["method"], c["endpoint"]) for c in calls] == [
        ("POST", "repos/octo/people/issues/12/comments"),
        ("PATCH", "repos/octo/people/issues/12"),
    ]
    assert "No drift" in calls[0]["payload"]["body"]
    assert calls[1]["payload"] == {"state": "closed", "state_reason": "completed"}

    runner.answer(ISSUES, [])
    quiet = runner.run("scimform-drift.yml", "plan", {"directory": "people"})
    assert quiet.outputs["action"] == "none"
    assert runner.run("scimform-drift.yml", "report", needs={"plan": quiet.outputs}).skipped
    assert_no_secret(scim_server.token, runner.root, runner.workspace)
