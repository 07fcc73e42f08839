"""What `scimform apply` shows while and after it applies: progress, then the result table.

On a terminal, progress is a rich progress bar and the result a rich table. Elsewhere (CI
logs, pipes) progress is a plain line every tenth of the way or every ten seconds, and the
result a plain aligned table, so that logs stay readable and greppable. While the store
throttles, progress shows the request rate learned from it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scimform.engine.apply import ApplyHooks
from scimform.engine.result import ApplyResult, Outcome, StepResult

# Above this many steps the table lists only the steps that did not succeed.
FULL_TABLE_MAX = 50
PLAIN_INTERVAL_S = 10.0
# Smaller applies end before a progress line would tell anyone anything.
PLAIN_MIN_STEPS = 20
_STYLES = {
    Outcome.DONE: "green",
    Outcome.ADOPTED: "cyan",
    Outcome.FAILED: "bold red",
    Outcome.SKIPPED: "yellow",
    Outcome.NOT_STARTED: "yellow",
}
_COLUMNS = ("object", "action", "outcome", "id", "detail")
# The learned request rate while the store throttles, else None.
Pacing = Callable[[], float | None]


def _throttled(pacing: Pacing | None) -> str:
    rate = pacing() if pacing is not None else None
    return "" if rate is None else f" (throttled by the store: {rate:.1f} requests/s)"


class PlainProgress:
    """Progress as plain lines: at every tenth of the steps and at least every ten seconds."""

    def __init__(
        self,
        total: int,
        clock: Callable[[], float] = time.monotonic,
        pacing: Pacing | None = None,
    ) -> None:
        self.total = total
        self._pacing = pacing
        self.ended = 0
        self.failed = 0
        self._clock = clock
        self._last = clock()

    def hooks(self) -> ApplyHooks:
        """The hooks to give apply_plan."""
        return ApplyHooks(finished=self.finished)

    def finished(self, result: StepResult) -> None:
        """Count a step that ended, and say so when a line is due. Steps an interrupted
        apply never started are not counted: they were not applied."""
        if result.outcome is Outcome.NOT_STARTED:
            return
        self.ended += 1
        self.failed += result.outcome is Outcome.FAILED
        now = self._clock()
        tenths = 10 * self.ended // self.total
        due = tenths != 10 * (self.ended - 1) // self.total and self.total >= PLAIN_MIN_STEPS
        if due or now - self._last >= PLAIN_INTERVAL_S:
            self._last = now
            failed = f", {self.failed} failed" if self.failed else ""
            throttled = _throttled(self._pacing)
            click.echo(f"Applied {self.ended} of {self.total} steps{failed}{throttled}.", err=True)

    def close(self) -> None:
        """Nothing to take down."""


class BarProgress:
    """Progress as a rich progress bar on the terminal (stderr)."""

    def __init__(self, total: int, pacing: Pacing | None = None) -> None:
        self._pacing = pacing
        self._progress = Progress(
            TextColumn("Applying"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}"),
            TextColumn("{task.fields[throttled]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("apply", total=total, failed="", throttled="")
        self._failed = 0
        self._progress.start()

    def hooks(self) -> ApplyHooks:
        """The hooks to give apply_plan."""
        return ApplyHooks(finished=self.finished)

    def finished(self, result: StepResult) -> None:
        """Advance the bar by one ended step (not for a step that never started)."""
        if result.outcome is Outcome.NOT_STARTED:
            return
        self._failed += result.outcome is Outcome.FAILED
        failed = f"[red]{self._failed} failed" if self._failed else ""
        throttled = _throttled(self._pacing).strip()
        self._progress.update(self._task, advance=1, failed=failed, throttled=throttled)

    def close(self) -> None:
        """Take the bar down (it is transient: the result table follows)."""
        self._progress.stop()


def progress_for(
    total: int, terminal: bool, pacing: Pacing | None = None
) -> PlainProgress | BarProgress:
    """A progress bar on a terminal, plain lines elsewhere; `pacing` gives the learned rate
    while the store throttles."""
    return BarProgress(total, pacing) if terminal else PlainProgress(total, pacing=pacing)


def shown_rows(result: ApplyResult) -> list[StepResult]:
    """The steps the table lists: all of them for a small apply, else the unsuccessful."""
    if len(result.steps) <= FULL_TABLE_MAX:
        return list(result.steps)
    return result.unsuccessful()


def cells(row: StepResult) -> tuple[str, str, str, str, str]:
    """A step's table cells."""
    what = f'{row.kind.value} "{row.key}"'
    action = row.action.value.replace("_", " ")
    if row.members:
        action += f" ({row.members})"
    return (what, action, row.outcome.value, row.id or "", row.detail or "")


def plain_table(rows: list[StepResult]) -> str:
    """The rows as plain text in aligned columns, with a header."""
    table = [_COLUMNS, *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
        + "  "
        + line[-1]
        for line in table
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def rich_table(rows: list[StepResult]) -> Table:
    """The rows as a rich table, outcomes coloured; the detail column only when a row has
    one, and ids shortened (the full ids are in the plain table and the live store)."""
    with_detail = any(r.detail for r in rows)
    table = Table(title="Apply result", title_justify="left")
    table.add_column("object", overflow="fold")
    table.add_column("action", no_wrap=True, min_width=len("remove members (100)"))
    table.add_column("outcome", no_wrap=True)
    table.add_column("id", no_wrap=True, max_width=12, overflow="ellipsis")
    if with_detail:
        table.add_column("detail", overflow="fold")
    for row in rows:
        what, action, outcome, id, detail = cells(row)
        coloured = f"[{_STYLES[row.outcome]}]{outcome}"
        table.add_row(what, action, coloured, id, *([detail] if with_detail else []))
    return table


def summary(result: ApplyResult) -> str:
    """One line: how the apply ended, with the counts of each outcome."""
    counts = result.counts()
    parts = [f"{counts[o]} {o.value}" for o in Outcome if counts[o]]
    counted = ", ".join(parts) if parts else "nothing to do"
    if result.succeeded:
        return f"Apply complete: {counted}."
    if result.stop_reason:
        head = f"Apply stopped ({result.stop_reason})"
    else:
        head = "Apply stopped" if result.stopped else "Apply finished with failures"
    return (
        f"{head}: {counted}. Run `scimform apply` again to retry what did not succeed; "
        "it plans from the live store, so it picks up where this one ended."
    )


def echo_result(result: ApplyResult, terminal: bool) -> None:
    """The result table (when there is a row to show) and the summary line."""
    rows = shown_rows(result)
    click.echo()
    if rows and terminal:
        Console().print(rich_table(rows))
    elif rows:
        click.echo(plain_table(rows), nl=False)
    if len(rows) < len(result.steps):
        click.echo(f"({len(result.steps) - len(rows)} steps that succeeded are not listed.)")
    click.echo(summary(result))
