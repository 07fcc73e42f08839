"""The audit log `scimform apply` appends, through the real CLI against a real `scimform
serve` on 127.0.0.1 and a config in a git repository the test builds: the record's fields,
outcomes and SCIM ids, a partial failure and a stopped apply still recorded, `--audit-log`,
no record without changes, a loud error when the log cannot be written, and the token
nowhere in the file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from builders import person, team, write_config
from click.testing import Result
from scimform_cli import cli, signal_after_progress, start

from scimform.audit import read_records
from scimform.server.knobs import Knobs

TOKEN = "env:SCIM_TOKEN"
ALICE = person("alice", familyName="Liddell", displayName="Alice Liddell")


def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def run(server: Any, *args: str, actor: str | None = "octocat") -> Result:
    return cli(*args, env={"SCIM_TOKEN": server.token, "GITHUB_ACTOR": actor})


def test_a_record_has_every_field_and_no_token(scim_server: Any, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    root = write_config(repo / "people", url=scim_server.url, token=TOKEN, users=[ALICE, person(1)])
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "people")
    plan_hash = json.loads(run(scim_server, "plan", str(root), "--json").stdout)["hash"]
    before = datetime.now(UTC)
    result = run(scim_server, "apply", str(root), "--auto-approve")
    assert result.exit_code == 0, result.output
    log = root / ".scimform" / "audit.jsonl"
    (record,) = read_records(log)
    assert before - timedelta(seconds=1) <= record.time <= datetime.now(UTC)
    assert record.time.utcoffset() == timedelta(0)
    assert record.actor == "octocat"
    assert record.begin.commit == git(repo, "rev-parse", "HEAD")
    assert record.begin.config_dirty is False
    assert record.target == scim_server.url
    assert record.plan_hash == plan_hash
    assert record.succeeded and not record.stopped
    ids = {doc["userName"]: doc["id"] for doc in scim_server.store.list_users()[0]}
    made = {(s.key, s.action, s.outcome, s.id) for s in record.steps}
    assert made == {(name, "create", "done", id) for name, id in ids.items()}
    assert scim_server.token not in log.read_text()
    assert f"Recorded this apply in the audit log {log}" in result.output
    # A second apply has nothing to do, and writes nothing.
    again = run(scim_server, "apply", str(root), "--auto-approve")
    assert again.exit_code == 0 and len(read_records(log)) == 1


def test_a_partial_failure_is_recorded_with_each_outcome(scim_server: Any, tmp_path: Path) -> None:
    scim_server.app.service.user_quota.limit = 1  # the store refuses a second user: a real 400
    groups = [team("team", [ALICE["userName"], "p001@corp.example"])]
    root = write_config(
        tmp_path / "config",
        url=scim_server.url,
        token=TOKEN,
        users=[ALICE, person(1)],
        groups=groups,
    )
    log = tmp_path / "logs" / "apply.jsonl"
    args = ("apply", str(root), "--auto-approve", "--parallelism", "1", "--audit-log", str(log))
    result = run(scim_server, *args, actor=None)
    assert result.exit_code == 1, result.output
    assert not (root / ".scimform").exists()  # --audit-log replaced the default
    (record,) = read_records(log)
    assert not record.succeeded
    outcomes = {s.outcome for s in record.steps}
    assert {"done", "failed", "skipped"} <= outcomes
    failed = next(s for s in record.steps if s.outcome == "failed")
    assert failed.status == 400 and failed.detail
    assert record.begin.commit is None  # not in a git repository
    assert record.actor  # the OS user, without GITHUB_ACTOR
    assert scim_server.token not in log.read_text()


def test_a_log_that_cannot_be_written_stops_the_apply_before_any_change(
    scim_server: Any, tmp_path: Path
) -> None:
    root = write_config(tmp_path / "config", url=scim_server.url, token=TOKEN, users=[ALICE])
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run(
        scim_server,
        "apply",
        str(root),
        "--auto-approve",
        "--audit-log",
        str(blocker / "audit.jsonl"),
    )
    assert result.exit_code == 1
    assert "Error: cannot write the audit log" in result.stderr
    assert "Apply complete" not in result.stdout
    # Written ahead: no record, no change.
    assert scim_server.store.list_users()[0] == []


def test_help_says_an_apply_without_changes_writes_no_record() -> None:
    result = cli("apply", "--help")
    assert "An apply with no changes writes no record." in " ".join(result.output.split())


def test_a_stopped_apply_is_recorded(scim_server_factory: Any, tmp_path: Path) -> None:
    server = scim_server_factory(knobs=Knobs(latency_ms=100))
    root = write_config(
        tmp_path / "config", url=server.url, token=TOKEN, users=[person(n) for n in range(40)]
    )
    process = _apply_in_background(server, root)
    out, err = signal_after_progress(process, signal.SIGINT)
    assert process.returncode == 1, out + err
    (record,) = read_records(root / ".scimform" / "audit.jsonl")
    assert record.stopped and not record.succeeded and record.actor == "ci-bot"
    done = [s for s in record.steps if s.outcome == "done"]
    assert len(done) == len(server.store.list_users()[0])
    assert any(s.outcome == "not started" for s in record.steps)
    assert server.token not in (root / ".scimform" / "audit.jsonl").read_text()


@pytest.mark.parametrize("relative", ["audit.jsonl", "deep/er/log.jsonl"])
def test_audit_log_paths_are_made_as_needed(
    scim_server: Any, tmp_path: Path, relative: str
) -> None:
    root = write_config(tmp_path / "config", url=scim_server.url, token=TOKEN, users=[ALICE])
    log = tmp_path / relative
    result = run(scim_server, "apply", str(root), "--auto-approve", "--audit-log", str(log))
    assert result.exit_code == 0, result.output
    (record,) = read_records(log)
    assert record.steps[0].key == ALICE["userName"]


def _apply_in_background(server: Any, root: Path, *extra: str) -> subprocess.Popen[str]:
    args = ("apply", str(root), "--auto-approve", "--parallelism", "2", *extra)
    return start(*args, env={"SCIM_TOKEN": server.token, "GITHUB_ACTOR": "ci-bot"})


def test_sigterm_stops_the_apply_like_ctrl_c_and_closes_the_record(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    # CI cancellations and timeouts send SIGTERM: before, the apply died with 143 and no
    # record at all.
    server = scim_server_factory(knobs=Knobs(latency_ms=100))
    root = write_config(
        tmp_path / "config", url=server.url, token=TOKEN, users=[person(n) for n in range(40)]
    )
    process = _apply_in_background(server, root)
    out, err = signal_after_progress(process, signal.SIGTERM)
    assert process.returncode == 1, out + err
    assert "Stopping: no new requests are started" in err
    # The progress lines count only steps that ran: never "40 of 40" after a stop.
    assert "Applied 40 of 40" not in err
    (record,) = read_records(root / ".scimform" / "audit.jsonl")
    assert record.end is not None and record.stopped and not record.succeeded
    done = {s.id for s in record.steps if s.outcome == "done"}
    assert done == {u["id"] for u in server.store.list_users()[0]}
    assert any(s.outcome == "not started" for s in record.steps)


def test_after_sigkill_every_acknowledged_step_is_recorded_and_verify_says_interrupted(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    server = scim_server_factory(knobs=Knobs(latency_ms=100))
    root = write_config(
        tmp_path / "config", url=server.url, token=TOKEN, users=[person(n) for n in range(40)]
    )
    process = _apply_in_background(server, root)
    signal_after_progress(process, signal.SIGKILL)
    log = root / ".scimform" / "audit.jsonl"
    (record,) = read_records(log)
    assert record.interrupted
    recorded = {s.id for s in record.steps if s.outcome == "done"}
    live = {u["id"] for u in server.store.list_users()[0]}
    # A step is recorded when its answer came back; a request in flight at the kill may
    # have been made without its answer being read: at most `parallelism` of them.
    assert recorded <= live and len(live - recorded) <= 2 and recorded
    verified = cli("audit", "verify", "--log", str(log))
    assert verified.exit_code == 0, verified.output
    assert "Interrupted: the apply begun" in verified.output
    assert f"has {len(record.steps)} step(s) recorded and no end" in verified.output
    assert "The chain is intact." in verified.output


def test_verify_fails_on_an_edited_log(scim_server: Any, tmp_path: Path) -> None:
    root = write_config(
        tmp_path / "config", url=scim_server.url, token=TOKEN, users=[ALICE, person(1)]
    )
    assert run(scim_server, "apply", str(root), "--auto-approve").exit_code == 0
    log = root / ".scimform" / "audit.jsonl"
    lines = log.read_text().splitlines()
    lines[1] = lines[1].replace('"outcome":"done"', '"outcome":"failed"')
    log.write_text("\n".join(lines) + "\n")
    verified = cli("audit", "verify", str(root))
    assert verified.exit_code == 1
    assert "Tampered:" in verified.output and "audit.jsonl:3: the chain is broken" in (
        verified.output
    )


def test_steps_name_their_members_and_the_pull_requests_are_recorded(
    scim_server: Any, tmp_path: Path
) -> None:
    groups = [team("admins", [ALICE["userName"]])]
    root = write_config(
        tmp_path / "config", url=scim_server.url, token=TOKEN, users=[ALICE], groups=groups
    )
    pulls = tmp_path / "pulls.json"
    pulls.write_text(
        json.dumps(
            [
                {
                    "number": 7,
                    "url": "https://github.example/o/r/pull/7",
                    "author": "dave",
                    "merged_by": "erin",
                    "approvers": ["frank"],
                }
            ]
        )
    )
    result = run(scim_server, "apply", str(root), "--auto-approve", "--pull-requests", str(pulls))
    assert result.exit_code == 0, result.output
    (record,) = read_records(root / ".scimform" / "audit.jsonl")
    (pull,) = record.begin.pull_requests
    assert (pull.number, pull.author, pull.merged_by, pull.approvers) == (
        7,
        "dave",
        "erin",
        ("frank",),
    )
    (added,) = [s for s in record.steps if s.action == "add_members"]
    alice_id = next(u["id"] for u in scim_server.store.list_users()[0])
    assert [(m.user_name, m.id) for m in added.members] == [(ALICE["userName"], alice_id)]


def test_a_pull_requests_file_that_is_not_a_list_is_a_clear_error(
    scim_server: Any, tmp_path: Path
) -> None:
    root = write_config(tmp_path / "config", url=scim_server.url, token=TOKEN, users=[ALICE])
    pulls = tmp_path / "pulls.json"
    pulls.write_text('{"number": "seven"}')
    result = run(scim_server, "apply", str(root), "--auto-approve", "--pull-requests", str(pulls))
    assert result.exit_code == 1
    assert f"Error: {pulls} is not a list of pull requests" in result.output
    assert scim_server.store.list_users()[0] == []
