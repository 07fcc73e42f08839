"""What `scimform apply` says about its token operations."""

from __future__ import annotations

import click

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
