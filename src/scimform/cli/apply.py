"""`scimform apply`: plan (or read a saved plan), show it, ask, apply, and report every
step's outcome. Every gate (stale or edited plans, safety, the audit trail, the token
steps) is the engine's (scimform.api.Session); this command shows, asks and exits.

Exit status: 0 when every change was made (or there was nothing to do), 1 when a change
or a token operation failed, the apply was stopped or cancelled, the saved plan is stale
or edited, the token check has errors, or the audit trail could not be written, and 3
when the plan exceeds the safety thresholds and --force was not given.
"""

from __future__ import annotations

import getpass
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
from pydantic import TypeAdapter, ValidationError

from scimform.api import ApplyOutcome, Session
from scimform.audit import DEFAULT_AUDIT_LOG, PullRequest, actor_of
from scimform.backends.target import LOCAL, local_path
from scimform.cli import apply_audit, options, token_state
from scimform.cli.apply_report import echo_result, progress_for
from scimform.cli.apply_targets import names_to_apply, open_runs, read_plan_set, show
from scimform.cli.destination import ALLOW_HOST_OPTION
from scimform.cli.plan import load_valid, open_session, read_plan, use_colour
from scimform.cli.plan_targets import PlanRun
from scimform.config.loader import LoadedConfig
from scimform.config.targets import select
from scimform.engine.order import apply_order
from scimform.engine.plan import Plan
from scimform.engine.safety import SafetyVerdict
from scimform.errors import (
    ApplyError,
    Cancelled,
    ScimformError,
    TokenRefused,
    UnsafePlanError,
    first_problem,
)
from scimform.render.text import render_text
from scimform.tokens.sinks import Sink, parse_sink

_PULLS: TypeAdapter[tuple[PullRequest, ...]] = TypeAdapter(tuple[PullRequest, ...])
# The GitHub Actions context an apply's audit record carries, when set.
_CONTEXT_VARIABLES = ("GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_SHA", "GITHUB_REF")


@click.command("apply")
@options.DIRECTORY
@click.option("--auto-approve", is_flag=True, help="Apply without asking for `yes`.")
@click.option("--force", is_flag=True, help="Apply a plan that exceeds the safety thresholds.")
@options.PARALLELISM
@options.RATE_LIMIT
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Apply this saved plan (from `scimform plan --out`) instead of planning anew; a "
    "saved plan is applied without asking, as it was reviewed.",
)
@options.ADMIN_KEY
@ALLOW_HOST_OPTION
@options.CHANGED_SINCE
@options.TARGET
@click.option(
    "--token-sink",
    "sink_spec",
    metavar="SINK",
    help="Run a due token rotation, handing the new token to file:PATH (mode 0600) or "
    "'command:CMD' (on its stdin, never in argv).",
)
@click.option(
    "--pull-requests",
    "pulls_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON list of the pull requests this apply carries out ({number, url, title, "
    "author, merged_by, merged_at, approvers}), recorded in the audit trail.",
)
@click.option(
    "--audit-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Write this apply's record here (default: {DEFAULT_AUDIT_LOG} under DIR). "
    "An apply with no changes writes no record.",
)
def command(
    directory: Path,
    auto_approve: bool,
    force: bool,
    parallelism: int,
    rate_limit: float | None,
    plan_file: Path | None,
    admin_key_file: Path | None,
    changed_since: str | None,
    targets: tuple[str, ...],
    sink_spec: str | None,
    pulls_file: Path | None,
    audit_log: Path | None,
) -> None:
    """Make the live store match the config in DIR (default: the current directory).

    Reads the live store, shows the plan and asks for `yes` (unless --auto-approve), then
    makes the changes: users created, groups created and renamed, members added, users
    updated, members removed, groups and users deleted. A change the store refuses does
    not stop the others; what depends on it is skipped, and running apply again
    converges. Ctrl-C or SIGTERM stops starting new requests, waits for those in flight
    and reports what was done.

    Then the token changes (on local:, or scimform serve with --admin-key-file): tokens
    not declared are deleted (never one used in the last minutes, never every token), and
    a due rotation runs when --token-sink says where the new token goes.

    With --plan FILE, the saved plan is applied only if it was not edited (its counts and
    safety verdict are judged again; with SCIMFORM_PLAN_KEY set it must be signed with
    that key) and the live store is exactly as it was when the plan was made. A saved
    targeted plan (from `plan --changed-since`) is checked against the same part of the
    store, read again.

    Every apply that has changes writes its record to the audit log (--audit-log) as it
    goes, before each change: time, actor, config commit, target, plan hash, each step's
    outcome, SCIM id and members, and the token operations; never a token.

    With several targets (`targets:` in scimform.yaml), each target (or each --target
    NAME) is planned and judged against its own store with its own token before anything
    changes; the plans are shown one section each and approved once; then the targets are
    applied in scimform.yaml's order, each recorded in the audit log under its name, and a
    target whose apply fails stops the targets after it. A saved document (`plan --out`)
    applies only to the targets it holds a plan for.

    Exit status: 0 all done (or no changes), 1 a change failed or nothing was applied,
    3 the plan is unsafe (see `safety:`; --force overrides; with several targets, any
    unsafe target stops them all).
    """
    loaded = load_valid(directory)
    select(loaded.target_names, targets)
    sink = parse_sink(sink_spec) if sink_spec is not None else None
    pulls = read_pull_requests(pulls_file) if pulls_file is not None else ()
    if loaded.several_targets:
        several = _Several(force, auto_approve, sink, audit_log, pulls)
        how_to_plan = PlanRun(changed_since, parallelism, rate_limit, admin_key_file)
        _apply_several(loaded, targets, plan_file, how_to_plan, several)
        return
    store = _new_store(loaded.settings.target.url, loaded.root)
    try:
        session = open_session(loaded, rate_limit, parallelism, admin_key_file, changed_since)
    except TokenRefused as exc:
        raise TokenRefused(f"{exc}; nothing was applied") from None
    with session:
        plan = read_plan(plan_file) if plan_file is not None else session.plan()
        verdict = session.check(plan, force=True, source=str(plan_file or "the plan"))
        shown = plan.model_copy(update={"safety": verdict})
        click.echo(render_text(shown, color=use_colour(), forced=force), nl=False)
        if not plan.has_changes:
            _exit_on_token_errors(len(plan.tokens.errors))
            return
        _check_safe(verdict, force)
        if not auto_approve and plan_file is None:
            _ask()
        outcome = _apply(session, plan, force, sink, audit_log, pulls)
    if store is not None and store.exists():
        click.echo(
            f"Created the embedded store {store} (no access token: a local: target needs none; "
            "`scimform server enable` makes one to serve it).",
            err=True,
        )
    _report(outcome, loaded.settings.target.token, sink)


@dataclass(frozen=True)
class _Several:
    force: bool
    auto_approve: bool
    sink: Sink | None
    audit_log: Path | None
    pulls: tuple[PullRequest, ...]


def _apply_several(
    loaded: LoadedConfig,
    requested: tuple[str, ...],
    plan_file: Path | None,
    how_to_plan: PlanRun,
    how: _Several,
) -> None:
    """Every target judged first; then approved once, and applied target by target."""
    saved = read_plan_set(plan_file) if plan_file is not None else None
    names = names_to_apply(loaded, requested, saved)
    with ExitStack() as stack:
        runs = open_runs(stack, loaded, names, saved, str(plan_file or "the plan"), how_to_plan)
        show(runs, use_colour(), how.force)
        changing = [r for r in runs if r.plan.has_changes]
        if not changing:
            _exit_on_token_errors(sum(len(r.plan.tokens.errors) for r in runs))
            return
        unsafe = [r for r in changing if not r.verdict.safe]
        for run in unsafe:
            click.echo(f"Target {run.name}: the plan exceeds the safety thresholds.")
        _check_safe(SafetyVerdict(safe=not unsafe), how.force)
        if not how.auto_approve and plan_file is None:
            _ask()
        for index, run in enumerate(changing):
            click.echo(f"Applying target {run.name} ...", err=True)
            outcome = _apply(run.session, run.plan, how.force, how.sink, how.audit_log, how.pulls)
            try:
                _report(outcome, run.session.config.settings.target.token, how.sink)
            except ScimformError:
                left = ", ".join(r.name for r in changing[index + 1 :])
                if left:
                    click.echo(f"Target {run.name} failed, so {left} was not applied.", err=True)
                raise
    _exit_on_token_errors(sum(len(r.plan.tokens.errors) for r in runs if not r.plan.has_changes))


def _new_store(url: str, root: Path) -> Path | None:
    """The embedded store a `local:` target names, when it does not exist yet."""
    if not url.startswith(LOCAL):
        return None
    path = local_path(url, root)
    return None if path.exists() else path


def read_pull_requests(path: Path) -> tuple[PullRequest, ...]:
    """The pull requests in the JSON list at `path`; a file that is not such a list is
    one clear error naming it."""
    try:
        return _PULLS.validate_json(path.read_bytes())
    except OSError as exc:
        raise ScimformError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValidationError as exc:
        raise ScimformError(
            f"{path} is not a list of pull requests ({first_problem(exc)}); see "
            "`scimform apply --help`"
        ) from None


def _check_safe(verdict: SafetyVerdict, force: bool) -> None:
    if verdict.safe:
        return
    if force:
        click.echo("The plan exceeds the safety thresholds; applying it anyway (--force).")
        return
    click.echo("Apply refused: the plan exceeds the safety thresholds above; nothing was changed.")
    raise UnsafePlanError("the plan is unsafe").already_reported()


def _ask() -> None:
    click.echo("Do you want to make these changes? Only `yes` will be accepted to approve.")
    try:
        answer = click.prompt("  Enter a value", default="", show_default=False)
    except click.Abort:
        answer = ""
    if answer.strip() != "yes":
        click.echo("Apply cancelled; nothing was changed.")
        raise Cancelled("the apply was cancelled").already_reported()


def _apply(
    session: Session,
    plan: Plan,
    force: bool,
    sink: Sink | None,
    audit_log: Path | None,
    pulls: tuple[PullRequest, ...],
) -> ApplyOutcome:
    terminal = sys.stdout.isatty()
    steps = len(apply_order(plan.changes))
    progress = progress_for(steps, terminal, session.backend.pacing)
    try:
        with _interruptible() as stop:
            return session.apply(
                plan,
                force=force,
                hooks=progress.hooks(),
                should_stop=stop.is_set,
                audit_log=audit_log,
                actor=actor_of(os.environ.get("GITHUB_ACTOR"), _os_user()),
                context={k: os.environ[k] for k in _CONTEXT_VARIABLES if os.environ.get(k)},
                pull_requests=pulls,
                token_sink=sink,
            )
    finally:
        progress.close()


def _report(outcome: ApplyOutcome, reference: str | None, sink: Sink | None) -> None:
    result = outcome.result
    if result.steps:
        echo_result(result, sys.stdout.isatty())
    apply_audit.echo_tokens(outcome.tokens)
    if outcome.client_not_switched and sink is not None:
        token_state.warn_not_switched(reference, sink.label)
    if outcome.audit_log is not None:
        click.echo(f"Recorded this apply in the audit log {outcome.audit_log}.", err=True)
    _exit_on_token_errors(len(outcome.token_errors))
    if not outcome.succeeded:
        raise ApplyError("the apply did not make every change").already_reported()


def _exit_on_token_errors(count: int) -> None:
    if count:
        click.echo(
            f"The token check found {count} error(s), above; fix them as they say.", err=True
        )
        raise ApplyError("the token check found errors").already_reported()


@contextmanager
def _interruptible() -> Iterator[threading.Event]:
    """An event Ctrl-C or SIGTERM sets (the first time; a second one interrupts at once).
    CI cancellations and timeouts send SIGTERM: the apply stops as after Ctrl-C, and its
    audit record is closed."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def interrupted(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        click.echo(
            "\nStopping: no new requests are started; waiting for those in flight.", err=True
        )

    previous = {sig: signal.signal(sig, interrupted) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return None
