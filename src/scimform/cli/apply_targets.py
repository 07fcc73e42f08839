"""What `scimform apply` needs for a config with several targets: the saved plans it may
apply (only the targets a saved document holds), one session per target, each target's
plan judged by its own session, and the sections shown before anything changes.

Every target's session is opened, and every plan judged (stale, edited, unsafe), before
the first change anywhere: a refused token or a stale plan in one target changes nothing
in any.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import click

from scimform.api import Session
from scimform.cli.destination import allowing_environ
from scimform.cli.plan_targets import PlanRun, announce
from scimform.config.loader import LoadedConfig
from scimform.config.targets import select, unknown_target_message
from scimform.engine.plan import Plan
from scimform.engine.plan_set import PlanSet, is_plan_set
from scimform.engine.safety import SafetyVerdict
from scimform.errors import InvalidPlanError, ScimformError, UnknownTarget
from scimform.render.targets import Section, render_text_sections
from scimform.render.text import render_text


@dataclass(frozen=True)
class TargetRun:
    """One target of an apply: its session, the plan to apply and its verdict, now."""

    name: str
    label: str
    session: Session
    plan: Plan
    verdict: SafetyVerdict


def read_plan_set(path: Path) -> PlanSet:
    """The saved plans of several targets at `path`; a single target's plan (or anything
    else) is an error that says what to do."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidPlanError(f"cannot read the plan {path}: {exc}") from None
    if not is_plan_set(data):
        raise InvalidPlanError(
            f"{path} is the plan of a single target, but this config has several targets; "
            "make a new plan with `scimform plan --out`"
        )
    return PlanSet.from_json(data, source=str(path))


def names_to_apply(
    loaded: LoadedConfig, requested: tuple[str, ...], saved: PlanSet | None
) -> tuple[str, ...]:
    """The targets to apply: those asked for (default all), and, with a saved document,
    only targets it holds a plan for; asking for one it does not hold is an error."""
    names = select(loaded.target_names, requested)
    if saved is None:
        return names
    for name in saved.targets:
        if name not in loaded.target_names:
            raise UnknownTarget(unknown_target_message(name, loaded.target_names, "the config"))
    held = tuple(saved.targets)
    if requested:
        for name in names:
            if name not in saved.targets:
                why = (
                    f" (it could not be planned: {saved.errors[name]})"
                    if name in saved.errors
                    else ""
                )
                raise UnknownTarget(
                    f'the saved plan holds no plan for target "{name}"{why}; it holds: '
                    + (", ".join(held) or "(none)")
                    + ". Nothing was changed."
                )
        return names
    return tuple(n for n in names if n in saved.targets)


def open_runs(
    stack: ExitStack,
    loaded: LoadedConfig,
    names: tuple[str, ...],
    saved: PlanSet | None,
    source: str,
    run: PlanRun,
) -> list[TargetRun]:
    """A session per target (closed with `stack`), each target's plan (saved or made
    now) and its verdict judged again, every gate but safety passed."""
    environ = allowing_environ()
    runs = []
    for name in names:
        config, label = announce(loaded, name, environ)
        try:
            session = stack.enter_context(run.session(config, name, environ))
            plan = saved.targets[name] if saved is not None else session.plan()
            verdict = session.check(plan, force=True, source=f"{source} (target {name})")
        except ScimformError as exc:
            raise ScimformError(
                f"target {name}: {exc}; nothing was applied to any target"
            ) from None
        runs.append(TargetRun(name, label, session, plan, verdict))
    return runs


def show(runs: list[TargetRun], color: bool, forced: bool) -> None:
    """Each target's plan, as it will be judged, in a section of its own."""
    sections = [
        Section(r.name, r.label, r.plan.model_copy(update={"safety": r.verdict})) for r in runs
    ]
    click.echo(
        render_text_sections(sections, lambda p: render_text(p, color=color, forced=forced)),
        nl=False,
    )
