"""Writing the audit trail ahead of the changes: an open log that an apply appends to as
it goes.

`AuditTrail.open` takes the log for one apply: it creates the log (mode 0600, its
directory 0700) if needed, holds an exclusive lock on it for the apply (a second apply
writing the same log at the same time is refused, so their lines cannot interleave), and
reads the last line's hash to chain on. Each entry is one `write` of one line, so it is in
the file as soon as the call returns and survives the process being killed; the log is
fsync'd after `begin`, after `end`, and at most a second apart in between, so that a
power loss costs at most the last second of steps.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scimform.audit.records import GENESIS, Begin, End, Member, Step, TokenRecord, Tokens
from scimform.engine.result import ApplyResult, StepResult
from scimform.errors import AuditError

REDACTED = "[redacted]"
FSYNC_INTERVAL_S = 1.0
_TAIL = 1024 * 1024


class AuditTrail:
    """The log one apply writes to. Use as a context manager, or call `close`."""

    def __init__(self, path: Path, fd: int, prev: str, secrets: Iterable[str]) -> None:
        self.path = path
        self.apply_id = uuid.uuid4().hex
        self._fd = fd
        self._prev = prev
        self._seq = 0
        self._blank = _Blanker(secrets)
        self._synced = time.monotonic()

    @classmethod
    def open(cls, path: Path, secrets: Iterable[str] = ()) -> AuditTrail:
        """Open (or create) the log at `path` for one apply; AuditError when it cannot be
        written or another apply holds it. `secrets` are blanked out of every entry."""
        try:
            created = not path.exists()
            # The log names people and what they were given: its owner's alone (a log that
            # exists keeps its mode), like the directories made for it.
            for directory in [p for p in reversed(path.parents) if not p.exists()]:
                directory.mkdir(mode=0o700, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise AuditError(_cannot(path, exc)) from None
        try:
            _lock(fd, path)
            prev = _last_line_hash(fd)
            if created:
                _fsync_directory(path.parent)
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd, prev, secrets)

    def __enter__(self) -> AuditTrail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def begin(self, **fields: Any) -> None:
        """Start the apply's record (see records.Begin for the fields), durably."""
        for name in ("actor", "target"):
            fields[name] = self._blank(fields[name])
        self._append(Begin, fields, sync=True)

    def step(self, result: StepResult) -> None:
        """Record one step as it ends."""
        fields = {
            "step": result.step_id,
            "kind": result.kind.value,
            "key": self._blank(result.key),
            "action": result.action.value,
            "outcome": result.outcome.value,
            "id": result.id,
            "members": tuple(Member(user_name=m.user_name, id=m.id) for m in result.member_refs),
            "status": result.status,
            "detail": None if result.detail is None else self._blank(result.detail),
        }
        self._append(Step, fields, sync=False)

    def tokens(self, operations: Sequence[TokenRecord]) -> None:
        """Record the token operations (when there were any)."""
        if not operations:
            return
        cleaned = tuple(
            op if op.detail is None else op.model_copy(update={"detail": self._blank(op.detail)})
            for op in operations
        )
        self._append(Tokens, {"operations": cleaned}, sync=False)

    def end(self, result: ApplyResult, *, succeeded: bool) -> None:
        """Close the apply's record, durably."""
        counts = {outcome.value: n for outcome, n in sorted(result.counts().items(), key=str)}
        fields = {
            "succeeded": succeeded,
            "stopped": result.stopped,
            "stop_reason": result.stop_reason,
            "outcomes": counts,
        }
        self._append(End, fields, sync=True)

    def close(self) -> None:
        """Flush to disk and let go of the log."""
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            os.fsync(self._fd)
        os.close(self._fd)
        self._fd = -1

    def _append(
        self, kind: type[Begin | Step | Tokens | End], fields: dict[str, Any], *, sync: bool
    ) -> None:
        entry = kind(
            apply_id=self.apply_id,
            seq=self._seq,
            prev=self._prev,
            time=datetime.now(UTC),
            **fields,
        )
        line = entry.model_dump_json().encode()
        try:
            _write_all(self._fd, line + b"\n")
            now = time.monotonic()
            if sync or now - self._synced >= FSYNC_INTERVAL_S:
                os.fsync(self._fd)
                self._synced = now
        except OSError as exc:
            raise AuditError(_cannot(self.path, exc)) from None
        self._prev = line_hash(line)
        self._seq += 1


def line_hash(line: bytes) -> str:
    """The hash the next line's `prev` carries: sha256 of the line without its newline."""
    return hashlib.sha256(line).hexdigest()


class _Blanker:
    """Replaces each secret in a text with REDACTED."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is blanked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def _cannot(path: Path, exc: OSError) -> str:
    return (
        f"cannot write the audit log {path}: {exc.strerror or exc}; check the path and its "
        "permissions (--audit-log)"
    )


def _lock(fd: int, path: Path) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise AuditError(
            f"another apply is writing the audit log {path}; wait for it to finish"
        ) from None


def _last_line_hash(fd: int) -> str:
    """The hash of the log's last line (GENESIS for an empty log). A last line cut off
    by a crash is ended with a newline first, so that the next entry starts a line."""
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return GENESIS
    start = max(0, size - _TAIL)
    tail = os.pread(fd, size - start, start)
    if not tail.endswith(b"\n"):
        _write_all(fd, b"\n")
        tail += b"\n"
    lines = tail[:-1].split(b"\n")
    if len(lines) == 1 and start > 0:
        raise AuditError("the audit log's last line is longer than 1 MiB; it is not a record")
    return line_hash(lines[-1])


def _write_all(fd: int, data: bytes) -> None:
    # One write for the whole line; loop only in case the system writes less.
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
