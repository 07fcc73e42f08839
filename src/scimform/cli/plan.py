"""`scimform plan`: what apply would change in the live store, and why.

Loads the config, reads the live state from the target, makes the plan and renders it.
Exit status, as `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 3 changes
beyond the safety thresholds (apply needs --force), 1 an error (the config has errors, the
target cannot be reached or read, the token is refused, or the token check found an
error such as an expired token). The rendered plan goes to stdout; progress, target
details and diagnostics go to stderr, so that `--json` output can be piped as it is.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from scimform.api import Session
from scimform.backends import target_label
from scimform.cli import options, token_state
from scimform.cli.destination import ALLOW_HOST_OPTION, allowing_environ
from scimform.cli.plan_targets import PlanRun, plan_set, plan_targets, render_sections
from scimform.cli.plan_targets import exit_code as plans_exit
from scimform.cli.validate import text_report
from scimform.config.loader import LoadedConfig, load_config
from scimform.config.targets import select
from scimform.diagnostics import Severity
from scimform.engine.plan import Plan
from scimform.errors import ConfigError, ScimformError, UnsafePlanError
from scimform.render import words
from scimform.render.json import render_json
from scimform.render.markdown import render_markdown
from scimform.render.text import render_summary, render_text

EXIT_NO_CHANGES = 0
EXIT_CHANGES = 2


@click.command("plan")
@options.DIRECTORY
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, json for tools, markdown for pull request comments.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--summary", is_flag=True, help="One line per changed object (text format).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also save the plan as JSON to this file, for `scimform apply --plan`.",
)
@options.TARGET
@options.CHANGED_SINCE
@options.PARALLELISM
@options.RATE_LIMIT
@options.ADMIN_KEY
@ALLOW_HOST_OPTION
def command(
    directory: Path,
    output: str,
    as_json: bool,
    summary: bool,
    out: Path | None,
    targets: tuple[str, ...],
    changed_since: str | None,
    parallelism: int,
    rate_limit: float | None,
    admin_key_file: Path | None,
) -> None:
    """Show what `scimform apply` would change in the live store for the config in DIR
    (default: the current directory).

    Token state is checked too: the token in use must authenticate; with `tokens:`
    declared, a token near expiry is a warning, an expired one an error, and on targets
    with a token API (local:, or scimform serve with --admin-key-file) undeclared tokens
    and a due rotation are part of the plan. On AWS, a due rotation's console steps are
    printed. With SCIMFORM_PLAN_KEY set, a saved plan is signed with it.

    Exit status: 0 no changes, 2 changes, 3 changes beyond the safety thresholds (apply
    them with `scimform apply --force`), 1 an error (token errors included).

    With --changed-since REV the plan is targeted: only the users and groups that changed
    since REV (and the groups and members they touch) are read and compared, and the plan
    says so; the rest of the store is not read.

    With several targets (`targets:` in scimform.yaml), each target (or each --target
    NAME) is planned against its own store with its own token, scope, ownership and
    safety, and shown in a section of its own; --json and --out write one document
    holding each target's plan. The exit status rolls up: 1 if any target could not be
    planned (or has a token error), else 3 if any is unsafe, else 2 if any has changes,
    else 0.
    """
    loaded = load_valid(directory)
    names = select(loaded.target_names, targets)
    if loaded.several_targets:
        run = PlanRun(changed_since, parallelism, rate_limit, admin_key_file)
        raise click.exceptions.Exit(
            _plan_several(loaded, names, run, output, as_json, summary, out)
        )
    with open_session(loaded, rate_limit, parallelism, admin_key_file, changed_since) as session:
        plan = session.plan()
        requests = session.backend.requests
    if changed_since is not None and plan.targeted is None:
        click.echo(
            f"This is a full plan: the change since {changed_since} changes `ownership:`, or "
            "touches so much of the config that reading the whole live store costs fewer "
            "requests.",
            err=True,
        )
    click.echo(f"Read the live state in {requests} requests.", err=True)
    if out is not None:
        save_plan(plan, out)
    click.echo(_render(plan, "json" if as_json else output, summary), nl=False)
    if out is not None:
        click.echo(
            f"Saved the plan to {out}; apply it with `scimform apply --plan {out}`.", err=True
        )
    raise click.exceptions.Exit(exit_code(plan))


def _plan_several(
    loaded: LoadedConfig,
    names: tuple[str, ...],
    run: PlanRun,
    output: str,
    as_json: bool,
    summary: bool,
    out: Path | None,
) -> int:
    sections = plan_targets(loaded, names, run)
    if out is not None:
        save_text(plan_set(sections).to_json(), out)
    output = "json" if as_json else output
    click.echo(render_sections(sections, output, summary, use_colour()), nl=False)
    if out is not None:
        click.echo(
            f"Saved the plans to {out}; apply them with `scimform apply --plan {out}`.", err=True
        )
    return plans_exit(sections)


def load_valid(directory: Path) -> LoadedConfig:
    """The loaded config; with errors, prints every diagnostic to stderr and raises a
    ConfigError that was already reported. Warnings are printed too, and do not stop."""
    loaded = load_config(directory)
    diagnostics = loaded.diagnostics
    if diagnostics.count(Severity.ERROR) or diagnostics.count(Severity.WARNING):
        click.echo(text_report(loaded), nl=False, err=True)
    if diagnostics.has_errors:
        raise ConfigError("the config has errors", diagnostics).already_reported()
    return loaded


def open_session(
    loaded: LoadedConfig,
    rate_limit: float | None,
    parallelism: int,
    admin_key_file: Path | None,
    changed_since: str | None = None,
) -> Session:
    """A session against the config's target, the environment (with the hosts --allow-host
    names) passed in, after saying where it reads from (targeted with `changed_since`)."""
    environ = allowing_environ()
    label = target_label(loaded.settings.target.url, loaded.root, environ)
    click.echo(f"Reading the live state from {label} ...", err=True)
    return Session(
        loaded,
        environ=environ,
        rate_limit=rate_limit,
        parallelism=parallelism,
        admin_key_file=admin_key_file,
        plan_key=options.plan_key(os.environ),
        changed_since=changed_since,
    )


def save_plan(plan: Plan, path: Path) -> None:
    """Write the plan's JSON to `path`."""
    save_text(plan.to_json(), path)


def save_text(text: str, path: Path) -> None:
    """Write a saved plan's text to `path`."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ScimformError(f"cannot save the plan to {path}: {exc.strerror or exc}") from None


def read_plan(path: Path) -> Plan:
    """The plan saved at `path` by `save_plan`; a file that cannot be read or trusted is a
    ScimformError that names it."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScimformError(f"{path} is not a scimform plan: not UTF-8 text") from None
    except OSError as exc:
        raise ScimformError(f"cannot read the plan {path}: {exc.strerror or exc}") from None
    if '"format": "scimform-plans"' in text[:200]:
        raise ScimformError(
            f"{path} holds the plans of several targets, but this config has the single "
            "`target:`; make a new plan with `scimform plan --out`"
        )
    return Plan.from_json(text, source=str(path))


def exit_code(plan: Plan) -> int:
    """0 no changes, 2 changes, 3 unsafe changes; 1 when the token check found errors."""
    if plan.tokens.has_errors:
        return 1
    if not plan.has_changes:
        return EXIT_NO_CHANGES
    return EXIT_CHANGES if plan.safety.safe else UnsafePlanError.exit_code


def _render(plan: Plan, output: str, summary: bool) -> str:
    if output == "json":
        _unsafe_to_stderr(plan)
        return render_json(plan)
    if output == "markdown":
        _unsafe_to_stderr(plan)
        return render_markdown(plan)
    color = use_colour()
    return render_summary(plan, color=color) if summary else render_text(plan, color=color)


def _unsafe_to_stderr(plan: Plan) -> None:
    # The text rendering says this itself; for the machine formats it goes beside them.
    for line in words.unsafe(plan):
        click.echo(line, err=True)
    token_state.errors_to_stderr(plan.tokens)


def use_colour() -> bool:
    """Colour on a terminal, unless NO_COLOR is set."""
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()
