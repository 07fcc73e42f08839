"""`scimform apply`: plan, show the plan, ask, apply, and report every step's outcome.

Exit status: 0 when every change was made (or there was nothing to do), 1 when a change
or a token operation failed, the apply was stopped or cancelled, the saved plan is stale
or edited, the token check has errors, or the audit record could not be written, and 3
when the plan exceeds the safety thresholds and --force was not given.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from scimform.audit import DEFAULT_AUDIT_LOG
from scimform.backends import ScimBackend, target_label
from scimform.cli import apply_audit, token_state
from scimform.cli.apply_report import echo_result, progress_for
from scimform.cli.plan import (
    RATE_LIMIT_OPTION,
    load_valid,
    open_target,
    read_plan,
    use_colour,
)
from scimform.config.loader import LoadedConfig
from scimform.config.token_record import open_tokens_file
from scimform.engine.apply import apply_plan
from scimform.engine.order import apply_order
from scimform.engine.plan import Plan, make_plan
from scimform.engine.read import read_live
from scimform.engine.result import ApplyResult
from scimform.engine.token_plan import TokenPlan
from scimform.errors import LiveReadError, StalePlanError, TokenRefused
from scimform.model import LiveState
from scimform.render.text import render_text
from scimform.tokens.api import TokenApi
from scimform.tokens.apply import apply_tokens
from scimform.tokens.sinks import parse_sink

EXIT_UNSAFE = 3
_SHOWN_DIFFERENCES = 5


@click.command("apply")
@click.argument(
    "directory", default=".", type=click.Path(file_okay=False, path_type=Path), metavar="[DIR]"
)
@click.option("--auto-approve", is_flag=True, help="Apply without asking for `yes`.")
@click.option("--force", is_flag=True, help="Apply a plan that exceeds the safety thresholds.")
@click.option(
    "--parallelism",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Requests in flight at once.",
)
@RATE_LIMIT_OPTION
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Apply this saved plan (from `scimform plan --out`) instead of planning anew.",
)
@token_state.ADMIN_KEY_OPTION
@click.option(
    "--token-sink",
    "sink_spec",
    metavar="SINK",
    help="Run a due token rotation, handing the new token to file:PATH (mode 0600) or "
    "'command:CMD' (on its stdin, never in argv).",
)
@click.option(
    "--audit-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Append this apply's record here (default: {DEFAULT_AUDIT_LOG} under DIR). "
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
    sink_spec: str | None,
    audit_log: Path | None,
) -> None:
    """Make the live store match the config in DIR (default: the current directory).

    Reads the live store, shows the plan and asks for `yes` (unless --auto-approve), then
    makes the changes: users created, groups created and renamed, members added, users
    updated, members removed, groups and users deleted. A change the store refuses does
    not stop the others; what depends on it is skipped, and running apply again
    converges. Ctrl-C stops starting new requests and reports what was done.

    Then the token changes (on local:, or scimform serve with --admin-key-file): tokens
    not declared are deleted (never one used in the last minutes, never every token), and
    a due rotation runs when --token-sink says where the new token goes.

    With --plan FILE, the saved plan is applied only if the live store is exactly as it
    was when the plan was made.

    Every apply that has changes appends one record to the audit log (--audit-log):
    time, actor, config commit, target, plan hash, each change's outcome and SCIM id, and
    the token operations; never a token. An apply with no changes writes no record.

    Exit status: 0 all done (or no changes), 1 a change failed or nothing was applied,
    3 the plan is unsafe (see `safety:`; --force overrides).
    """
    loaded = load_valid(directory)
    target = loaded.settings.target
    sink = parse_sink(sink_spec) if sink_spec is not None else None
    audit_path = audit_log if audit_log is not None else loaded.root / DEFAULT_AUDIT_LOG
    click.echo(f"Reading the live state from {target_label(target.url, loaded.root)} ...", err=True)
    try:
        in_use = token_state.verify_token(loaded, os.environ)
    except TokenRefused as exc:
        raise TokenRefused(f"{exc}; nothing was applied") from None
    backend = open_target(loaded, os.environ, rate_limit=rate_limit)
    api: TokenApi | None = None
    try:
        api = token_state.open_api(loaded, admin_key_file)
        live = _read(backend, loaded)
        plan = _made_plan(loaded, live, plan_file, token_state.token_plan(loaded, api))
        terminal = sys.stdout.isatty()
        click.echo(render_text(plan, color=use_colour()), nl=False)
        if not plan.has_changes:
            token_state.exit_on_errors(plan.tokens, None)
            return
        _check_safe(plan, force)
        if not auto_approve:
            _ask()
        rotating = sink is not None and plan.tokens.rotation is not None
        # Parsed before anything changes, so that a broken file stops the apply here.
        tokens_file = open_tokens_file(loaded.root) if rotating else None
        result = _apply(plan, backend, live, parallelism, terminal)
        declared = loaded.desired.tokens
        done = apply_tokens(api, plan.tokens, declared, sink, tokens_file, stopped=result.stopped)
    finally:
        backend.close()
        if api is not None:
            api.close()
    if result.steps:
        echo_result(result, terminal)
    apply_audit.echo_tokens(done)
    if done.rotated and sink is not None:
        token_state.check_client_switched(loaded, sink.label)
    apply_audit.write_record(
        audit_path,
        result,
        done,
        plan_hash=plan.hash,
        target=target.url,
        config_root=loaded.root,
        secrets=[in_use] if in_use else [],
    )
    token_state.exit_on_errors(plan.tokens, done.rotated)
    if not result.succeeded or done.failed:
        sys.exit(1)


def _read(backend: ScimBackend, loaded: LoadedConfig) -> LiveState:
    try:
        return read_live(backend, loaded.desired)
    except LiveReadError as exc:
        raise LiveReadError(
            f"could not read the live store, so nothing was applied: {exc}"
        ) from None


def _made_plan(
    loaded: LoadedConfig, live: LiveState, plan_file: Path | None, tokens: TokenPlan
) -> Plan:
    settings = loaded.settings
    fresh = make_plan(loaded.desired, live, settings.ownership, settings.safety, tokens)
    if plan_file is None:
        return fresh
    saved = read_plan(plan_file)
    # The live tokens are not in the fingerprint: a plan made now must do the same to them.
    stale_tokens = saved.tokens.changes != fresh.tokens.changes
    if saved.created_from != live.fingerprint() or stale_tokens:
        raise StalePlanError(_stale_message(plan_file, saved, fresh))
    return saved


def _stale_message(plan_file: Path, saved: Plan, fresh: Plan) -> str:
    """Why a saved plan is refused, naming the objects a plan made now would treat
    differently (the cheap way of saying what changed)."""
    before = {(c.kind.value, c.key.casefold()): c for c in saved.changes}
    now = {(c.kind.value, c.key.casefold()): c for c in fresh.changes}
    differing = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
    shown = ", ".join(f'{kind} "{key}"' for kind, key in differing[:_SHOWN_DIFFERENCES])
    more = len(differing) - _SHOWN_DIFFERENCES
    what = f" A plan made now differs for {shown}" + (f" and {more} more" if more > 0 else "")
    what = what + "." if differing else " A plan made now would make the same changes."
    if saved.tokens.changes != fresh.tokens.changes:
        what += " Its token changes differ from those a plan made now would make."
    return (
        f"{plan_file} is stale: the live store changed since it was made, so it was not "
        f"applied.{what} Make a new plan with `scimform plan --out` and review it."
    )


def _check_safe(plan: Plan, force: bool) -> None:
    if plan.safety.safe:
        return
    if force:
        click.echo("The plan exceeds the safety thresholds; applying it anyway (--force).")
        return
    click.echo("Apply refused: the plan exceeds the safety thresholds above; nothing was changed.")
    sys.exit(EXIT_UNSAFE)


def _ask() -> None:
    click.echo("Do you want to make these changes? Only `yes` will be accepted to approve.")
    try:
        answer = click.prompt("  Enter a value", default="", show_default=False)
    except click.Abort:
        answer = ""
    if answer.strip() != "yes":
        click.echo("Apply cancelled; nothing was changed.")
        sys.exit(1)


def _apply(
    plan: Plan, backend: ScimBackend, live: LiveState, parallelism: int, terminal: bool
) -> ApplyResult:
    progress = progress_for(len(apply_order(plan.changes)), terminal, backend.pacing)
    try:
        with _interruptible() as stop:
            return apply_plan(
                plan,
                backend,
                parallelism=parallelism,
                hooks=progress.hooks(),
                should_stop=stop.is_set,
                live=live,
            )
    finally:
        progress.close()


@contextmanager
def _interruptible() -> Iterator[threading.Event]:
    """An event Ctrl-C sets (the first time; a second Ctrl-C interrupts at once)."""
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

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
