"""The apply workflow keeps its audit trail on the `audit-log` branch: its own `run:` scripts
(the apply job's fetch and apply, then the persist job) against a real `scimform serve` on
127.0.0.1 and a real bare git repository as `origin`. Two applies append and verify, a
partial apply is kept too, a branch log edited or cut is refused with nothing pushed, and
the token is nowhere on the branch."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from scimform_cli import cli
from workflow_repo import Repo, branch_file, branch_log, git_origin, person, write_config

from scimform.audit import read_log
from scimform.ci.branch import LogBranch
from scimform.model import Group
from scimform.store.seed import load_org

ALICE, BOB, CAROL, DAVE, ERIN = (
    person(f"{n}@corp.example") for n in ("alice", "bob", "carol", "dave", "erin")
)
LOG = "people/audit.jsonl"
WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "scimform-apply.yml"


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    return git_origin(tmp_path, tmp_path / "workspace")


@pytest.fixture
def repo(scim_server: Any, actions: Callable[..., Any], origin: Path) -> Repo:
    """octo/people whose store holds alice, bob and carol (alice an admin)."""
    admins = Group("admins", members=frozenset({ALICE.user_name}))
    load_org(scim_server.store, [ALICE, BOB, CAROL], [admins])
    return Repo(actions, scim_server.url, scim_server.token)


def merged_and_applied(repo: Repo, number: int, users: list[Any], at: str) -> tuple[Any, Any]:
    """Plan #number, merge it, write main's config and run the apply job."""
    repo.plan(number, users, [ALICE])
    repo.merge(number, at)
    write_config(workspace(repo), repo.url, users, [ALICE])
    runner, job, _ = repo.apply(number)
    return runner, job


def workspace(repo: Repo) -> Path:
    return Path(repo.actions({}, name="ws").workspace)


def persisted(repo: Repo, applied: Any, job: Any) -> Any:
    """The persist job of that run: the audit log artifact downloaded, no SCIM token."""
    runner = repo.actions({"ref": "refs/heads/main"}, {}, f"persist-{applied.run_id}",
                          run_id=applied.run_id)  # fmt: skip
    kept = runner.temp / "scimform" / "audit-log"
    kept.mkdir(parents=True, exist_ok=True)
    shutil.copy(applied.temp / "scimform" / "audit-log" / "audit.jsonl", kept)
    inputs = {"directory": "people", "target-url": repo.url}
    return runner.run("scimform-apply.yml", "persist", inputs, needs={"apply": job.outputs})


def test_two_applies_append_to_the_branch_and_the_branch_log_verifies(
    repo: Repo, scim_server: Any, origin: Path, tmp_path: Path
) -> None:
    first_run, first = merged_and_applied(
        repo, 7, [ALICE, BOB, CAROL, DAVE], "2026-11-30T10:00:00Z"
    )
    assert first.outputs["outcome"] == "applied" and "audit" in first.steps
    assert "not created yet: starting an empty log" in first.steps["audit"].output
    kept = persisted(repo, first_run, first)
    assert not kept.failed, {s.id: s.output for s in kept.steps.values()}
    assert list(kept.steps) == ["pin", "verify", "persist"]
    assert (
        branch_file(origin, LOG) == (first_run.temp / "scimform/audit-log/audit.jsonl").read_bytes()
    )

    # The second apply fails part way (erin is refused): its records matter most.
    scim_server.app.service.user_quota.limit = 4
    users = [ALICE, BOB, CAROL, DAVE, ERIN]
    second_run, second = merged_and_applied(repo, 8, users, "2026-11-30T11:00:00Z")
    assert second.outputs["outcome"] == "failed"
    assert "holds 3 line(s) of the audit log" in second.steps["audit"].output
    kept = persisted(repo, second_run, second)
    assert not kept.failed, {s.id: s.output for s in kept.steps.values()}

    fetched = tmp_path / "a.jsonl"
    fetched.write_bytes(branch_file(origin, LOG) or b"")
    verified = cli("audit", "verify", "--log", str(fetched))
    assert verified.exit_code == 0 and "2 applies" in verified.output, verified.output
    log = read_log(fetched)
    assert [a.succeeded for a in log.applies] == [True, False]
    assert [s.outcome for s in log.applies[1].steps] == ["failed"]
    ids = [a.begin.apply_id for a in log.applies]
    assert branch_log(origin) == [
        f"Audit log of people: apply {ids[1]}; pull requests #8",
        f"Audit log of people: apply {ids[0]}; pull requests #7",
    ]
    assert f"Head record hash of the audit log: `{log.head}`" in kept.summary
    everything = subprocess.run(["git", "-C", str(origin), "log", "-p", "--all"],
                                capture_output=True, check=True).stdout  # fmt: skip
    assert b"erin@corp.example" in everything
    assert scim_server.token.encode() not in everything  # the token is nowhere on the branch


def rewrite_branch(tmp_path: Path, origin: Path, tamper: str) -> bytes:
    """Someone with push rights edits or deletes a line of the branch's log, force-pushing
    from another clone; the log as it now is."""
    clone = tmp_path / "mallory"
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "remote", "add", "origin", str(origin)], check=True)
    branch = LogBranch(clone)
    tip = branch.tip()
    lines = branch.read(tip, LOG).splitlines(keepends=True)
    if tamper == "edit":
        lines[1] = lines[1].replace(b"dave@corp.example", b"eve@corp.example")
    else:
        del lines[1]
    data = b"".join(lines)
    forged = branch.commit(tip, {LOG: data}, "Audit log of people: tidy")
    subprocess.run(["git", "-C", str(clone), "push", "-q", "--force", "origin",
                    f"{forged}:refs/heads/audit-log"], check=True)  # fmt: skip
    return data


@pytest.mark.parametrize(
    ("tamper", "when", "said"),
    [
        ("edit", "before the apply read it", "Tampered: "),
        ("delete", "after the apply read it", "differ at line 2"),
    ],
)
def test_a_tampered_branch_log_fails_the_persist_job_and_nothing_is_pushed(
    repo: Repo, origin: Path, tmp_path: Path, tamper: str, when: str, said: str
) -> None:
    first_run, first = merged_and_applied(
        repo, 7, [ALICE, BOB, CAROL, DAVE], "2026-11-30T10:00:00Z"
    )
    assert not persisted(repo, first_run, first).failed
    if when == "before the apply read it":
        forged = rewrite_branch(tmp_path, origin, tamper)
    second_run, second = merged_and_applied(repo, 8, [ALICE, BOB, CAROL], "2026-11-30T11:00:00Z")
    assert second.outputs["outcome"] == "applied"
    if when == "after the apply read it":
        forged = rewrite_branch(tmp_path, origin, tamper)
    before = branch_log(origin)
    kept = persisted(repo, second_run, second)
    assert kept.failed
    failing = next(s for s in kept.steps.values() if s.code != 0)
    assert said in failing.output, failing.output
    assert branch_log(origin) == before and branch_file(origin, LOG) == forged


def test_the_persist_job_can_push_only_and_never_sees_the_token() -> None:
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    persist = jobs["persist"]
    assert persist["permissions"] == {"contents": "write"} and persist["needs"] == "apply"
    assert "!cancelled()" in persist["if"]  # also after a failed apply
    assert "SCIM_TOKEN" not in yaml.safe_dump(persist)
    assert jobs["apply"]["permissions"]["contents"] == "read"
