"""The drift workflow keeps a timeline: its own `run:` scripts over three nights against a
real `scimform serve` on 127.0.0.1, the fake gh answering with what earlier runs posted,
and a real bare git repository as `origin` for the drift log. A change merged and not
applied is labelled with its pull request, one made in the store outside git as such; the
first-seen date survives the nights; a resolved item is shown resolved; and every night's
observations land on the audit-log branch."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from workflow_repo import PULLS, Repo, branch_file, git_origin, person, write_config

from scimform.audit.drift import incidents, read_drift
from scimform.ci.timeline import Item, read_back
from scimform.model import Group
from scimform.store.seed import load_org
from scimform.wire import user_to_scim

ALICE, BOB, CAROL, DAVE, MALLORY = (
    person(f"{n}@corp.example") for n in ("alice", "bob", "carol", "dave", "mallory")
)
ISSUES = "repos/octo/people/issues?state=open&per_page=100"
SCHEDULE = {"schedule": "17 3 * * *", "ref": "refs/heads/main"}


@pytest.fixture
def repo(scim_server: Any, actions: Callable[..., Any], tmp_path: Path) -> Repo:
    admins = Group("admins", members=frozenset({ALICE.user_name}))
    load_org(scim_server.store, [ALICE, BOB, CAROL], [admins])
    git_origin(tmp_path, tmp_path / "workspace")
    return Repo(actions, scim_server.url, scim_server.token)


def add_mallory_outside_git(store: Any) -> str:
    """Someone adds mallory in the console, and makes her an admin."""
    mallory = store.create_user(user_to_scim(MALLORY))
    (admins,), _ = store.list_groups(display_name="admins")
    store.add_members(admins["id"], [mallory["id"]])
    return str(mallory["id"])


class Nights:
    """The drift workflow's plan, report and persist jobs, night after night, with the
    drift issue kept as GitHub would keep it."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.issue: dict[str, Any] | None = None
        self.nights = 0

    def run(self) -> Any:
        self.nights += 1
        repo = self.repo
        runner = repo.actions(SCHEDULE, {"SCIM_TOKEN": repo.token}, f"night{self.nights}",
                              run_id=str(9000 + self.nights))  # fmt: skip
        runner.answer(ISSUES, [self.issue] if self.issue and self.issue["state"] == "open" else [])
        runner.answer(PULLS, repo.pulls)
        for pull in repo.pulls:
            runner.answer(f"repos/octo/people/issues/{pull['number']}/comments", repo.said(pull))
        inputs = {"directory": "people", "target-url": repo.url}
        plan = runner.run("scimform-drift.yml", "plan", inputs)
        assert not plan.failed, {s.id: s.output for s in plan.steps.values()}
        runner.upload(plan.outputs["artifact"], *(runner.temp / "scimform" / "drift").iterdir())
        report = runner.run("scimform-drift.yml", "report", inputs, needs={"plan": plan.outputs})
        self._keep(runner)
        persist = self._persist(runner, plan, inputs)
        return plan, report, persist

    def _keep(self, runner: Any) -> None:
        for call in runner.gh_calls():
            payload = call["payload"] or {}
            if call["method"] == "POST" and call["endpoint"] == "repos/octo/people/issues":
                bot = {"login": "github-actions[bot]"}
                self.issue = {"id": 1, "number": 12, "state": "open", "user": bot}
                self.issue["body"] = payload["body"]
            elif call["method"] == "PATCH" and self.issue is not None:
                self.issue |= {k: v for k, v in payload.items() if k in ("body", "state")}

    def _persist(self, runner: Any, plan: Any, inputs: dict[str, str]) -> Any:
        persist = self.repo.actions(SCHEDULE, {}, f"persist{self.nights}", run_id=runner.run_id)
        # What download-artifact puts under $RUNNER_TEMP/scimform.
        shutil.copytree(runner.temp / "scimform" / "drift", persist.temp / "scimform" / "drift")
        return persist.run("scimform-drift.yml", "persist", inputs, needs={"plan": plan.outputs})

    def items(self) -> dict[str, Item]:
        assert self.issue is not None
        timeline = read_back(self.issue["body"], "people").timeline
        assert timeline is not None
        return {i.what: i for i in timeline.items}


def test_drift_over_three_nights_keeps_a_timeline_and_the_drift_log(
    repo: Repo, scim_server: Any, tmp_path: Path
) -> None:
    origin = tmp_path / "origin.git"
    # #7 adds dave: merged, not applied yet. Mallory is made an admin in the console.
    repo.plan(7, [ALICE, BOB, CAROL, DAVE], [ALICE])
    repo.merge(7, "2026-12-01T10:00:00Z")
    write_config(tmp_path / "workspace", repo.url, [ALICE, BOB, CAROL, DAVE], [ALICE])
    add_mallory_outside_git(scim_server.store)
    nights = Nights(repo)

    plan, report, persist = nights.run()
    assert plan.outputs["action"] == "open" and not report.failed and not persist.failed
    first = nights.items()
    dave = one(first, 'user "dave@corp.example": create')
    assert (dave.kind, dave.pull_requests) == ("ahead", (7,))
    mallory = first['user "mallory@corp.example": delete (member of admins)']
    assert mallory.kind == "outside" and mallory.resolved is None
    body = nights.issue["body"] if nights.issue else ""
    assert "config ahead of the store (merged, not applied: PR #7)" in body
    assert "| present |" in body and "store changed outside git |" in body
    assert '`user "mallory@corp.example": delete (member of admins)`' in body

    # Night two: dave is in the store now (the apply of #7 would have refused the plan, as
    # no pull request showed mallory's deletion); mallory is still an admin.
    scim_server.store.create_user(user_to_scim(DAVE))
    plan, _, _ = nights.run()
    assert plan.outputs["action"] == "update"
    second = nights.items()
    kept = second['user "mallory@corp.example": delete (member of admins)']
    assert kept.first_seen == mallory.first_seen and kept.last_seen > mallory.last_seen
    gone = one(second, 'user "dave@corp.example": create')
    assert gone.resolved is not None and gone.last_seen == dave.last_seen
    body = nights.issue["body"] if nights.issue else ""
    assert f"| resolved {gone.resolved:%Y-%m-%d %H:%M} UTC |" in body

    # Night three: mallory is removed in the console; the issue closes, all resolved.
    (found,), _ = scim_server.store.list_users(user_name=MALLORY.user_name)
    scim_server.store.delete_user(found["id"])
    plan, report, _ = nights.run()
    assert plan.outputs["action"] == "close" and not report.failed
    assert nights.issue is not None and nights.issue["state"] == "closed"
    assert all(i.resolved is not None for i in nights.items().values())

    log = tmp_path / "drift.jsonl"
    log.write_bytes(branch_file(origin, "people/drift.jsonl") or b"")
    seen = read_drift(log)
    assert [o.status for o in seen] == ["present"] * 3 + ["resolved"] * 2
    found_incidents = {i.what: i for i in incidents(seen)}
    admin = found_incidents['user "mallory@corp.example": delete (member of admins)']
    assert admin.first_seen == mallory.first_seen and admin.resolved is not None
    assert admin.label == "store changed outside git"
    assert repo.token.encode() not in log.read_bytes()


def one(items: dict[str, Any], start: str) -> Any:
    (found,) = [item for what, item in items.items() if what.startswith(start)]
    return found
