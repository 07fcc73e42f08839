"""Reading the audit trail back: every apply's record, and whether the log is intact.

`read_log` parses every line and checks the chain: each line's `prev` must be the sha256
of the line before it, so a line edited, deleted or moved breaks the chain at the line
after it. Lines of the first log format (one line per apply, before the trail was chained)
are read as they are and chained over. An apply with a `begin` but no `end` was
interrupted (the process was killed, or the machine stopped): its steps up to then are
there, and it is reported as interrupted, not as tampering.

The chain cannot see the last lines cut off the end of the log: compare `head`, the hash
of the last line, with a copy kept elsewhere (the apply workflow prints it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from scimform.audit.records import GENESIS, Begin, End, Entry, Step, TokenRecord, Tokens
from scimform.audit.trail import line_hash
from scimform.errors import AuditError, first_problem

_ENTRY: TypeAdapter[Begin | Step | Tokens | End] = TypeAdapter(Entry)


@dataclass
class ApplyRecord:
    """One apply as the log tells it: its begin, every step recorded, its token operations
    and its end (None when it was interrupted)."""

    begin: Begin
    steps: list[Step] = field(default_factory=list)
    tokens: tuple[TokenRecord, ...] = ()
    end: End | None = None

    @property
    def interrupted(self) -> bool:
        """True when the apply never wrote its end."""
        return self.end is None

    @property
    def succeeded(self) -> bool:
        """True when the apply ended and every step and token operation succeeded."""
        return self.end is not None and self.end.succeeded

    @property
    def time(self) -> datetime:
        return self.begin.time

    @property
    def actor(self) -> str:
        return self.begin.actor

    @property
    def target(self) -> str:
        return self.begin.target

    @property
    def plan_hash(self) -> str:
        return self.begin.plan_hash

    @property
    def stopped(self) -> bool:
        return self.end is not None and self.end.stopped


@dataclass
class Log:
    """A whole log: the applies in order, the chain's breaks (empty when intact), the
    number of lines in the first format, and `head`, the hash of the last line."""

    applies: list[ApplyRecord] = field(default_factory=list)
    breaks: list[str] = field(default_factory=list)
    legacy_lines: int = 0
    head: str = GENESIS

    @property
    def intact(self) -> bool:
        return not self.breaks

    @property
    def interrupted(self) -> list[ApplyRecord]:
        return [a for a in self.applies if a.interrupted]


def read_log(path: Path) -> Log:
    """Every apply in the log at `path`, with the chain checked. A line that is not an
    entry at all is an AuditError naming the file and line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuditError(f"cannot read the audit log {path}: {exc.strerror or exc}") from None
    log = Log()
    open_applies: dict[str, ApplyRecord] = {}
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        _read_line(path, number, line, log, open_applies)
        log.head = line_hash(line)
    return log


def read_records(path: Path) -> list[ApplyRecord]:
    """Every apply in the log at `path`, oldest first (the chain is not judged here)."""
    return read_log(path).applies


def _read_line(
    path: Path, number: int, line: bytes, log: Log, open_applies: dict[str, ApplyRecord]
) -> None:
    if b'"format_version":1' in line[:40]:
        log.legacy_lines += 1
        return
    try:
        entry = _ENTRY.validate_json(line)
    except ValidationError as exc:
        raise AuditError(
            f"{path}:{number}: not an audit entry ({first_problem(exc, 'the line')}); the log "
            "is append-only, so this line was cut off by a crash or edited"
        ) from None
    if entry.prev != log.head:
        log.breaks.append(
            f"{path}:{number}: the chain is broken here: the line before it was edited, "
            "deleted or moved"
        )
    _place(path, number, entry, log, open_applies)


def _place(
    path: Path,
    number: int,
    entry: Begin | Step | Tokens | End,
    log: Log,
    open_applies: dict[str, ApplyRecord],
) -> None:
    if isinstance(entry, Begin):
        record = ApplyRecord(begin=entry)
        log.applies.append(record)
        open_applies[entry.apply_id] = record
        return
    record_or_none = open_applies.get(entry.apply_id)
    if record_or_none is None:
        log.breaks.append(f"{path}:{number}: an entry of an apply whose begin is missing")
        return
    if isinstance(entry, Step):
        record_or_none.steps.append(entry)
    elif isinstance(entry, Tokens):
        record_or_none.tokens = entry.operations
    else:
        record_or_none.end = entry
        del open_applies[entry.apply_id]
