"""Where the review reads the audit trail from: `--audit-log PATH`, else the log apply
writes by default under the config directory when there is one; and the drift log:
`--drift PATH`, else drift.jsonl next to the audit log when there is one."""

from __future__ import annotations

from pathlib import Path

from scimform.audit import DEFAULT_AUDIT_LOG, ApplyRecord, Log, read_log
from scimform.audit.drift import Observation, read_drift

DRIFT_LOG = "drift.jsonl"


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


def drift_path(audit: Path | None, given: Path | None) -> Path | None:
    """The drift log to read: the one given (it must exist), else drift.jsonl beside the
    audit log when it exists."""
    if given is not None:
        return given
    beside = audit.parent / DRIFT_LOG if audit is not None else None
    return beside if beside is not None and beside.exists() else None


def drift_log(path: Path | None) -> list[Observation] | None:
    """Every observation of the drift log at `path`, or None when there is none."""
    return read_drift(path) if path is not None else None
