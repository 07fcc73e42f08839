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
from collections.abc import Mapping
from pathlib import Path

import click

from scimform.backends import ScimBackend, open_backend, target_label
from scimform.cli import token_state
from scimform.cli.destination import ALLOW_HOST_OPTION, allowing_environ
from scimform.cli.validate import text_report
from scimform.config.loader import LoadedConfig, load_config
from scimform.diagnostics import Severity
from scimform.engine.plan import Plan, make_plan
from scimform.engine.read import read_live
from scimform.engine.token_plan import TokenPlan
from scimform.errors import LiveReadError, ScimformError
from scimform.render import words
from scimform.render.json import render_json
from scimform.render.markdown import render_markdown
from scimform.render.text import render_summary, render_text

EXIT_NO_CHANGES = 0
EXIT_CHANGES = 2
EXIT_UNSAFE = 3


# Shared with apply: both read the live store, and apply writes to it.
RATE_LIMIT_OPTION = click.option(
    "--rate-limit",
    type=click.FloatRange(min=0, min_open=True),
    help="Send at most this many requests per second (default: as fast as the store allows, "
    "backing off when it answers 429).",
)


class _PlanUsageError(click.UsageError):
    exit_code = 1


class _PlanCommand(click.Command):
    """A usage error (an unknown option, a bad value) exits 1, not click's 2: for plan, 2
    means "changes", and CI must not take a typo for a plan."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _PlanUsageError(exc.format_message(), exc.ctx) from None


@click.command("plan", cls=_PlanCommand)
@click.argument(
    "directory", default=".", type=click.Path(file_okay=False, dir_okay=True, path_type=Path)
)
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
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="How many reads of the live store may run at once.",
)
@RATE_LIMIT_OPTION
@token_state.ADMIN_KEY_OPTION
@ALLOW_HOST_OPTION
def command(
    directory: Path,
    output: str,
    as_json: bool,
    summary: bool,
    out: Path | None,
    concurrency: int,
    rate_limit: float | None,
    admin_key_file: Path | None,
) -> None:
    """Show what `scimform apply` would change in the live store for the config in
    DIRECTORY (default: the current directory).

    Token state is checked too: the token in use must authenticate; with `tokens:`
    declared, a token near expiry is a warning, an expired one an error, and on targets
    with a token API (local:, or scimform serve with --admin-key-file) undeclared tokens
    and a due rotation are part of the plan. On AWS, a due rotation's console steps are
    printed.

    Exit status: 0 no changes, 2 changes, 3 changes beyond the safety thresholds (apply
    them with `scimform apply --force`), 1 an error (token errors included).
    """
    loaded = load_valid(directory)
    settings = loaded.settings
    environ = allowing_environ()
    label = target_label(settings.target.url, loaded.root, environ)
    click.echo(f"Reading the live state from {label} ...", err=True)
    token_state.verify_token(loaded, environ)
    backend = open_target(loaded, environ, rate_limit=rate_limit)
    try:
        tokens = _token_plan(loaded, admin_key_file)
        plan = plan_against(loaded, backend, concurrency=concurrency, tokens=tokens)
        requests = backend.requests
    finally:
        backend.close()
    click.echo(f"Read the live state in {requests} requests.", err=True)
    if out is not None:
        save_plan(plan, out)
    click.echo(_render(plan, "json" if as_json else output, summary), nl=False)
    if out is not None:
        click.echo(
            f"Saved the plan to {out}; apply it with `scimform apply --plan {out}`.", err=True
        )
    raise click.exceptions.Exit(exit_code(plan))


def load_valid(directory: Path) -> LoadedConfig:
    """The loaded config; with errors, prints every diagnostic to stderr and exits 1.
    Warnings are printed too, and do not stop the plan."""
    loaded = load_config(directory)
    diagnostics = loaded.diagnostics
    if diagnostics.count(Severity.ERROR) or diagnostics.count(Severity.WARNING):
        click.echo(text_report(loaded), nl=False, err=True)
    if diagnostics.has_errors:
        raise click.exceptions.Exit(1)
    return loaded


def open_target(
    loaded: LoadedConfig, environ: Mapping[str, str], *, rate_limit: float | None = None
) -> ScimBackend:
    """The backend for the config's target, sending at most `rate_limit` requests per
    second when given (TargetError when the target is unusable)."""
    target = loaded.settings.target
    return open_backend(
        target.url, target.token, loaded.root, environ=environ, rate_limit=rate_limit
    )


def _token_plan(loaded: LoadedConfig, admin_key_file: Path | None) -> TokenPlan:
    api = token_state.open_api(loaded, admin_key_file)
    try:
        return token_state.token_plan(loaded, api)
    finally:
        if api is not None:
            api.close()


def plan_against(
    loaded: LoadedConfig,
    backend: ScimBackend,
    *,
    concurrency: int = 8,
    tokens: TokenPlan | None = None,
) -> Plan:
    """Read the live state through `backend` and plan the config against it, with the
    token part `tokens` when it was checked; a failed read is a LiveReadError that says no
    plan was made."""
    settings = loaded.settings
    try:
        live = read_live(backend, loaded.desired, concurrency=concurrency)
    except LiveReadError as exc:
        raise LiveReadError(f"could not read the live store, so no plan was made: {exc}") from None
    return make_plan(loaded.desired, live, settings.ownership, settings.safety, tokens)


def save_plan(plan: Plan, path: Path) -> None:
    """Write the plan's JSON to `path`."""
    try:
        path.write_text(plan.to_json(), encoding="utf-8")
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
    return Plan.from_json(text, source=str(path))


def exit_code(plan: Plan) -> int:
    """0 no changes, 2 changes, 3 unsafe changes; 1 when the token check found errors."""
    if plan.tokens.has_errors:
        return 1
    if not plan.has_changes:
        return EXIT_NO_CHANGES
    return EXIT_CHANGES if plan.safety.safe else EXIT_UNSAFE


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
