"""What a GitHub Actions runner tells a `scimform ci` step through its environment, and how
the step reports back (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`, annotations)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from scimform.ci import runner
from scimform.engine.plan import Plan
from scimform.engine.plan_set import PlanSet, is_plan_set
from scimform.errors import ScimformError

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
OUT = click.Path(dir_okay=False, path_type=Path)
AUTHOR_HELP = "Only comments and issues by this account count (the token the workflow posts with)."


@dataclass(frozen=True)
class Runner:
    """What a GitHub Actions runner tells a step through its environment."""

    output: Path | None
    summary: Path | None
    run_url: str | None
    run_id: str
    commit: str
    event: Path | None
    actions: bool

    @classmethod
    def of(cls, environ: Mapping[str, str]) -> Runner:
        def path(name: str) -> Path | None:
            return Path(environ[name]) if environ.get(name) else None

        parts = [environ.get(n, "") for n in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY")]
        run_id = environ.get("GITHUB_RUN_ID", "")
        run_url = f"{parts[0]}/{parts[1]}/actions/runs/{run_id}" if all(parts) and run_id else None
        return cls(
            output=path("GITHUB_OUTPUT"),
            summary=path("GITHUB_STEP_SUMMARY"),
            run_url=run_url,
            run_id=run_id or "0",
            commit=environ.get("GITHUB_SHA", "") or "unknown",
            event=path("GITHUB_EVENT_PATH"),
            actions=environ.get("GITHUB_ACTIONS") == "true",
        )

    def report(self, outputs: Mapping[str, str], summary: str | None = None) -> None:
        if self.output is not None:
            runner.write_outputs(self.output, outputs)
        if self.summary is not None and summary:
            runner.append_summary(self.summary, summary)

    def annotate(self, level: str, title: str, message: str) -> None:
        """A workflow command GitHub shows as an annotation (stderr outside Actions)."""
        if not self.actions:
            click.echo(f"{level}: {message}", err=True)
            return
        click.echo(f"::{level} title={escape(title, True)}::{escape(message, False)}")

    def pull_request(self) -> int | None:
        """The pull request the event is about, or None."""
        return runner.pull_request_number(self.event) if self.event is not None else None


def escape(text: str, property_value: bool) -> str:
    """`text` as a workflow command's data or property value."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def load_plans(path: Path) -> Plan | PlanSet:
    """The plan, or the document of several targets' plans, saved at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScimformError(f"cannot read the plan {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if is_plan_set(data):
        return PlanSet.from_json(data, source=str(path))
    return Plan.from_json(text, source=str(path))


def load_plan(path: Path) -> Plan:
    """The plan `scimform plan --out` saved at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScimformError(f"cannot read the plan {path}: {exc.strerror or exc}") from None
    return Plan.from_json(text, source=str(path))


def longest_backticks(text: str) -> int:
    """The longest run of backticks in `text` (a fence must be longer)."""
    run = best = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        best = max(best, run)
    return best
