"""`scimform review`: the quarterly access review pack.

Writes under --out: members-start.csv and members-end.csv (every group's members at the
start and at the end of the period), groups.csv (each group's members at both ends, who
joined and who left; a rename is not a change of members), changes.csv (every change that
landed in it, with its pull request, author, approvers, apply time and outcome), flags.csv
(the flagged changes),
applies.csv (every apply run in the period, one row per step), drift.csv (the drift
incidents of the period, when a drift log is given or found beside the audit log) and
review.html, one self-contained page holding all of it, fit to print.

Exit status: 0 when the pack was written, 1 for an error.
"""

from __future__ import annotations

from pathlib import Path

import click

from scimform.cli import options
from scimform.review.files import PAGE, write_pack
from scimform.review.pack import build_pack
from scimform.review.sources import audit_log, audit_path, drift_log, drift_path


@click.command("review")
@options.DIRECTORY
@click.option("--from", "since", required=True, metavar="DATE", help="First day (UTC).")
@click.option("--to", "until", required=True, metavar="DATE", help="Last day (UTC).")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The directory to write the pack to (made if needed).",
)
@options.AUDIT_LOG
@click.option(
    "--drift",
    "drift_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The drift log (drift.jsonl from the audit-log branch; default: drift.jsonl beside "
    "the audit log, when it exists).",
)
def command(
    directory: Path,
    since: str,
    until: str,
    out: Path,
    audit_log_path: Path | None,
    drift_file: Path | None,
) -> None:
    """Write the access review pack for the period --from to --to: every group's members
    at the start and the end, every change that landed between (with pull request,
    author, approvers, apply time and outcome, joined from the audit trail), the flags
    (self-granted, direct push, applied without review), and the drift incidents from the
    drift log, as CSV files and one HTML page."""
    path = audit_path(directory, audit_log_path)
    drifted = drift_path(path, drift_file)
    seen = drift_log(drifted)
    drift = None if seen is None or drifted is None else (seen, drifted)
    pack = build_pack(directory, since, until, audit_log(directory, audit_log_path), path, drift)
    written = write_pack(pack, out)
    incidents = "" if pack.drift is None else f", {len(pack.drift)} drift incidents"
    click.echo(
        f"Wrote {out / PAGE} and {len(written) - 1} CSV files: {len(pack.changes)} changes, "
        f"{len(pack.flagged)} flagged, {len(pack.applies)} applies{incidents}."
    )
    if path is None:
        click.echo("note: no audit log: approvals and apply times are not in the pack", err=True)
    elif pack.trail is not None and not pack.trail.intact:
        click.echo(f"warning: the audit log {path} was changed after it was written", err=True)
