"""`scimform audit verify`: is the audit trail intact, and did every apply end?

Exit status: 0 when the chain is intact (interrupted applies are reported, and are not
tampering), 1 when a line was edited, deleted or moved, or the log cannot be read.
"""

from __future__ import annotations

from pathlib import Path

import click

from scimform.audit import DEFAULT_AUDIT_LOG, ApplyRecord, read_log
from scimform.cli import options
from scimform.errors import AuditError


@click.group("audit")
def command() -> None:
    """Read and check the audit trail that `scimform apply` writes."""


@command.command("verify")
@options.DIRECTORY
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The audit log (default: {DEFAULT_AUDIT_LOG} under DIR).",
)
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
