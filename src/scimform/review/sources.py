"""Where the review reads the audit trail from: `--audit-log PATH`, else the log apply
writes by default under the config directory when there is one."""

from __future__ import annotations

from pathlib import Path

from scimform.audit import DEFAULT_AUDIT_LOG, ApplyRecord, Log, read_log


def audit_path(directory: Path, given: Path | None) -> Path | None:
    """The log to read: the one given (it must exist), else the default when it exists."""
    if given is not None:
        return given
    default = directory / DEFAULT_AUDIT_LOG
    return default if default.exists() else None


def audit_applies(directory: Path, given: Path | None) -> list[ApplyRecord]:
    """Every apply of the log (none when there is no log). An unreadable log, or one given
    that does not exist, is an AuditError."""
    path = audit_path(directory, given)
    return read_log(path).applies if path is not None else []


def audit_log(directory: Path, given: Path | None) -> Log | None:
    """The whole log with its chain checked, or None when there is none."""
    path = audit_path(directory, given)
    return read_log(path) if path is not None else None
