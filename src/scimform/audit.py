"""The audit log: one JSON line per apply, appended and flushed to disk before apply
returns, so a record survives a crash that follows it.

A record says when the apply ran, who ran it, which git commit the config was at, which
target it changed (credentials removed from the URL), the hash of the plan it carried out,
every step with its outcome and SCIM id, and every token operation (a delete, a rotation)
with its outcome and the token ids. It never holds a token: the target is
cleaned of userinfo, query and fragment, and any secret the caller names is blanked out of
every text the record carries.

The caller supplies everything read from the outside world (the time, the actor, the
commit): this module reads no environment, so the same inputs give the same record.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from scimform.engine.result import ApplyResult, StepResult
from scimform.errors import ScimformError

FORMAT_VERSION = 1
DEFAULT_AUDIT_LOG = Path(".scimform") / "audit.jsonl"
REDACTED = "[redacted]"
UNKNOWN_ACTOR = "unknown"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepRecord(_Frozen):
    """One step of the apply: which object, what was done, how it ended, its SCIM id, how
    many members it added or removed, and why a step that did not succeed did not."""

    step: str
    kind: str
    key: str
    action: str
    outcome: str
    id: str | None = None
    members: int = 0
    status: int | None = None
    detail: str | None = None


class TokenRecord(_Frozen):
    """One token operation of the apply: `operation` is "delete" or "rotate", `outcome`
    done, failed, skipped or not started; a rotation names the new token's id and the step
    it stopped at. Token ids only, never a secret."""

    operation: str
    token_id: str
    outcome: str
    new_token_id: str | None = None
    stopped_at: str | None = None
    detail: str | None = None

    @property
    def failed(self) -> bool:
        """True when the operation was tried and did not succeed."""
        return self.outcome == "failed"


class AuditRecord(_Frozen):
    """One apply, as the audit log keeps it."""

    format_version: int = FORMAT_VERSION
    time: datetime
    actor: str
    commit: str | None = None
    config_dirty: bool | None = None
    target: str
    plan_hash: str
    succeeded: bool
    stopped: bool = False
    steps: tuple[StepRecord, ...] = ()
    tokens: tuple[TokenRecord, ...] = ()

    @field_validator("time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("the time needs a timezone (use UTC)")
        return value


def actor_of(github_actor: str | None, os_user: str | None) -> str:
    """Who ran the apply: the GitHub actor in GitHub Actions, else the OS user, else
    "unknown". The caller reads GITHUB_ACTOR and the OS user and passes them in."""
    for name in (github_actor, os_user):
        if name is not None and name.strip():
            return name.strip()
    return UNKNOWN_ACTOR


def target_for_record(url: str) -> str:
    """The target URL fit for a record: no userinfo (a token could hide there), no query
    and no fragment. `local:` targets are paths and are kept as they are."""
    if not url.startswith(("http://", "https://")):
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "(a target URL that could not be read)"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def record_apply(
    result: ApplyResult,
    *,
    plan_hash: str,
    target: str,
    actor: str,
    time: datetime,
    commit: str | None = None,
    config_dirty: bool | None = None,
    secrets: Iterable[str] = (),
    tokens: Sequence[TokenRecord] = (),
) -> AuditRecord:
    """The record of one apply, with its token operations (`tokens`). `secrets` (the token
    in use, any token created) are blanked out of the target and of every step's and token
    operation's detail, whatever the backend let by."""
    blank = _Blanker(secrets)
    return AuditRecord(
        time=time,
        actor=blank(actor),
        commit=commit,
        config_dirty=config_dirty,
        target=blank(target_for_record(target)),
        plan_hash=plan_hash,
        succeeded=result.succeeded and not any(t.failed for t in tokens),
        stopped=result.stopped,
        steps=tuple(_step(step, blank) for step in result.steps),
        tokens=tuple(_token(t, blank) for t in tokens),
    )


def _token(record: TokenRecord, blank: _Blanker) -> TokenRecord:
    if record.detail is None:
        return record
    return record.model_copy(update={"detail": blank(record.detail)})


def _step(step: StepResult, blank: _Blanker) -> StepRecord:
    return StepRecord(
        step=step.step_id,
        kind=step.kind.value,
        key=blank(step.key),
        action=step.action.value,
        outcome=step.outcome.value,
        id=step.id,
        members=step.members,
        status=step.status,
        detail=None if step.detail is None else blank(step.detail),
    )


class _Blanker:
    """Replaces each secret in a text with REDACTED."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is blanked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def append_record(path: Path, record: AuditRecord) -> None:
    """Append `record` to the log at `path` as one JSON line, and fsync it (and, for a new
    log, its directory) before returning. Earlier lines are never rewritten."""
    line = (record.model_dump_json() + "\n").encode()
    created = not path.exists()
    try:
        # The log names people and what they were given: its owner's alone (a log that
        # exists keeps its mode), like the directories made for it.
        for directory in [p for p in reversed(path.parents) if not p.exists()]:
            directory.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            _write_all(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            _fsync_directory(path.parent)
    except OSError as exc:
        raise ScimformError(
            f"cannot write the audit log {path}: {exc.strerror or exc}; "
            "check the path and its permissions (--audit-log)"
        ) from None


def _write_all(fd: int, data: bytes) -> None:
    # One write for the whole line, so concurrent appends do not interleave; loop only
    # in case the system writes less.
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_records(path: Path) -> list[AuditRecord]:
    """Every record in the log at `path`, oldest first. A line that is not a record is a
    ScimformError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScimformError(f"cannot read the audit log {path}: {exc.strerror or exc}") from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(AuditRecord.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "the line"
            raise ScimformError(
                f"{path}:{number}: not an audit record ({where}: {first['msg']}); "
                "the log is append-only: a cut-off last line is a write that did not finish"
            ) from None
    return records
