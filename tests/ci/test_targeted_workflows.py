"""Targeted plans in the reusable workflows, run as GitHub runs them (tests/ci/conftest.py
`actions`) over a real git repository (workflow_repo.GitRepo): pull requests are planned
since their base commit, applies since the last commit applied successfully (not the
merge's parent, so a cancelled or failed apply loses nothing), `targeted-plan: false` plans
in full, and the drift schedule always does. Against a real `scimform serve` on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from gitrepo import Repo as Git
from scimform_cli import cli
from workflow_repo import PULLS, GitRepo, User, git_origin, person

from scimform.model import Group
from scimform.store.seed import load_org

ROOT = Path(__file__).resolve().parents[2]
ALICE, BOB, DAVE, ERIN, FAY = (
    person(f"{n}@corp.example") for n in ("alice", "bob", "dave", "erin", "fay")
)
# Bystanders in teams no change touches: enough that a full read costs many requests.
CROWD = [person(f"user{n:03d}@corp.example") for n in range(200)]
TEAMS = {f"team-{t:02d}": CROWD[t::10] for t in range(10)}
BASE = [ALICE, BOB, *CROWD]


@pytest.fixture
def repo(tmp_path: Path, scim_server: Any, actions: Callable[..., Any]) -> GitRepo:
    """octo/people with its config committed on main; the store holds that config, as if
    it had been applied."""
    made = GitRepo(actions, scim_server.url, scim_server.token, git=Git(tmp_path / "workspace"))
    git_origin(tmp_path, tmp_path / "workspace")  # the apply reads the audit-log branch
    made.start(BASE, [ALICE], groups=TEAMS)
    groups = [Group(n, members=frozenset(u.user_name for u in m)) for n, m in TEAMS.items()]
    load_org(
        scim_server.store, BASE, [Group("admins", members=frozenset({ALICE.user_name})), *groups]
    )
    return made


def plan_json(runner: Any) -> dict[str, Any]:
    return dict(json.loads((runner.temp / "scimform" / "plan.json").read_text("utf-8")))


def requests_read(job: Any) -> int:
    found = re.search(r"Read the live state in (\d+) requests", job.steps["plan"].output)
    assert found, job.steps["plan"].output
    return int(found.group(1))


def full_plan(repo: GitRepo) -> int:
    """A full plan of the checked-out config: its exit status (0: no changes)."""
    people = str(repo.git.top / "people")
    done = cli("plan", people, env={"SCIM_TOKEN": repo.token})
    assert done.exit_code in (0, 2), done.output
    return done.exit_code


def live_id(server: Any, user: User) -> str | None:
    users, _ = server.store.list_users(user_name=user.user_name)
    return str(users[0]["id"]) if users else None


def admins(server: Any) -> set[str]:
    """Who of alice, bob, dave, erin and fay is a live member of `admins`."""
    (group,), _ = server.store.list_groups(display_name="admins")
    ids = {u.user_name: live_id(server, u) for u in (ALICE, BOB, DAVE, ERIN, FAY)}
    return {n for n, i in ids.items() if i and server.store.is_member(group["id"], i)}


def assert_no_token(token: str, *runners: Any) -> None:
    """No file the runs wrote (the workspace, the git history included) holds the token."""
    for runner in runners:
        for root in (runner.root, runner.workspace):
            for path in root.rglob("*"):
                assert not path.is_file() or token.encode() not in path.read_bytes(), path


def failed(job: Any) -> dict[str, str]:
    return {s.id: s.output for s in job.steps.values() if s.code}


def test_a_pull_request_plans_targeted_and_its_merge_applies_targeted(
    repo: GitRepo, scim_server: Any
) -> None:
    base = repo.first
    repo.applied(6, base)  # an earlier apply applied main's config
    pr_runner, plan, comment = repo.plan(7, [*BASE, DAVE], [ALICE, DAVE], groups=TEAMS)
    assert not plan.failed, failed(plan)
    assert plan.steps["since"].outputs["revision"] == base
    assert plan.outputs["exit-code"] == "2"
    targeted = plan_json(pr_runner)["targeted"]
    assert targeted["changed_since"] == base
    assert targeted["scope"]["user_names"] == ["dave@corp.example"]
    assert targeted["scope"]["group_names"] == ["admins"]
    # One user and one membership: a handful of requests, not a read of 200 users.
    assert requests_read(plan) <= 5, requests_read(plan)  # 4 when this was written
    (said,) = repo.comments[7]
    body = said["body"]
    assert "Targeted plan: only what the config's change since " + base[:7] in body
    assert f"targeted: changes since `{base[:12]}`" in body
    assert '+ user "dave@corp.example"' in body and "crowd" not in body
    assert f"**Targeted plan** since `{base[:12]}`" in plan.summary
    assert "Targeted plan: only what" in plan.summary and not comment.failed

    merge = repo.merge(7, "2026-11-30T10:00:00Z")
    runner, job, _ = repo.apply(7)
    assert not job.failed, failed(job)
    # The gather job, which reads GitHub without the token, finds the last applied commit.
    assert repo.gather.steps["since"].outputs["revision"] == base
    assert f"**Targeted plan** since `{base[:12]}`" in repo.gather.summary
    assert plan_json(runner)["targeted"]["changed_since"] == base
    # The targeted facts of the pull request's plan cover the targeted merge plan's.
    assert "was shown on pull request #7" in job.steps["check"].output
    assert job.outputs["outcome"] == "applied" and repo.outcomes(7) == ["applied"]
    assert admins(scim_server) == {ALICE.user_name, DAVE.user_name}
    assert f"commit={merge}" in repo.comments[7][-1]["body"]
    assert full_plan(repo) == 0  # the store converged: a full plan finds nothing to do
    assert_no_token(repo.token, pr_runner, runner)


@pytest.mark.parametrize("first", ["cancelled", "failed"])
def test_a_burst_is_applied_since_the_last_applied_merge_not_the_parent(
    repo: GitRepo, scim_server: Any, first: str
) -> None:
    # #6 adds dave; it is the first apply anyone recorded, so it plans in full.
    repo.plan(6, [*BASE, DAVE], [ALICE], groups=TEAMS)
    m6 = repo.merge(6, "2026-11-30T10:00:00Z")
    _, job, _ = repo.apply(6)
    assert repo.gather.steps["since"].outputs["revision"] == ""
    assert "no successful apply is known" in repo.gather.steps["since"].output
    assert job.outputs["outcome"] == "applied", failed(job)
    # #7 adds erin and #8 makes bob an admin, both planned on #6's merge.
    _, seven, _ = repo.plan(7, [*BASE, DAVE, ERIN], [ALICE], groups=TEAMS)
    _, eight, _ = repo.plan(8, [*BASE, DAVE], [ALICE, BOB], groups=TEAMS)
    assert seven.steps["since"].outputs["revision"] == m6
    assert eight.steps["since"].outputs["revision"] == m6
    m7 = repo.merge(7, "2026-11-30T10:01:00Z")
    if first == "failed":
        scim_server.app.service.user_quota.limit = len(BASE) + 1  # erin would be one more
        _, broken, _ = repo.apply(7)
        assert broken.outputs["outcome"] == "failed" and repo.outcomes(7) == ["failed"]
        scim_server.app.service.user_quota.limit = 1000
    # else GitHub cancelled #7's pending apply when a later one queued: it never ran.
    # #9, opened after #7's merge, adds fay: planned since #7's merge, not #6's.
    _, nine, _ = repo.plan(9, [*BASE, DAVE, ERIN, FAY], [ALICE], groups=TEAMS)
    assert nine.steps["since"].outputs["revision"] == m7
    after = [*BASE, DAVE, ERIN]
    repo.merge(8, "2026-11-30T10:02:00Z", after, members=[ALICE, BOB], groups=TEAMS)
    m9 = repo.merge(9, "2026-11-30T10:03:00Z", [*after, FAY], members=[ALICE, BOB], groups=TEAMS)
    runner, job, _ = repo.apply(9)
    assert not job.failed, failed(job)
    # Since #6's merge, the last applied: the parent (#8's merge) would miss erin.
    assert repo.git.git("rev-parse", f"{m9}^1") == repo.merges[8]
    assert repo.gather.steps["since"].outputs["revision"] == m6
    assert plan_json(runner)["targeted"]["changed_since"] == m6
    # Plans targeted since other commits still vouch for the merge plan, fact by fact.
    assert "shown on pull requests #7, #8, #9" in job.steps["check"].output
    assert live_id(scim_server, ERIN) and live_id(scim_server, FAY)
    assert admins(scim_server) == {ALICE.user_name, BOB.user_name}
    assert [repo.outcomes(n)[-1] for n in (7, 8, 9)] == ["applied"] * 3
    assert full_plan(repo) == 0


def test_targeted_plan_false_plans_in_full(repo: GitRepo, scim_server: Any) -> None:
    base = repo.first
    repo.applied(6, base)
    repo.inputs = {"targeted-plan": False}
    runner, plan, _ = repo.plan(7, [*BASE, DAVE], [ALICE, DAVE], groups=TEAMS)
    assert not plan.failed, failed(plan)
    assert plan.steps["since"].outputs["revision"] == ""
    assert "targeted-plan input is false" in plan.steps["since"].output
    assert plan_json(runner)["targeted"] is None
    # Every page of users and every group's members: 16 when this was written, against
    # the targeted plan's 4.
    assert requests_read(plan) > 12, requests_read(plan)
    body = repo.comments[7][0]["body"]
    assert "Targeted plan" not in body and "targeted:" not in body
    assert "**Full plan:** the workflow's targeted-plan input is false" in plan.summary
    repo.merge(7, "2026-11-30T10:00:00Z")
    runner, job, _ = repo.apply(7)
    assert "since" not in job.steps and not job.failed, failed(job)
    assert plan_json(runner)["targeted"] is None and job.outputs["outcome"] == "applied"


def test_drift_keeps_full_plans(
    repo: GitRepo, scim_server: Any, actions: Callable[..., Any]
) -> None:
    spec = yaml.safe_load((ROOT / ".github" / "workflows" / "scimform-drift.yml").read_text())
    assert not any("targeted" in name for name in spec[True]["workflow_call"]["inputs"])
    scripts = [s.get("run", "") for job in spec["jobs"].values() for s in job["steps"]]
    assert any("scimform plan " in s for s in scripts)
    assert not any("--changed-since" in s for s in scripts)
    repo.applied(6, repo.first)
    scim_server.store.delete_user(live_id(scim_server, BOB))  # drift, outside any change
    event = {"schedule": "17 3 * * *", "ref": "refs/heads/main"}
    runner = actions(event, {"SCIM_TOKEN": scim_server.token}, "drift")
    runner.answer("repos/octo/people/issues?state=open&per_page=100", [])
    runner.answer(PULLS, repo.pulls)  # the drift timeline tells merged-not-applied apart
    for pull in repo.pulls:
        runner.answer(f"repos/octo/people/issues/{pull['number']}/comments", repo.said(pull))
    inputs = {"directory": "people", "target-url": scim_server.url}
    job = runner.run("scimform-drift.yml", "plan", inputs)
    assert job.outputs["action"] == "open", failed(job)
    assert plan_json(runner)["targeted"] is None
    assert 'user "bob@corp.example"' in job.steps["plan"].output


@pytest.mark.parametrize("name", ["scimform-plan.yml", "scimform-apply.yml"])
def test_a_targeted_plan_checks_out_the_history_it_needs(name: str) -> None:
    spec = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    given = spec[True]["workflow_call"]["inputs"]["targeted-plan"]
    assert (given["type"], given["default"]) == ("boolean", True)
    # The job that plans (the apply's gather job checks out all history for its own reasons).
    planning = [j for j in spec["jobs"].values() if any(s.get("id") == "plan" for s in j["steps"])]
    (checkout,) = [s for s in planning[0]["steps"] if s.get("name") == "Check out the config"]
    # `!true && 1 || 0` is 0, the whole history (the base or last applied commit may be
    # old); `!false && 1 || 0` is 1, a full plan needs no history.
    assert checkout["with"]["fetch-depth"] == "${{ !inputs.targeted-plan && 1 || 0 }}"
