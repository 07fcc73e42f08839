"""`scimform plan` for a config with several targets: each selected target planned against
its own store with its own token, scope, ownership and safety; one section per target;
the exit status rolled up (see engine.plan_set.rolled_up_exit).

A target that cannot be planned (its store unreachable, its token refused) does not stop
the others: its section says why, and the exit status is 1.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import click

from scimform.api import Session
from scimform.backends import target_label
from scimform.cli import options, token_state
from scimform.cli.destination import allowing_environ
from scimform.config.loader import LoadedConfig
from scimform.engine.plan import Plan
from scimform.engine.plan_set import PlanSet, rolled_up_exit, target_key
from scimform.errors import ScimformError
from scimform.render import words
from scimform.render.targets import Section, render_markdown_sections, render_text_sections
from scimform.render.text import render_summary, render_text


@dataclass(frozen=True)
class PlanRun:
    """How to plan each target: the options of `scimform plan` (and `apply`)."""

    changed_since: str | None
    parallelism: int
    rate_limit: float | None
    admin_key_file: Path | None

    def session(self, config: LoadedConfig, name: str, environ: dict[str, str]) -> Session:
        """A session on target `name` (`config` is its part of the config)."""
        return Session(
            config,
            environ=environ,
            rate_limit=self.rate_limit,
            parallelism=self.parallelism,
            admin_key_file=self.admin_key_file,
            plan_key=target_key(options.plan_key(os.environ), name),
            changed_since=self.changed_since,
            target_name=name,
        )


def announce(loaded: LoadedConfig, name: str, environ: dict[str, str]) -> tuple[LoadedConfig, str]:
    """Target `name`'s part of the config and its label, said on stderr as it is read."""
    config = loaded.for_target(name)
    label = target_label(config.settings.target.url, config.root, environ)
    click.echo(f"Reading the live state of target {name} from {label} ...", err=True)
    return config, label


def plan_targets(loaded: LoadedConfig, names: tuple[str, ...], run: PlanRun) -> list[Section]:
    """Each target's section, planned one after the other (each with its own session)."""
    environ = allowing_environ()
    sections = []
    for name in names:
        config, label = announce(loaded, name, environ)
        try:
            plan = _plan_one(config, name, environ, run)
        except ScimformError as exc:
            click.echo(f"Error (target {name}): {exc}", err=True)
            sections.append(Section(name, label, error=str(exc)))
        else:
            sections.append(Section(name, label, plan))
    return sections


def _plan_one(config: LoadedConfig, name: str, environ: dict[str, str], run: PlanRun) -> Plan:
    with run.session(config, name, environ) as session:
        plan = session.plan()
        click.echo(
            f"Read the live state of target {name} in {session.backend.requests} requests.",
            err=True,
        )
    return plan


def plan_set(sections: list[Section]) -> PlanSet:
    """The document `--json` prints and `--out` saves."""
    return PlanSet(
        targets={s.name: s.plan for s in sections if s.plan is not None},
        errors={s.name: s.error or "" for s in sections if s.plan is None},
    )


def render_sections(sections: list[Section], output: str, summary: bool, color: bool) -> str:
    """The plans in `output` (text, json or markdown), one section per target."""
    if output == "json":
        _unsafe_to_stderr(sections)
        return plan_set(sections).to_json()
    if output == "markdown":
        _unsafe_to_stderr(sections)
        return render_markdown_sections(sections)
    if summary:
        return render_text_sections(sections, lambda p: render_summary(p, color=color))
    return render_text_sections(sections, lambda p: render_text(p, color=color))


def _unsafe_to_stderr(sections: list[Section]) -> None:
    for section in sections:
        if section.plan is None:
            continue
        for line in words.unsafe(section.plan):
            click.echo(f"Target {section.name}: {line}", err=True)
        token_state.errors_to_stderr(section.plan.tokens)


def exit_code(sections: list[Section]) -> int:
    """The rolled-up exit status."""
    return rolled_up_exit(plan_set(sections))
