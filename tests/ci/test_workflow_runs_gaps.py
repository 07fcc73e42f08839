"""What the workflows upload: the files each `actions/upload-artifact` step names exist after
the job's own `run:` steps ran (with the runner's environment, against a real server), and
hold what they should: the JSON plan on the pull request, and on merge the plan and the
audit record of the apply (actor from GITHUB_ACTOR, the reviewed plan's hash, every change
with its outcome and SCIM id), never the token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scimform.audit import read_records
from scimform.model import User
from scimform.store.seed import load_org

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
BOT = "github-actions[bot]"
COMMENTS = "repos/octo/people/issues/7/comments"
PULLS = "repos/octo/people/commits/0123456789abcdef0123456789abcdef01234567/pulls"
MERGE_SHA = "0123456789abcdef0123456789abcdef01234567"


def person(name: str) -> User:
    first = name.split("@")[0].capitalize()
    return User(name, first, "Example", f"{first} Example", email=name)


ALICE, BOB, CAROL = (person(f"{n}@corp.example") for n in ("alice", "bob", "carol"))


def write_config(workspace: Path, url: str, users: list[User]) -> Path:
    root = workspace / "people"
    root.mkdir(parents=True, exist_ok=True)
    settings = {"target": {"url": url, "token": "env:SCIM_TOKEN"}, "ownership": {"prune": True}}
    (root / "scimform.yaml").write_text(json.dumps(settings), encoding="utf-8")
    body = {
        "users": [
            {"userName": u.user_name, "givenName": u.given_name, "familyName": u.family_name}
            | {"displayName": u.display_name, "email": u.email}
            for u in users
        ],
        "groups": [{"displayName": "admins", "members": [users[0].user_name]}],
    }
    (root / "people.yaml").write_text(json.dumps(body, indent=1), encoding="utf-8")
    return root


def uploaded(workflow: str, job: str, temp: Path, workspace: Path, directory: str) -> list[Path]:
    """The files the job's upload-artifact step names, with the expressions the runner
    would substitute; relative paths are under the workspace, as on a runner."""
    spec = yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))
    steps = [s for s in spec["jobs"][job]["steps"] if "upload-artifact" in s.get("uses", "")]
    (step,) = steps
    assert step["with"]["if-no-files-found"] == "error"
    paths = []
    for line in str(step["with"]["path"]).strip().splitlines():
        line = line.strip().replace("${{ runner.temp }}", str(temp))
        line = line.replace("${{ inputs.directory }}", directory)
        assert "${{" not in line, line
        path = Path(line)
        paths.append(path if path.is_absolute() else workspace / path)
    return paths


def all_text(paths: list[Path]) -> bytes:
    return b"".join(p.read_bytes() for p in paths)


@pytest.fixture
def reviewed(scim_server: Any, actions: Callable[..., Any]) -> tuple[Any, str, str]:
    """The plan job on PR #7 (alice in the store; the config adds bob and carol and a group),
    its comment posted. Returns (pr runner, posted body, plan hash)."""
    load_org(scim_server.store, [ALICE], [])
    runner = actions({"pull_request": {"number": 7}}, {"SCIM_TOKEN": scim_server.token})
    write_config(runner.workspace, scim_server.url, [ALICE, BOB, CAROL])
    runner.answer(COMMENTS, [])
    plan = runner.run("scimform-plan.yml", "plan", {"directory": "people"})
    assert not plan.failed, {s.id: s.output for s in plan.steps.values()}
    runner.run("scimform-plan.yml", "comment", needs={"plan": plan.outputs})
    (posted,) = runner.gh_calls()
    return runner, posted["payload"]["body"], plan.outputs["hash"]


def test_the_plan_artifact_holds_the_json_plan_and_the_comment_and_no_token(
    reviewed: tuple[Any, str, str], scim_server: Any
) -> None:
    runner, body, plan_hash = reviewed
    files = uploaded("scimform-plan.yml", "plan", runner.temp, runner.workspace, "people")
    assert [p.name for p in files] == ["plan.json", "comment.json"]
    assert all(p.is_file() for p in files), files
    plan = json.loads(files[0].read_text("utf-8"))
    assert plan["hash"] == plan_hash and plan["summary"]["add"] == 3
    assert json.loads(files[1].read_text("utf-8")) == {"body": body}
    assert scim_server.token.encode() not in all_text(files)


def test_the_apply_artifact_holds_the_plan_the_log_and_the_audit_record(
    reviewed: tuple[Any, str, str], scim_server: Any, actions: Callable[..., Any]
) -> None:
    _, body, plan_hash = reviewed
    runner = actions({"ref": "refs/heads/main"}, {"SCIM_TOKEN": scim_server.token}, name="push")
    pull = {"number": 7, "merged_at": "2026-11-30T10:00:00Z", "merge_commit_sha": MERGE_SHA}
    runner.answer(PULLS, [pull])
    runner.answer(COMMENTS, [{"id": 900, "body": body, "user": {"login": BOT}}])
    job = runner.run("scimform-apply.yml", "apply", {"directory": "people"})
    assert not job.failed, {s.id: s.output for s in job.steps.values()}
    # The upload step runs only when the apply step named an artifact.
    assert re.fullmatch(r"[\w.-]+", job.steps["apply"].outputs.get("artifact", "")), job.steps
    files = uploaded("scimform-apply.yml", "apply", runner.temp, runner.workspace, "people")
    assert [p.name for p in files] == ["plan.json", "apply.txt", "audit.jsonl"]
    assert all(p.is_file() for p in files), files
    assert scim_server.token.encode() not in all_text(files)

    (record,) = read_records(files[2])
    assert record.actor == "octocat"  # GITHUB_ACTOR, as the runner sets it
    assert record.plan_hash == plan_hash  # the plan reviewed on the pull request
    assert record.succeeded and record.target == scim_server.url
    users, _ = scim_server.store.list_users()
    live = {u["userName"]: u["id"] for u in users}
    created = {s.key: s for s in record.steps if s.action == "create" and s.kind == "user"}
    assert set(created) == {"bob@corp.example", "carol@corp.example"}
    for name, step in created.items():
        assert step.outcome == "done" and step.id == live[name]
