"""`scimform tokens`: SCIM token state (`status`), rotation (`rotate`), and declaring a
rotation made by hand in the AWS console (`record`).

No secret is ever printed: a new token goes only to its sink.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from scimform.backends import target_label
from scimform.backends.auth import resolve_token
from scimform.cli import options, token_state
from scimform.cli.destination import ALLOW_HOST_OPTION, allowing_environ
from scimform.cli.validate import text_report
from scimform.config.loader import LoadedConfig, load_config
from scimform.config.targets import select
from scimform.config.token_record import open_tokens_file, record_token
from scimform.diagnostics import Severity
from scimform.errors import ScimformError, TargetError, TokenRefused
from scimform.model import TOKEN_VALIDITY, ExpectedToken
from scimform.store import TokenInfo
from scimform.tokens import auth
from scimform.tokens.api import TokenApi
from scimform.tokens.console import console_steps
from scimform.tokens.policy import TokenReport, check_tokens
from scimform.tokens.rotate import Rotation, Step, choose_old, rotate
from scimform.tokens.sinks import parse_sink
from scimform.tokens.target import TargetKind, open_token_api, scim_client, target_kind

_MARKS = {Severity.ERROR: ("error", "red"), Severity.WARNING: ("warning", "yellow")}
_DIRECTORY = options.DIRECTORY
_ADMIN_KEY = click.option(
    "--admin-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="For a scimform serve target: the admin key file serve was started with.",
)


@click.group("tokens")
def command() -> None:
    """SCIM access tokens: check their state, rotate them, record a rotation."""


_TARGET = click.option(
    "--target",
    "target",
    metavar="NAME",
    help="With several targets: the target whose tokens (its tokens block) are meant.",
)


@command.command("status")
@_DIRECTORY
@_ADMIN_KEY
@ALLOW_HOST_OPTION
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="NAME",
    help="With several targets: only this one (repeatable; default: each in turn).",
)
def status(directory: Path, admin_key_file: Path | None, targets: tuple[str, ...]) -> None:
    """Check the declared tokens in DIRECTORY against the calendar and the target.

    Warns inside warn_before_expiry, says when a rotation is due (rotate_before_expiry),
    fails on expired tokens and on more than two. On targets with a token API (local:, or
    scimform serve with --admin-key-file) also lists undeclared and missing tokens. On
    AWS, prints the console steps for a rotation that is due. Exit 1 on errors.

    With several targets, each target's tokens block (the one whose `target:` names it,
    else the one that names none) is checked against that target, under its name.
    """
    loaded = _load(directory)
    names = select(loaded.target_names, targets)
    if not loaded.several_targets:
        raise click.exceptions.Exit(_status(loaded, directory, admin_key_file))
    codes = []
    for name in names:
        click.echo(f"== target {name} ==")
        codes.append(_status(loaded.for_target(name), directory, admin_key_file))
    raise click.exceptions.Exit(max(codes))


def _status(loaded: LoadedConfig, directory: Path, admin_key_file: Path | None) -> int:
    url = loaded.settings.target.url
    live, notes = _live(url, directory, admin_key_file)
    notes += _check_token_in_use(loaded)
    desired = loaded.desired
    if live and not desired.tokens:
        notes += _undeclared(live)
    report = check_tokens(desired.tokens, desired.token_policy, live, date.today())
    for line in _status_lines(report, notes):
        click.echo(line)
    if target_kind(url) is TargetKind.AWS:
        for old in report.rotation_due[:1]:
            click.echo(f"\nRotation of token {old.id} is due. In the AWS console:")
            click.echo("\n".join(console_steps(old, desired.tokens)))
    refused = any(n.startswith(auth.REFUSED) for n in notes)
    return 1 if report.has_errors or refused else 0


@command.command("rotate")
@_DIRECTORY
@click.option(
    "--token-sink",
    "sink_spec",
    metavar="SINK",
    help="Where the new token goes: file:PATH (mode 0600) or 'command:CMD' (on stdin).",
)
@_ADMIN_KEY
@ALLOW_HOST_OPTION
@click.option(
    "--token",
    "token_id",
    metavar="ID",
    help="The token to rotate (default: the declared token that expires first).",
)
@click.option("--if-due", is_flag=True, help="Do nothing unless its rotation is due.")
@_TARGET
def rotate_command(
    directory: Path,
    sink_spec: str | None,
    admin_key_file: Path | None,
    token_id: str | None,
    if_due: bool,
    target: str | None,
) -> None:
    """Replace a SCIM token: create a new one, hand it to the sink, check that it works,
    delete the old one, and declare the new one in tokens: for review.

    On AWS, which has no token API, prints the console steps instead. If a step fails,
    the old token stays and the output says where the rotation stopped (exit 1).
    With several targets, --target says which target's token.
    """
    loaded, name = _one_target(_load(directory), target)
    desired = loaded.desired
    url = loaded.settings.target.url
    due = check_tokens(desired.tokens, desired.token_policy, None, date.today()).rotation_due
    if target_kind(url) is TargetKind.AWS:
        old = _declared_old(desired.tokens, token_id)
        if if_due and old not in due:
            click.echo(f"No rotation is due: token {old.id} expires on {old.expires}.")
        else:
            _aws_steps(old, desired.tokens)
        return
    if sink_spec is None:
        raise click.UsageError("--token-sink is required: file:PATH or 'command:CMD'")
    sink = parse_sink(sink_spec)
    api = _token_api(url, directory, admin_key_file)
    try:
        old = _old_token(desired.tokens, api.list_tokens(), token_id)
        if if_due and old not in due:
            click.echo(f"No rotation is due: token {old.id} expires on {old.expires}.")
            return
        result = rotate(api, sink, old, open_tokens_file(directory, name))
    finally:
        api.close()
    for line in _rotation_lines(result, sink.label):
        click.echo(line, err=not result.ok)
    if Step.DELETE_OLD in result.done:
        token_state.check_client_switched(loaded, sink.label)
    raise click.exceptions.Exit(0 if result.ok else 1)


@command.command("record")
@_DIRECTORY
@click.option("--id", "token_id", required=True, help="The new token's id (from the console).")
@click.option("--created", required=True, type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD")
@click.option(
    "--expires", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD (default: a year on)."
)
@click.option("--replaces", metavar="OLD_ID", help="The token it replaces (now deleted).")
@click.option("--used-by", help="Who uses the token (default: as the replaced one).")
@_TARGET
def record(
    directory: Path,
    token_id: str,
    created: datetime,
    expires: datetime | None,
    replaces: str | None,
    used_by: str | None,
    target: str | None,
) -> None:
    """Declare a token made in the AWS console in tokens:, in place of --replaces.

    Edits the file that holds tokens: (or creates tokens.yaml), keeping its comments, so
    that the rotation goes through review like any other change. With several targets,
    --target says whose tokens block: the one whose `target:` names it, else the one that
    names none.
    """
    name = _one_target(_load(directory), target)[1] if target is not None else None
    made = created.date()
    ends = expires.date() if expires is not None else made + TOKEN_VALIDITY
    if made < ends <= date.today():  # (ends before made is refused with the other rules)
        # Declaring it would make every plan fail on an expired token.
        option = "--created" if expires is None else "--expires"
        raise ScimformError(
            f"{option}: token {token_id} would have expired on {ends}, which has passed; "
            "nothing was recorded. Give the day it was made in the console (YYYY-MM-DD)"
        )
    new = ExpectedToken(token_id, made, ends, used_by)
    path = record_token(open_tokens_file(directory, name), new, replaces)
    instead = f" in place of {replaces}" if replaces else ""
    click.echo(f"Declared token {token_id} (expires {ends}){instead} in {path}.")
    click.echo("Commit the change and open a pull request.")


def _load(directory: Path) -> LoadedConfig:
    loaded = load_config(directory)
    if loaded.diagnostics.has_errors:
        click.echo(text_report(loaded), err=True, nl=False)
        raise click.exceptions.Exit(1)
    return loaded


def _one_target(loaded: LoadedConfig, target: str | None) -> tuple[LoadedConfig, str | None]:
    """The config as the one target meant sees it, and its name (None for the single
    `target:`); with several targets, --target is required."""
    names = select(loaded.target_names, (target,) if target else ())
    if not loaded.several_targets:
        return loaded, None
    if target is None:
        raise click.UsageError(
            "this config has several targets (" + ", ".join(names) + "): say whose token "
            "with --target NAME"
        )
    return loaded.for_target(target), target


def _token_api(url: str, directory: Path, admin_key_file: Path | None) -> TokenApi:
    environ = allowing_environ()
    api = open_token_api(url, directory, admin_key_file, environ)
    if api is None:
        raise TargetError(
            f"{target_label(url, directory, environ)} has no token API that scimform knows: "
            "for a scimform serve, pass --admin-key-file with the key file serve was started with"
        )
    return api


def _live(
    url: str, directory: Path, admin_key_file: Path | None
) -> tuple[list[TokenInfo] | None, list[str]]:
    kind = target_kind(url)
    if kind is TargetKind.AWS:
        return None, ["AWS has no token API: live tokens are compared in the console only"]
    try:
        api = open_token_api(url, directory, admin_key_file, allowing_environ())
    except TargetError as exc:
        if kind is TargetKind.LOCAL:
            return None, [str(exc)]
        raise
    if api is None:
        return None, ["live tokens not compared: pass --admin-key-file to compare them"]
    try:
        return api.list_tokens(), []
    finally:
        api.close()


def _undeclared(live: list[TokenInfo]) -> list[str]:
    """The live tokens of a config that declares none: shown, not managed."""
    return [
        f"the target has token {t.id} (expires {t.expires.date()}), which tokens: does not "
        "declare; declare it (scimform tokens record) to have it checked and rotated"
        for t in live
    ]


def _check_token_in_use(loaded: LoadedConfig) -> list[str]:
    """Whether the target accepts the configured token (HTTP targets only)."""
    target = loaded.settings.target
    if target_kind(target.url) is TargetKind.LOCAL or target.token is None:
        return []
    try:
        environ = allowing_environ()
        token = resolve_token(target.token, loaded.root, environ)
    except TargetError as exc:
        return [f"the token in use was not checked: {exc}"]
    try:
        with scim_client(target.url, token, environ) as client:
            label = target_label(target.url, loaded.root, environ)
            auth.verify_token_in_use(client, label, target.token)
    except TokenRefused as exc:
        return [str(exc)]
    return [f"the token in use ({target.token}) is accepted by the target"]


def _old_token(
    expected: tuple[ExpectedToken, ...], live: list[TokenInfo], wanted: str | None
) -> ExpectedToken:
    old = choose_old(expected, live, wanted)
    if old is None and not live:
        raise ScimformError(
            "the target has no access token to rotate; a local: target needs none, and a "
            "served store gets its first from `scimform server enable`"
        )
    if old is None:
        ids = ", ".join(t.id for t in live) or "none"
        raise ScimformError(
            f"cannot tell which token to rotate (live tokens: {ids}); pass --token ID"
        )
    if old.id not in {t.id for t in live}:
        raise ScimformError(
            f"token {old.id} is declared but the target has no such token; fix tokens: "
            "first (scimform tokens status shows the differences)"
        )
    return old


def _declared_old(declared: tuple[ExpectedToken, ...], wanted: str | None) -> ExpectedToken:
    old = choose_old(declared, [], wanted)
    if old is None:
        raise ScimformError(
            f"token {wanted} is not declared in tokens:"
            if wanted
            else "no token to rotate is declared: declare the one in use first "
            "(scimform tokens record --id ID --created YYYY-MM-DD)"
        )
    return old


def _aws_steps(old: ExpectedToken, declared: tuple[ExpectedToken, ...]) -> None:
    click.echo(f"AWS has no API for SCIM tokens: rotate token {old.id} in the console.")
    click.echo("\n".join(console_steps(old, declared)))


def _status_lines(report: TokenReport, notes: list[str]) -> list[str]:
    lines = [
        f"token {s.token.id}: {s.state.value}, expires {s.token.expires} "
        f"({s.days_left} days left)" + (f", used by {s.token.used_by}" if s.token.used_by else "")
        for s in report.statuses
    ] or ["no tokens are declared (tokens: in the config)"]
    for finding in report.findings:
        word, colour = _MARKS.get(finding.severity, ("info", "blue"))
        label = click.style(word, fg=colour, bold=True)
        lines.append(f"{label}[{finding.code}]: {finding.message}")
    if report.live_checked and report.statuses and report.matches_live:
        lines.append("the target's tokens are the declared ones")
    return lines + [f"note: {n}" for n in notes]


def _rotation_lines(result: Rotation, sink: str) -> list[str]:
    lines = [f"done: {step.value}" for step in result.done]
    new = result.new
    if result.ok and new is not None:
        lines.append(
            f"Rotated token {result.old_id} -> {new.id} (expires {new.expires.date()}); the "
            f"new token went to the {sink}. Declared in {result.recorded_in}: commit it and "
            "open a pull request."
        )
        return lines
    assert result.stopped_at is not None
    lines.append(f"Rotation stopped at: {result.stopped_at.value}: {result.problem}")
    if result.new_deleted and new is not None:
        lines.append(f"The new token {new.id} was deleted again.")
    if Step.DELETE_OLD not in result.done:
        lines.append(f"The old token {result.old_id} is still in place.")
    elif new is not None:  # only the YAML is behind: say how to catch it up
        lines.append(
            f"Declare the new token by hand: scimform tokens record --id {new.id} --created "
            f"{new.created.date()} --expires {new.expires.date()} --replaces {result.old_id}"
        )
    return lines
