"""The audit trail written ahead: entries appended as an apply goes, each chained to the
one before, fsync'd at begin and end, owner-only, one apply at a time, never a token; and
read back, with edits, deletions, reorderings and interrupted applies told apart."""

from __future__ import annotations

import itertools
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from scimform.audit import (
    AuditTrail,
    TokenRecord,
    actor_of,
    read_log,
    read_records,
    target_for_record,
)
from scimform.audit.records import GENESIS
from scimform.audit.trail import line_hash
from scimform.engine.changes import Action, Kind, MemberRef
from scimform.engine.result import ApplyResult, Outcome, StepResult
from scimform.errors import AuditError

TOKEN = "c2NpbS10b2tlbi1zZWNyZXQtdmFsdWUtMTIzNDU2Nzg5MA"  # shaped like a real token
ALICE = MemberRef("alice@corp.example", "9a1")
STEPS = (
    StepResult("u1", Kind.USER, "alice@corp.example", Action.CREATE, Outcome.DONE, id="9a1"),
    StepResult(
        "g1", Kind.GROUP, "platform-admins", Action.ADD_MEMBERS, Outcome.FAILED,
        id="4c2", members=1, detail=f"rejected (Bearer {TOKEN})", status=400,
        member_refs=(ALICE,),
    ),
)  # fmt: skip


def begin(trail: AuditTrail, **more: Any) -> None:
    fields: dict[str, Any] = {
        "actor": "octocat",
        "commit": "1" * 40,
        "config_dirty": False,
        "target": "https://scim.us-east-1.amazonaws.com/t-1/scim/v2",
        "plan_hash": "ab" * 32,
        "summary": {"add": 1},
        **more,
    }
    trail.begin(**fields)


def write_apply(log: Path, *, end: bool = True, secrets: tuple[str, ...] = (TOKEN,)) -> None:
    with AuditTrail.open(log, secrets) as trail:
        begin(trail)
        for step in STEPS:
            trail.step(step)
        trail.tokens([TokenRecord(operation="delete", token_id="t-9", outcome="done")])
        if end:
            trail.end(ApplyResult(STEPS), succeeded=False)


def test_an_apply_reads_back_with_every_step_its_members_and_its_end(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    write_apply(log)
    (record,) = read_records(log)
    assert record.actor == "octocat" and record.plan_hash == "ab" * 32
    assert [(s.key, s.action, s.outcome, s.id, s.status) for s in record.steps] == [
        ("alice@corp.example", "create", "done", "9a1", None),
        ("platform-admins", "add_members", "failed", "4c2", 400),
    ]
    assert [(m.user_name, m.id) for m in record.steps[1].members] == [("alice@corp.example", "9a1")]
    assert [t.token_id for t in record.tokens] == ["t-9"]
    assert record.end is not None and record.end.outcomes == {"done": 1, "failed": 1}
    assert not record.succeeded and not record.interrupted
    assert [json.loads(line)["type"] for line in log.read_text().splitlines()] == [
        "begin", "step", "step", "tokens", "end"
    ]  # fmt: skip


def test_every_line_carries_the_hash_of_the_line_before(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    write_apply(log)
    write_apply(log)
    lines = log.read_bytes().splitlines()
    assert json.loads(lines[0])["prev"] == GENESIS
    for before, line in itertools.pairwise(lines):
        assert json.loads(line)["prev"] == line_hash(before)
    found = read_log(log)
    assert found.intact and len(found.applies) == 2 and found.head == line_hash(lines[-1])


@pytest.mark.parametrize("tamper", ["edit", "delete", "swap"])
def test_an_edit_a_deletion_or_a_reordering_breaks_the_chain(tmp_path: Path, tamper: str) -> None:
    log = tmp_path / "audit.jsonl"
    write_apply(log)
    lines = log.read_text().splitlines()
    if tamper == "edit":
        lines[1] = lines[1].replace('"outcome":"done"', '"outcome":"failed"')
    elif tamper == "delete":
        del lines[2]
    else:
        lines[1], lines[2] = lines[2], lines[1]
    log.write_text("\n".join(lines) + "\n")
    found = read_log(log)
    assert not found.intact
    assert "the chain is broken here" in found.breaks[0]


def test_an_apply_without_an_end_is_interrupted_not_tampered(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    write_apply(log, end=False)
    found = read_log(log)
    assert found.intact
    (record,) = found.interrupted
    assert len(record.steps) == 2 and not record.succeeded


def test_a_line_cut_off_by_a_crash_is_ended_and_the_next_apply_chains_over_it(
    tmp_path: Path,
) -> None:
    log = tmp_path / "audit.jsonl"
    write_apply(log)
    with log.open("a") as handle:
        handle.write('{"format_version":2,"type":"step","apply_id":"x"')
    write_apply(log)
    with pytest.raises(AuditError, match=r"audit\.jsonl:6: not an audit entry"):
        read_log(log)
    assert log.read_text().count("\n") == 11  # the cut-off line was ended, not joined


def test_no_token_reaches_the_log_from_a_detail_or_the_actor(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with AuditTrail.open(log, [TOKEN, ""]) as trail:
        begin(trail, actor=f"bot {TOKEN}")
        trail.step(STEPS[1])
    text = log.read_text()
    assert TOKEN not in text and "rejected (Bearer [redacted])" in text


def test_the_log_is_owner_only_and_fsynced_at_begin_and_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.fstat(fd).st_size)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    log = tmp_path / "logs" / "audit.jsonl"
    with AuditTrail.open(log) as trail:
        begin(trail)
        assert synced[-1] == log.stat().st_size  # the begin is on disk before any change
        trail.end(ApplyResult(), succeeded=True)
        assert synced[-1] == log.stat().st_size
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    log.chmod(0o640)  # an existing log keeps the mode its operator gave it
    AuditTrail.open(log).close()
    assert stat.S_IMODE(log.stat().st_mode) == 0o640


def test_two_applies_cannot_write_one_log_at_once(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with AuditTrail.open(log), pytest.raises(AuditError, match="another apply is writing"):
        AuditTrail.open(log)
    AuditTrail.open(log).close()  # free again


def test_first_format_lines_are_read_over(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_text('{"format_version":1,"time":"2026-03-02T09:30:00Z","actor":"a"}\n')
    write_apply(log)
    found = read_log(log)
    assert found.intact and found.legacy_lines == 1 and len(found.applies) == 1


def test_an_unwritable_or_missing_log_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(AuditError, match=r"cannot write the audit log .*--audit-log"):
        AuditTrail.open(tmp_path / "file" / "audit.jsonl")
    with pytest.raises(AuditError, match="cannot read the audit log"):
        read_log(tmp_path / "missing.jsonl")


def test_a_time_without_a_timezone_is_refused() -> None:
    from datetime import datetime

    from scimform.audit import End

    with pytest.raises(ValidationError, match="timezone"):
        End(apply_id="a", seq=0, prev=GENESIS, time=datetime(2026, 3, 2), succeeded=True)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("local:.scimform/store.db", "local:.scimform/store.db"),
        ("http://127.0.0.1:8000/t/scim/v2", "http://127.0.0.1:8000/t/scim/v2"),
        ("https://user:pw@host/p", "https://host/p"),
        (f"https://{TOKEN}@[::1]:9000/scim/v2?token={TOKEN}", "https://[::1]:9000/scim/v2"),
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
