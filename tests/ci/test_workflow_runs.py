"""The reusable workflows' own `run:` scripts, read from the YAML and run under bash with the
environment a GitHub runner sets, against a real `scimform serve` on 127.0.0.1 and a fake
`gh` that answers from what earlier runs posted (tests/ci/workflow_repo.py).

`uses:` steps (checkout, setup-python, artifacts) and the install step are stood in for by
the workspace, the PATH, the shared runner temp directory and `Actions.upload`; the install
itself is tested in test_adoption.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from scimform_cli import cli
from workflow_repo import BOT, PULLS, Repo, git_origin, person, sha, write_config

from scimform.audit import read_records
from scimform.model import Group
from scimform.store.seed import load_org

LIMIT = 65_000
ALICE, BOB, CAROL, DAVE, ERIN, FAY = (
    person(f"{n}@corp.example") for n in ("alice", "bob", "carol", "dave", "erin", "fay")
)


@pytest.fixture
def repo(scim_server: Any, actions: Callable[..., Any], tmp_path: Path) -> Repo:
    """octo/people whose store holds alice, bob and carol (alice an admin)."""
    load_org(
        scim_server.store,
        [ALICE, BOB, CAROL],
        [Group("admins", members=frozenset({ALICE.user_name}))],
    )
    git_origin(tmp_path, tmp_path / "workspace")  # where the audit-log branch is kept
    return Repo(actions, scim_server.url, scim_server.token)


def assert_no_secret(secret: str, *runners: Any) -> None:
    """No file the runs wrote holds the token, and no step printed it."""
    for runner in runners:
        for root in (runner.root, runner.workspace):
            for path in root.rglob("*"):
                if path.is_file():
                    assert secret.encode() not in path.read_bytes(), path


def live_users(server: Any) -> set[str]:
    users, _ = server.store.list_users()
    return {u["userName"] for u in users}


def body_of(runner: Any) -> str:
    return str(json.loads((runner.temp / "scimform" / "comment.json").read_text("utf-8"))["body"])


def test_plan_on_a_pull_request_comments_the_plan_and_its_commit(
    repo: Repo, scim_server: Any
) -> None:
    repo.comments[7] = [
        {"id": 554, "body": "LGTM", "user": {"login": "octocat"}},
        {"id": 555, "body": "<!-- scimform-plan: people failed -->\nold", "user": {"login": BOT}},
        {
            "id": 556,
            "body": "<!-- scimform-plan: people failed -->\nx",
            "user": {"login": "mallory"},
        },
    ]
    bob = person("bob@corp.example", title="Staff Engineer")
    runner, plan, comment = repo.plan(7, [ALICE, bob, DAVE], [ALICE, DAVE])
    assert not plan.failed, {s.id: s.output for s in plan.steps.values()}
    assert list(plan.steps) == [
        "pin",
        "origin",
        "comments",
        "target",
        "validate",
        "since",
        "plan",
        "comment",
    ]
    saved = json.loads((runner.temp / "scimform" / "plan.json").read_text(encoding="utf-8"))
    assert plan.outputs["hash"] == saved["hash"] and plan.outputs["exit-code"] == "2"
    assert (plan.outputs["comment-id"], plan.outputs["pull-request"]) == ("555", "7")
    body = body_of(runner)
    marker, rest = body.split("\n", 1)
    reviewed = plan.steps["comment"].outputs["reviewed"]
    assert (
        marker
        == f"<!-- scimform-plan: people commit={sha(7)} run={runner.run_id} reviewed={reviewed} -->"
    )
    # One user updated in place and one group whose members change: two changes in place.
    assert rest.startswith(
        "### scimform plan\n\n**Plan: 1 to add, 2 to change, 1 to destroy; 1 member to add"
    )
    assert f"planned at commit `{sha(7)[:12]}`" in body and len(body) < LIMIT
    # Access first: the membership change leads the list.
    assert rest.index('~ group "admins": +1 -0 members') < rest.index('+ user "dave@corp.example"')
    facts = json.loads((runner.temp / "scimform" / "reviewed.json").read_text("utf-8"))["facts"]
    assert '["group","admins","add member","dave@corp.example"]' in facts
    assert "dave@corp.example" in (runner.temp / "scimform" / "plan.txt").read_text("utf-8")
    assert "**Plan: 1 to add" in plan.summary
    assert list(comment.steps) == ["post"] and not comment.failed
    assert runner.gh_calls() == [
        {
            "method": "PATCH",
            "endpoint": "repos/octo/people/issues/comments/555",
            "payload": {"body": body},
        }
    ]
    assert_no_secret(scim_server.token, runner)


def test_an_unsafe_plan_gets_a_caution_and_fails(
    scim_server: Any, actions: Callable[..., Any]
) -> None:
    crowd = [person(f"u{n:02d}@corp.example") for n in range(20)]
    load_org(scim_server.store, crowd, [])
    repo = Repo(actions, scim_server.url, scim_server.token)
    runner, plan, comment = repo.plan(7, crowd[:10], [])
    assert not plan.failed and plan.outputs["exit-code"] == "3"
    assert "> [!CAUTION]" in body_of(runner) and "This plan destroys 10 objects" in body_of(runner)
    assert [c["method"] for c in runner.gh_calls()] == ["POST"]
    assert comment.steps["unsafe"].code == 1


def test_a_failed_re_plan_replaces_the_plan_comment(repo: Repo, scim_server: Any) -> None:
    repo.plan(7, [ALICE, BOB, CAROL, DAVE], [ALICE])
    (first,) = repo.comments[7]
    assert "reviewed=" in first["body"]
    runner = repo.actions({"pull_request": {"number": 7, "head": {"sha": sha(70)}}}, name="x")
    root = write_config(runner.workspace, scim_server.url, [ALICE, BOB, CAROL, DAVE], [ALICE])
    broken = json.loads((root / "people.yaml").read_text("utf-8"))
    del broken["users"][3]["givenName"]
    (root / "people.yaml").write_text(json.dumps(broken, indent=1), encoding="utf-8")
    _, plan, comment = repo.plan(7, [], [], write=False)
    assert plan.steps["validate"].code == 1 and "plan" not in plan.steps
    assert "::error file=people/people.yaml,line=" in plan.steps["validate"].output
    assert plan.outputs["comment-id"] == str(first["id"])
    assert not comment.failed
    (edited,) = repo.comments[7]
    body = edited["body"]
    assert body.startswith(f"<!-- scimform-plan: people commit={sha(7)} run=")
    assert "failed -->" in body.split("\n")[0] and "reviewed=" not in body
    assert "The validation failed at this commit, so there is no plan to review" in body
    assert "givenName" in body  # the validation error itself

    # A read error (the token refused) replaces the plan just the same, and never shows it.
    wrong = "not-the-token-" + "x" * 40
    runner, plan, _ = repo.plan(7, [ALICE], [ALICE], secrets={"SCIM_TOKEN": wrong})
    assert plan.steps["plan"].code == 1
    (edited,) = repo.comments[7]
    assert "The plan (reading the live store) failed" in edited["body"]
    assert "token" in edited["body"] and wrong not in edited["body"]
    assert_no_secret(wrong, runner)


def test_a_pull_request_that_moves_the_target_is_refused(repo: Repo, scim_server: Any) -> None:
    elsewhere = scim_server.url.replace("/scim/v2", "/other/scim/v2")
    _, plan, _ = repo.plan(7, [ALICE, DAVE], [ALICE], url=elsewhere)
    assert plan.steps["target"].code == 1 and "plan" not in plan.steps
    assert "is not the target this workflow plans against" in plan.steps["target"].output
    (said,) = repo.comments[7]
    assert "The target check failed" in said["body"] and "never from a pull request" in said["body"]


def test_a_fork_gets_an_explanation_and_no_plan(repo: Repo, scim_server: Any) -> None:
    _, plan, comment = repo.plan(9, [ALICE, DAVE], [ALICE], head="mallory/people", secrets={})
    assert list(plan.steps) == ["pin", "origin", "comments", "fork"]
    assert not plan.failed and plan.outputs["fork"] == "true"
    assert not comment.failed
    (said,) = repo.comments[9]
    assert said["body"].startswith("<!-- scimform-plan: people fork -->")
    assert (
        "GitHub gives no secrets to workflows started by pull requests from forks" in said["body"]
    )


def test_the_reviewed_plan_applies_and_the_pull_request_hears_of_it(
    repo: Repo, scim_server: Any
) -> None:
    repo.plan(7, [ALICE, BOB, CAROL, DAVE], [ALICE, DAVE])
    repo.merge(7, "2026-11-30T10:00:00Z")
    runner, job, report = repo.apply(7)
    assert not job.failed, {s.id: s.output for s in job.steps.values()}
    # GitHub is read by the gather job, which never holds the token; the apply job reads
    # what it handed over.
    assert list(repo.gather.steps) == ["pin", "pending", "since", "reviews", "approvals"]
    assert list(job.steps) == [
        "ref",
        "pin",
        "target",
        "validate",
        "plan",
        "check",
        "audit",
        "apply",
    ]
    assert "was shown on pull request #7" in job.steps["check"].output
    assert job.outputs["outcome"] == "applied" and "**Applied: every change was made" in job.summary
    assert "dave@corp.example" in live_users(scim_server)
    assert not report.failed and repo.outcomes(7) == ["applied"]
    said = repo.comments[7][-1]["body"]
    assert "covered #7" in said and "actions/runs/" in said
    (record,) = read_records(runner.temp / "scimform" / "audit-log" / "audit.jsonl")
    assert record.succeeded and record.actor == "octocat"
    (pull,) = record.begin.pull_requests
    assert (pull.number, pull.author, pull.merged_by, pull.approvers) == (
        7,
        "octocat",
        "octocat",
        (),
    )
    assert_no_secret(scim_server.token, runner)


def test_two_pull_requests_planned_on_one_store_both_apply(repo: Repo, scim_server: Any) -> None:
    repo.plan(7, [ALICE, BOB, CAROL, DAVE], [ALICE, DAVE])  # add dave
    repo.plan(8, [ALICE, BOB, CAROL, ERIN], [ALICE, ERIN])  # add erin, planned on the same store
    repo.merge(7, "2026-11-30T10:00:00Z")
    write_config(repo_workspace(repo), scim_server.url, [ALICE, BOB, CAROL, DAVE], [ALICE, DAVE])
    _, first, _ = repo.apply(7)
    assert first.outputs["outcome"] == "applied"
    repo.merge(8, "2026-11-30T10:05:00Z")
    both = [ALICE, BOB, CAROL, DAVE, ERIN]
    write_config(repo_workspace(repo), scim_server.url, both, [ALICE, DAVE, ERIN])
    _, second, _ = repo.apply(8)
    assert not second.failed, {s.id: s.output for s in second.steps.values()}
    assert "was shown on pull request #8" in second.steps["check"].output
    assert {"dave@corp.example", "erin@corp.example"} <= live_users(scim_server)
    assert repo.outcomes(7) == ["applied"] and repo.outcomes(8) == ["applied"]


def repo_workspace(repo: Repo) -> Any:
    return repo.actions({}, name="ws").workspace


def test_a_burst_of_three_merges_is_applied_by_the_last_apply(repo: Repo, scim_server: Any) -> None:
    repo.plan(7, [ALICE, BOB, CAROL, DAVE], [ALICE])
    repo.plan(8, [ALICE, BOB, CAROL, ERIN], [ALICE])
    repo.plan(9, [ALICE, BOB, CAROL], [ALICE, BOB])
    repo.plan(10, [ALICE, BOB, CAROL, FAY], [ALICE])
    for number, minute in ((7, "01"), (8, "02"), (9, "03"), (10, "04")):
        repo.merge(number, f"2026-11-30T10:{minute}:00Z")
    # GitHub cancelled the pending applies of #7 and #8; #9's apply runs on #9's merge
    # commit, while #10 is already merged (after it, so not in that commit).
    at_nine = [ALICE, BOB, CAROL, DAVE, ERIN]
    write_config(repo_workspace(repo), scim_server.url, at_nine, [ALICE, BOB])
    _, job, _ = repo.apply(9)
    assert not job.failed, {s.id: s.output for s in job.steps.values()}
    assert "shown on pull requests #7, #8, #9" in job.steps["check"].output
    assert {"dave@corp.example", "erin@corp.example"} <= live_users(scim_server)
    assert [repo.outcomes(n) for n in (7, 8, 9, 10)] == [["applied"]] * 3 + [[]]
    assert "covered #7, #8, #9" in repo.comments[8][-1]["body"]
    # #10's own apply covers #10, and is not held up by the three before it.
    write_config(repo_workspace(repo), scim_server.url, [*at_nine, FAY], [ALICE, BOB])
    _, later, _ = repo.apply(10)
    assert "was shown on pull request #10" in later.steps["check"].output
    assert "fay@corp.example" in live_users(scim_server) and repo.outcomes(10) == ["applied"]


def test_a_change_no_pull_request_showed_blocks_the_apply(repo: Repo, scim_server: Any) -> None:
    repo.plan(7, [ALICE, BOB, CAROL, DAVE], [ALICE])
    repo.merge(7, "2026-11-30T10:00:00Z")
    # Pushed after the review: carol becomes an admin, which #7's comment never showed.
    write_config(repo_workspace(repo), scim_server.url, [ALICE, BOB, CAROL, DAVE], [ALICE, CAROL])
    _, job, report = repo.apply(7)
    check = job.steps["check"]
    assert check.code == 1 and "apply" not in job.steps
    assert "1 change(s) in the plan for `people` were shown on no pull request" in check.output
    assert '+   in the merge plan:  group "admins": add member carol@corp.example' in job.summary
    assert "dave" not in job.summary.split("#### Changes no merged pull request showed")[1]
    assert "dave@corp.example" not in live_users(scim_server)  # nothing was applied
    assert repo.outcomes(7) == ["skipped"] and not report.failed

    _, allowed, _ = repo.apply(7, {"allow-unreviewed-plan": True})
    assert not allowed.failed and "::warning title=scimform%3A unreviewed changes::" in (
        allowed.steps["check"].output
    )
    assert "dave@corp.example" in live_users(scim_server)
    assert repo.outcomes(7) == ["skipped", "applied"]


def test_apply_refuses_any_ref_but_the_default_branch(repo: Repo, scim_server: Any) -> None:
    repo.plan(7, [ALICE, BOB, CAROL, DAVE], [ALICE])
    _, job, _ = repo.apply(7, {"allow-unreviewed-plan": True}, ref="refs/heads/feature")
    assert list(job.steps) == ["ref"] and job.steps["ref"].code == 1
    assert "Apply runs only on the default branch (main), not on refs/heads/feature" in (
        job.steps["ref"].output
    )
    assert "dave@corp.example" not in live_users(scim_server)


def test_a_partial_failure_fails_the_job_loudly(repo: Repo, scim_server: Any) -> None:
    repo.plan(7, [ALICE, BOB, CAROL, DAVE], [ALICE, DAVE])
    repo.merge(7, "2026-11-30T10:00:00Z")
    scim_server.app.service.user_quota.limit = 3  # dave would be the fourth: a real 400
    _, job, report = repo.apply(7)
    apply = job.steps["apply"]
    assert apply.code == 1 and apply.outputs["outcome"] == "failed"
    assert "::error title=scimform apply::Failed: the apply stopped" in apply.output
    assert 'user "dave@corp.example"' in job.summary
    assert repo.outcomes(7) == ["failed"] and not report.failed
    # The failed merge stays pending: the next apply covers it again.
    scim_server.app.service.user_quota.limit = 100
    _, again, _ = repo.apply(7)
    assert again.outputs["outcome"] == "applied" and repo.outcomes(7) == ["failed", "applied"]


def test_a_3000_change_plan_shows_every_groups_membership_line(
    scim_server: Any, actions: Callable[..., Any]
) -> None:
    people = [person(f"user{n:04d}@corp.example") for n in range(2_970)]
    groups = {f"team-{g:02d}": people[g * 99 : g * 99 + 99] for g in range(30)}
    repo = Repo(actions, scim_server.url, scim_server.token)
    _, plan, _ = repo.plan(7, people, [], groups=groups)
    assert not plan.failed
    body = repo.comments[7][0]["body"]
    assert len(body) < LIMIT
    for name in groups:
        assert f'+ group "{name}": +99 -0 members' in body, name
    assert "more changes not shown:" in body and "users to add" in body
    # The job summary has GitHub's 1 MiB: every change is listed there.
    assert all(f'+ user "{p.user_name}"' in plan.summary for p in people[::97])
    assert "dave" not in body


def test_the_plan_artifact_holds_the_plans_and_no_token(repo: Repo, scim_server: Any) -> None:
    runner, plan, _ = repo.plan(7, [ALICE, BOB, CAROL, DAVE], [ALICE])
    kept = runner.artifacts / runner.run_id / plan.outputs["artifact"]
    assert sorted(p.name for p in kept.iterdir()) == [
        "comment.json", "plan.json", "plan.txt", "reviewed.json"
    ]  # fmt: skip
    assert all(scim_server.token.encode() not in p.read_bytes() for p in kept.iterdir())


def test_drift_opens_updates_and_closes_one_issue(
    repo: Repo, scim_server: Any, actions: Callable[..., Any]
) -> None:
    issues = "repos/octo/people/issues?state=open&per_page=100"
    event = {"schedule": "17 3 * * *", "ref": "refs/heads/main"}
    runner = actions(event, {"SCIM_TOKEN": scim_server.token}, "drift")
    write_config(runner.workspace, scim_server.url, [ALICE, BOB, DAVE], [ALICE, DAVE])
    runner.answer(issues, [])
    runner.answer(PULLS, [])
    inputs = {"directory": "people", "target-url": scim_server.url}
    opened = runner.run("scimform-drift.yml", "plan", inputs)
    assert opened.outputs["action"] == "open", {s.id: s.output for s in opened.steps.values()}
    runner.run("scimform-drift.yml", "report", inputs, needs={"plan": opened.outputs})
    (call,) = runner.gh_calls()
    assert (call["method"], call["endpoint"]) == ("POST", "repos/octo/people/issues")
    issue = {"id": 1, "number": 12, "body": call["payload"]["body"], "user": {"login": BOT}}
    runner.answer(issues, [issue | {"state": "open"}])
    env = {"SCIM_TOKEN": scim_server.token}
    people = str(runner.workspace / "people")
    assert cli("apply", people, "--auto-approve", env=env).exit_code == 0
    closed = runner.run("scimform-drift.yml", "plan", inputs)
    assert closed.outputs["action"] == "close"
    assert_no_secret(scim_server.token, runner)
