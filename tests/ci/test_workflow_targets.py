"""The reusable workflows with several targets, run as a GitHub runner would against two
real SCIM servers: one pull-request comment holding a section per target (every token
from SCIMFORM_TOKENS), then one apply job per target with its own token, each checking
that its own changes were reviewed and followed apart from the other target's apply."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from workflow_repo import PULLS, Repo, branch_file, git_origin, person, sha, yaml_user

ALICE, SAM = person("alice@corp.example"), person("sam@corp.example")


class TargetsRepo(Repo):
    """octo/people with several targets: applies take their own secrets."""

    def apply_target(self, number: int, target: str, url: str, token_line: str) -> Any:
        event = {"ref": "refs/heads/main", "repository": {"default_branch": "main"}}
        runner = self.actions(
            event,
            {"SCIMFORM_TOKENS": token_line},
            f"apply{number}-{target}-{self.runs}",
            run_id=self._next_run(),
            sha=sha(number, "m"),
        )
        given = {"directory": "people", "target-url": url, "target": target}
        given["environment"] = target
        job, report = self._apply_jobs(runner, given)
        if job.outputs.get("audit-log"):
            self._persist(runner, job, given)
        return runner, job, report

    def _persist(self, applied: Any, job: Any, given: dict[str, str]) -> None:
        """The run's persist job: the target's audit log pushed to the audit-log branch."""
        runner = self.actions({"ref": "refs/heads/main"}, {}, f"persist-{applied.run_id}",
                              run_id=applied.run_id)  # fmt: skip
        kept = runner.temp / "scimform" / "audit-log"
        kept.mkdir(parents=True, exist_ok=True)
        shutil.copy(applied.temp / "scimform" / "audit-log" / "audit.jsonl", kept)
        persist = runner.run("scimform-apply.yml", "persist", given, needs={"apply": job.outputs})
        assert not persist.failed, {s.id: s.output for s in persist.steps.values()}


@pytest.fixture
def servers(scim_server_factory: Any) -> dict[str, Any]:
    return {"sandbox": scim_server_factory(), "production": scim_server_factory()}


def _config(workspace: Path, servers: dict[str, Any]) -> None:
    root = workspace / "people"
    root.mkdir(parents=True, exist_ok=True)
    targets = {
        name: {"url": server.url, "token": f"env:SCIM_TOKEN_{name.upper()}"}
        for name, server in servers.items()
    }
    settings = {"targets": targets, "ownership": {"prune": True}}
    (root / "scimform.yaml").write_text(json.dumps(settings), encoding="utf-8")
    users = [yaml_user(ALICE), yaml_user(SAM) | {"targets": ["sandbox"]}]
    groups = [{"displayName": "admins", "members": [ALICE.user_name]}]
    body = {"users": users, "groups": groups}
    (root / "people.yaml").write_text(json.dumps(body, indent=1), encoding="utf-8")


def _names(server: Any) -> list[str]:
    return sorted(u["userName"] for u in server.store.list_users()[0])


def test_one_comment_plans_every_target_and_each_target_applies_in_its_own_job(
    actions: Callable[..., Any], servers: dict[str, Any], tmp_path: Path
) -> None:
    sandbox, production = servers["sandbox"], servers["production"]
    tokens = f"SCIM_TOKEN_SANDBOX={sandbox.token}\nSCIM_TOKEN_PRODUCTION={production.token}\n"
    urls = f"sandbox={sandbox.url}\nproduction={production.url}\n"
    repo = TargetsRepo(actions, urls, "")
    _config(tmp_path / "workspace", servers)
    origin = git_origin(tmp_path, tmp_path / "workspace")  # where the audit logs are kept
    runner, job, comment = repo.plan(7, [], [], write=False, secrets={"SCIMFORM_TOKENS": tokens})
    assert not job.failed, {s.id: s.output for s in job.steps.values()}
    assert job.outputs["exit-code"] == "2" and job.outputs["has-changes"] == "true"
    body = json.loads((runner.temp / "scimform" / "comment.json").read_text("utf-8"))["body"]
    assert "### scimform plan: target `sandbox`" in body
    assert "### scimform plan: target `production`" in body
    assert "sam@corp.example" in body.split("target `production`")[0]
    assert "sam@corp.example" not in body.split("target `production`")[1]
    assert not comment.failed
    assert _names(sandbox) == _names(production) == []  # a plan changes nothing

    repo.merge(7, "2026-11-30T10:00:00Z")
    _, first, _ = repo.apply_target(
        7, "sandbox", sandbox.url, f"SCIM_TOKEN_SANDBOX={sandbox.token}"
    )
    assert not first.failed, {s.id: s.output for s in first.steps.values()}
    assert _names(sandbox) == ["alice@corp.example", "sam@corp.example"]
    assert _names(production) == []
    # sandbox's apply does not mark #7 applied for production: its review still counts.
    _, second, _ = repo.apply_target(
        7, "production", production.url, f"SCIM_TOKEN_PRODUCTION={production.token}"
    )
    assert not second.failed, {s.id: s.output for s in second.steps.values()}
    assert "was shown on pull request #7" in second.steps["check"].output
    assert _names(production) == ["alice@corp.example"]
    assert repo.outcomes(7) == ["applied", "applied"]
    said = [c["body"] for c in repo.comments[7] if "scimform-apply:" in c["body"]]
    assert "applied to target `sandbox`" in said[0] and "people~production" in said[1]
    # Each target's audit log is kept apart on the branch (their applies run apart).
    logs = {t: branch_file(origin, f"people/{t}/audit.jsonl") for t in ("sandbox", "production")}
    assert b"sam@corp.example" in (logs["sandbox"] or b"")
    assert b"sam@corp.example" not in (logs["production"] or b"sam")
    assert branch_file(origin, "people/audit.jsonl") is None
    for secret in (sandbox.token, production.token):
        for path in (tmp_path).rglob("*"):
            if path.is_file() and path.suffix in (".json", ".txt", ".md", ".jsonl"):
                assert secret.encode() not in path.read_bytes(), path


def test_a_production_token_given_to_the_sandbox_job_alone_cannot_apply_production(
    actions: Callable[..., Any], servers: dict[str, Any], tmp_path: Path
) -> None:
    sandbox, production = servers["sandbox"], servers["production"]
    tokens = f"SCIM_TOKEN_SANDBOX={sandbox.token}\nSCIM_TOKEN_PRODUCTION={production.token}\n"
    repo = TargetsRepo(actions, f"sandbox={sandbox.url}\nproduction={production.url}\n", "")
    _config(tmp_path / "workspace", servers)
    git_origin(tmp_path, tmp_path / "workspace")
    repo.plan(7, [], [], write=False, secrets={"SCIMFORM_TOKENS": tokens})
    repo.merge(7, "2026-11-30T10:00:00Z")
    # The production job given only sandbox's token line: its plan cannot read production.
    _, job, _ = repo.apply_target(
        7, "production", production.url, f"SCIM_TOKEN_SANDBOX={sandbox.token}"
    )
    assert job.failed
    assert _names(production) == []


def test_drift_of_several_targets_is_one_issue_with_a_section_each(
    actions: Callable[..., Any], servers: dict[str, Any], tmp_path: Path
) -> None:
    sandbox, production = servers["sandbox"], servers["production"]
    tokens = f"SCIM_TOKEN_SANDBOX={sandbox.token}\nSCIM_TOKEN_PRODUCTION={production.token}\n"
    event = {"schedule": "17 3 * * *", "ref": "refs/heads/main"}
    runner = actions(event, {"SCIMFORM_TOKENS": tokens}, "drift")
    _config(runner.workspace, servers)
    runner.answer("repos/octo/people/issues?state=open&per_page=100", [])
    runner.answer(PULLS, [])  # no merged pull request: all drift is outside git
    inputs = {
        "directory": "people",
        "target-url": f"sandbox={sandbox.url}\nproduction={production.url}",
    }
    opened = runner.run("scimform-drift.yml", "plan", inputs)
    assert opened.outputs["action"] == "open", {s.id: s.output for s in opened.steps.values()}
    issue = runner.temp / "scimform" / "drift" / "issue.json"
    body = json.loads(issue.read_text("utf-8"))["body"]
    assert "### scimform plan: target `sandbox`" in body
    assert "### scimform plan: target `production`" in body
