"""The audit log: records built from an apply's result, appended as JSON lines, fsync'd,
read back; never a token; the actor from GitHub or the OS user."""

from __future__ import annotations

import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from scimform.audit import (
    DEFAULT_AUDIT_LOG,
    AuditRecord,
    actor_of,
    append_record,
    read_records,
    record_apply,
    target_for_record,
)
from scimform.engine.changes import Action, Kind
from scimform.engine.result import ApplyResult, Outcome, StepResult
from scimform.errors import ScimformError

TOKEN = "c2NpbS10b2tlbi1zZWNyZXQtdmFsdWUtMTIzNDU2Nzg5MA"  # shaped like a real token
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
RESULT = ApplyResult(
    steps=(
        StepResult("u1", Kind.USER, "alice@corp.example", Action.CREATE, Outcome.DONE, id="9a1"),
        StepResult(
            "g1", Kind.GROUP, "platform-admins", Action.ADD_MEMBERS, Outcome.FAILED,
            id="4c2", members=1, detail=f"rejected (Bearer {TOKEN})", status=400,
        ),
    ),
    stopped=True,
)  # fmt: skip


def _record(
    target: str = "https://scim.us-east-1.amazonaws.com/t-1/scim/v2", **more: Any
) -> AuditRecord:
    options: dict[str, Any] = {
        "plan_hash": "ab" * 32,
        "target": target,
        "actor": "octocat",
        "time": WHEN,
        "commit": "1" * 40,
        "config_dirty": False,
        **more,
    }
    return record_apply(RESULT, **options)


def test_a_record_holds_each_step_with_its_outcome_and_scim_id_and_reads_back(
    tmp_path: Path,
) -> None:
    record = _record()
    assert record.succeeded is False and record.stopped is True
    assert [(s.key, s.action, s.outcome, s.id, s.status) for s in record.steps] == [
        ("alice@corp.example", "create", "done", "9a1", None),
        ("platform-admins", "add_members", "failed", "4c2", 400),
    ]
    log = tmp_path / DEFAULT_AUDIT_LOG
    append_record(log, record)
    assert read_records(log) == [record]
    line = log.read_text()
    assert line.count("\n") == 1 and line.startswith('{"format_version":1,"time":"2026-03-02T09:30')


def test_appending_never_rewrites_earlier_records(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    first, second = _record(), _record(actor="jane", plan_hash="cd" * 32)
    append_record(log, first)
    before = log.read_bytes()
    append_record(log, second)
    after = log.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    assert read_records(log) == [first, second]


def test_each_append_is_fsynced_after_the_write_and_a_new_log_s_directory_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[tuple[bool, int]] = []  # (is a directory, bytes in the file at the time)
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        info = os.fstat(fd)
        synced.append((stat.S_ISDIR(info.st_mode), info.st_size))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    log = tmp_path / "logs" / "audit.jsonl"
    append_record(log, _record())
    size = log.stat().st_size
    assert synced[0] == (False, size)  # the file, with the line already in it
    assert synced[1][0] is True  # then the directory that now lists the new file
    append_record(log, _record())
    assert synced[2:] == [(False, log.stat().st_size)]  # an existing log: the file only


def test_a_new_log_and_its_directory_are_its_owner_s_alone(tmp_path: Path) -> None:
    """It names people and their access: 0600 (before: 0644), directories made 0700."""
    log = tmp_path / ".scimform" / "audit.jsonl"
    append_record(log, _record())
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    log.chmod(0o640)  # an existing log keeps the mode its operator gave it
    append_record(log, _record())
    assert stat.S_IMODE(log.stat().st_mode) == 0o640


def test_no_token_reaches_the_record_from_the_url_or_a_step_detail(tmp_path: Path) -> None:
    target = f"https://scimform:{TOKEN}@scim.example:8443/t-1/scim/v2?access_token={TOKEN}#x"
    record = _record(target=target, secrets=[TOKEN, ""])
    log = tmp_path / "audit.jsonl"
    append_record(log, record)
    text = log.read_text()
    assert TOKEN not in text
    assert record.target == "https://scim.example:8443/t-1/scim/v2"
    assert record.steps[1].detail == "rejected (Bearer [redacted])"


def test_without_the_secret_named_the_url_is_still_cleaned() -> None:
    record = _record(target=f"https://{TOKEN}@[::1]:9000/scim/v2?token={TOKEN}")
    assert record.target == "https://[::1]:9000/scim/v2"
    assert TOKEN not in record.target


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("local:.scimform/store.db", "local:.scimform/store.db"),
        ("http://127.0.0.1:8000/t/scim/v2", "http://127.0.0.1:8000/t/scim/v2"),
        ("https://user:pw@host/p", "https://host/p"),
        ("https://host:notaport/p", "(a target URL that could not be read)"),
    ],
)
def test_targets_keep_scheme_host_port_and_path_only(url: str, kept: str) -> None:
    assert target_for_record(url) == kept


@pytest.mark.parametrize(
    ("github", "os_user", "actor"),
    [
        ("octocat", "runner", "octocat"),
        (None, "alice", "alice"),
        ("  ", "alice", "alice"),
        ("", None, "unknown"),
        (None, None, "unknown"),
    ],
)
def test_the_actor_is_the_github_actor_else_the_os_user_else_unknown(
    github: str | None, os_user: str | None, actor: str
) -> None:
    assert actor_of(github, os_user) == actor


def test_a_time_without_a_timezone_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        _record(time=datetime(2026, 3, 2, 9, 30))


def test_a_cut_off_line_is_reported_with_file_and_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    append_record(log, _record())
    with log.open("a") as handle:
        handle.write('{"format_version":1,"time":"2026-03')
    with pytest.raises(ScimformError, match=rf"^{re.escape(str(log))}:2: not an audit record"):
        read_records(log)


def test_an_unwritable_log_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ScimformError, match=r"cannot write the audit log .*--audit-log"):
        append_record(tmp_path / "file" / "audit.jsonl", _record())
    with pytest.raises(ScimformError, match="cannot read the audit log"):
        read_records(tmp_path / "missing.jsonl")
