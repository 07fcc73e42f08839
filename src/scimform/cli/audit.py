"""`scimform audit verify`: is the audit trail intact, and did every apply end?
`scimform audit show`: every apply, its steps with the members named, its pull requests
and their approvers, and how it ended.

verify's exit status: 0 when the chain is intact (interrupted applies are reported, and
are not tampering), 1 when a line was edited, deleted or moved, or the log cannot be read.
show's: 0 when the log was read (a broken chain is told on standard error), 1 when it
cannot be read.

show's JSON (`--format json`): {"version": 1, "log": path, "intact": bool, "head": sha256,
"applies": [{"apply_id", "outcome", "interrupted", "flags", "begin", "steps", "tokens",
"end"}]} with begin, steps, tokens and end as the log records them. CSV: one row per
step (see review.tables.STEP_HEADER).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from scimform.audit import DEFAULT_AUDIT_LOG, ApplyRecord, read_log
from scimform.cli import options
from scimform.errors import AuditError, ScimformError
from scimform.history.window import end_of, start_of
from scimform.review.applies import apply_json, apply_text, between
from scimform.review.tables import STEP_HEADER, csv_text, step_rows

LOG_OPTION = click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The audit log (default: {DEFAULT_AUDIT_LOG} under DIR).",
)


@click.group("audit")
def command() -> None:
    """Read and check the audit trail that `scimform apply` writes."""


@command.command("verify")
@options.DIRECTORY
@LOG_OPTION
def verify(directory: Path, log_path: Path | None) -> None:
    """Check the audit log's hash chain (an edited, deleted or moved line breaks it) and
    report every apply that was interrupted before its end was written.

    The chain cannot show lines cut off the end of the log: compare the head hash printed
    here with a copy kept elsewhere."""
    path = log_path or directory / DEFAULT_AUDIT_LOG
    log = read_log(path)
    steps = sum(len(a.steps) for a in log.applies)
    for apply in log.interrupted:
        click.echo(_interrupted(apply))
    for problem in log.breaks:
        click.echo(f"Tampered: {problem}", err=True)
    legacy = f" and {log.legacy_lines} line(s) of the first format" if log.legacy_lines else ""
    click.echo(f"{path}: {len(log.applies)} applies, {steps} steps{legacy}; head {log.head}.")
    if not log.intact:
        raise AuditError(f"the audit log {path} was changed after it was written")
    click.echo("The chain is intact.")


def _interrupted(apply: ApplyRecord) -> str:
    return (
        f"Interrupted: the apply begun {apply.time.isoformat(timespec='seconds')} by "
        f"{apply.actor} (plan {apply.plan_hash[:12]}) has {len(apply.steps)} step(s) "
        "recorded and no end: it was killed or the machine stopped. Run `scimform plan` to "
        "see what is left."
    )


@command.command("show")
@options.DIRECTORY
@LOG_OPTION
@click.option("--since", metavar="DATE", help="Only applies begun this day (UTC) or later.")
@click.option("--until", metavar="DATE", help="Only applies begun this day (UTC) or before.")
@options.TABLE_FORMAT
def show(
    directory: Path, log_path: Path | None, since: str | None, until: str | None, output: str
) -> None:
    """Show every apply the audit log records: who ran it, from which commit, the pull
    requests it carried out and their approvers, each step with the members it added or
    removed, and how it ended (an apply with no end is marked interrupted)."""
    path = log_path or directory / DEFAULT_AUDIT_LOG
    log = read_log(path)
    applies = between(log.applies, _moment(since, start_of), _moment(until, end_of))
    if output == "json":
        body = {
            "version": 1, "log": str(path), "intact": log.intact, "head": log.head,
            "applies": [apply_json(a) for a in applies],
        }  # fmt: skip
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
    elif output == "csv":
        click.echo(csv_text(STEP_HEADER, [r for a in applies for r in step_rows(a)]), nl=False)
    else:
        for apply in applies:
            click.echo("\n".join(apply_text(apply)))
        if not applies:
            click.echo(f"{path}: no applies recorded in that time", err=True)
    for problem in log.breaks:
        click.echo(f"Tampered: {problem} (run `scimform audit verify`)", err=True)


def _moment(text: str | None, read: Callable[[str], datetime | None]) -> datetime | None:
    if text is None:
        return None
    moment = read(text)
    if moment is None:
        raise ScimformError(f'"{text}" is not a date (YYYY-MM-DD) or a time (ISO 8601)')
    return moment
