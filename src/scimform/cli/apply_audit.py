"""What `scimform apply` says about its token operations, and the audit record it appends.

The CLI reads the outside world the record needs (the clock in UTC, GITHUB_ACTOR or the
OS user, the config's git commit); `scimform.audit` turns it into the record. A record
that cannot be written after changes were made is a loud error: the changes are in the
live store, but nobody will find them in the log.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import click

from scimform.audit import actor_of, append_record, record_apply
from scimform.engine.result import ApplyResult
from scimform.errors import ScimformError
from scimform.history.git import config_commit
from scimform.tokens.apply import TokenApplyResult

_OPERATIONS = {"delete": "delete token", "rotate": "rotate token"}


def token_lines(result: TokenApplyResult) -> list[str]:
    """One line per token operation, and for a rotation that stopped, where and what now."""
    lines = []
    for record in result.records:
        what = f"{_OPERATIONS.get(record.operation, record.operation)} {record.token_id}"
        line = f"{what}: {record.outcome}"
        if record.new_token_id and record.outcome == "done":
            line += f" (new token {record.new_token_id})"
        if record.stopped_at:
            line += f"; stopped at: {record.stopped_at}"
        lines.append(line + (f": {record.detail}" if record.detail else ""))
    lines += _rotation_notes(result)
    return lines


def _rotation_notes(result: TokenApplyResult) -> list[str]:
    rotation = result.rotation
    if rotation is None or rotation.new is None:
        return [] if rotation is None else [f"The old token {rotation.old_id} is still in place."]
    new = rotation.new
    if rotation.ok:
        return [
            f"Rotated token {rotation.old_id} -> {new.id} (expires {new.expires.date()}); "
            f"declared in {rotation.recorded_in}: commit it and open a pull request."
        ]
    if rotation.new_deleted:
        return [
            f"The new token {new.id} was deleted again; the old token {rotation.old_id} "
            "is still in place."
        ]
    if rotation.stopped_at is not None and rotation.stopped_at.name == "RECORD":
        return [
            f"Declare the new token by hand: scimform tokens record --id {new.id} --created "
            f"{new.created.date()} --expires {new.expires.date()} --replaces {rotation.old_id}"
        ]
    return [f"The old token {rotation.old_id} is still in place."]


def echo_tokens(result: TokenApplyResult) -> None:
    """The token operations' lines, failures on stderr."""
    for line in token_lines(result):
        click.echo(line, err=result.failed)


def write_record(
    path: Path,
    result: ApplyResult,
    tokens: TokenApplyResult,
    *,
    plan_hash: str,
    target: str,
    config_root: Path,
    secrets: Iterable[str],
) -> None:
    """Append this apply's record to the audit log at `path`; if that fails, say loudly
    that the changes were made but not recorded, and exit 1. An apply that changed
    nothing (its only change a rotation skipped for want of a sink) writes no record."""
    if not result.steps and all(r.outcome == "skipped" for r in tokens.records):
        return
    commit = config_commit(config_root)
    record = record_apply(
        result,
        plan_hash=plan_hash,
        target=target,
        actor=actor_of(os.environ.get("GITHUB_ACTOR"), _os_user()),
        time=datetime.now(UTC),
        commit=commit.sha if commit else None,
        config_dirty=commit.dirty if commit else None,
        secrets=secrets,
        tokens=tokens.records,
    )
    try:
        append_record(path, record)
    except ScimformError as exc:
        click.echo(
            f"Error: the changes above were made, but they were NOT recorded in the audit "
            f"log: {exc}. Record them by hand; the plan hash is {plan_hash}.",
            err=True,
        )
        raise click.exceptions.Exit(1) from None
    click.echo(f"Recorded this apply in the audit log {path}.", err=True)


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return None
