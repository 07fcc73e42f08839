"""`scimform server`: the AWS console's Automatic provisioning page for the embedded store.

Enable and disable automatic provisioning, create, list and delete access tokens, show the
store's state, and seed it with a synthetic organisation. A token's secret is shown once,
when it is made (or written to a new mode-0600 file with --token-file), and never again.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from scimform.cli.serve import DEFAULT_DB, DEFAULT_HOST, DEFAULT_PORT
from scimform.store import Store, TokenInfo
from scimform.store.seed import seed_store

# Where `scimform serve` serves a store when run with its defaults.
SERVE_BASE_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
# The AWS console starts warning about a token this long before it expires.
EXPIRY_WARNING = timedelta(days=90)

_F = TypeVar("_F", bound=Callable[..., Any])


def _db_option(function: _F) -> _F:
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"The store file (default: {DEFAULT_DB}; `enable` and `seed` create it, with its "
        "directory, if missing).",
    )(function)


def _open(db: Path | None, *, create: bool = False) -> Store:
    """The store; only `enable` and `seed` create a missing one, as the console's page
    exists only once provisioning is enabled. Looking at a store never makes one."""
    # `--db` may be given to the group (`server --db X status`) or to a command.
    group_db = click.get_current_context().meta.get("scimform.server.db")
    path = Path(db or group_db or DEFAULT_DB)
    if not create and not path.exists():
        raise click.ClickException(
            f"there is no store at {path}; `scimform server enable` (or `scimform apply` "
            "on a config with a local: target) creates one"
        )
    return Store.open(path)


def _endpoint(tenant_id: str) -> str:
    return f"{SERVE_BASE_URL}/{tenant_id}/scim/v2"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _expiry_warnings(tokens: list[TokenInfo], now: datetime | None = None) -> list[str]:
    """A line for each token that has expired or expires within 90 days, as the console
    warns, with the rotation AWS describes."""
    moment = now or datetime.now(UTC)
    lines = []
    for t in tokens:
        if t.expires <= moment:
            lines.append(
                f"Warning: access token {t.id} expired on {_when(t.expires)}; clients using it "
                "get 401. Delete it (scimform server token delete ID)."
            )
        elif t.expires - moment <= EXPIRY_WARNING:
            days = (t.expires - moment).days
            lines.append(
                f"Warning: access token {t.id} expires on {_when(t.expires)} (in {days} days). "
                "Rotate it: create a second token, switch clients to it, delete this one."
            )
    return lines


@contextmanager
def _secret_file(path: Path | None) -> Iterator[Callable[[str], None]]:
    """A writer for one secret into a new file only its owner can read. The file is made
    before the token, so that a bad path fails before a token is spent, and removed again
    when no secret was written into it."""
    if path is None:
        yield lambda secret: None
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(
            f"{path} already exists; choose a new file for the token (it is never overwritten)"
        ) from None
    except OSError as exc:
        raise click.ClickException(f"cannot create the token file {path}: {exc.strerror}") from None
    written: list[str] = []
    with os.fdopen(fd, "w", encoding="utf-8") as out:

        def keep(secret: str) -> None:
            out.write(secret + "\n")
            written.append(secret)

        try:
            yield keep
        finally:
            if not written:
                path.unlink()


def _show_secret(info: TokenInfo, secret: str, token_file: Path | None) -> None:
    click.echo(f"Access token id: {info.id} (expires {_when(info.expires)})")
    if token_file is not None:
        click.echo(f"The access token is in {token_file} (mode 0600); it is not shown again.")
        return
    click.echo("Access token (shown only this once; copy it now):")
    click.echo(secret)


@click.group("server")
@_db_option
@click.pass_context
def command(ctx: click.Context, db: Path | None) -> None:
    """Administer the embedded SCIM store as the AWS console does: automatic provisioning,
    access tokens, status, and seeding with a synthetic organisation."""
    ctx.meta["scimform.server.db"] = db


@command.command("enable")
@_db_option
@click.option(
    "--token-file",
    type=click.Path(path_type=Path),
    help="Write the first access token to this new file (mode 0600) instead of printing it.",
)
def enable(db: Path | None, token_file: Path | None) -> None:
    """Enable automatic provisioning; show the SCIM endpoint and the first access token."""
    with _open(db, create=True) as store, _secret_file(token_file) as keep:
        first = store.enable_provisioning()
        if first is not None:
            keep(first[1])
        tenant = store.provisioning().tenant_id
        tokens = store.list_tokens()
    click.echo("Automatic provisioning is enabled.")
    click.echo(f"SCIM endpoint: {_endpoint(tenant)}")
    click.echo("  (served there by `scimform serve` with its default host and port)")
    if first is not None:
        _show_secret(first[0], first[1], token_file)
    else:
        click.echo(
            f"{len(tokens)} access token(s) already exist, so no new one was made; "
            "see `scimform server token list`."
        )


@command.command("disable")
@_db_option
def disable(db: Path | None) -> None:
    """Disable automatic provisioning (refused while access tokens exist)."""
    with _open(db) as store:
        store.disable_provisioning()
    click.echo("Automatic provisioning is disabled.")


@command.command("status")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(db: Path | None, as_json: bool) -> None:
    """Show whether provisioning is on, the tenant and endpoint, tokens and object counts."""
    with _open(db) as store:
        state = store.provisioning()
        tokens = store.list_tokens()
        counts = store.counts()
        path = store.path
    report = {
        "store": path,
        "provisioning": "enabled" if state.enabled else "disabled",
        "tenant_id": state.tenant_id,
        "endpoint": _endpoint(state.tenant_id),
        "tokens": len(tokens),
        **counts,
    }
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    for key, label in (
        ("store", "Store"),
        ("provisioning", "Automatic provisioning"),
        ("tenant_id", "Tenant"),
        ("endpoint", "SCIM endpoint"),
    ):
        click.echo(f"{label}: {report[key]}")
    expiry = f" (next expiry {_when(min(t.expires for t in tokens))})" if tokens else ""
    click.echo(f"Access tokens: {len(tokens)}{expiry}")
    for line in _expiry_warnings(tokens):
        click.echo(line, err=True)
    click.echo(
        f"Users: {counts['users']}, groups: {counts['groups']}, "
        f"memberships: {counts['memberships']}"
    )


@command.command("seed")
@_db_option
@click.option("--users", type=click.IntRange(min=0), required=True, help="How many users.")
@click.option("--groups", type=click.IntRange(min=0), required=True, help="How many groups.")
@click.option(
    "--memberships",
    type=click.IntRange(min=0),
    required=True,
    help="How many memberships in all, spread evenly over the groups.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
def seed(db: Path | None, users: int, groups: int, memberships: int, seed: int) -> None:
    """Add a synthetic organisation to the store, directly (no HTTP), in one transaction."""
    started = time.perf_counter()
    with _open(db, create=True) as store:
        added = seed_store(store, users, groups, memberships, seed)
        path = store.path
    elapsed = time.perf_counter() - started
    click.echo(
        f"Added {added['users']} users, {added['groups']} groups and "
        f"{added['memberships']} memberships to {path} in {elapsed:.1f}s."
    )


@command.group("token")
def token() -> None:
    """Create, list and delete SCIM access tokens (at most two, each valid for one year)."""


@token.command("create")
@_db_option
@click.option(
    "--token-file",
    type=click.Path(path_type=Path),
    help="Write the new access token to this new file (mode 0600) instead of printing it.",
)
def token_create(db: Path | None, token_file: Path | None) -> None:
    """Generate a new access token; it is shown only this once."""
    with _open(db) as store, _secret_file(token_file) as keep:
        info, secret = store.create_token()
        keep(secret)
    _show_secret(info, secret, token_file)


@token.command("delete")
@_db_option
@click.argument("token_id")
def token_delete(db: Path | None, token_id: str) -> None:
    """Delete the access token TOKEN_ID; clients using it are refused from now on."""
    with _open(db) as store:
        store.delete_token(token_id)
    click.echo(f"Access token {token_id} deleted.")


@token.command("list")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the tokens as JSON.")
def token_list(db: Path | None, as_json: bool) -> None:
    """List the access tokens: id, created, expires, last used (never the token itself)."""
    with _open(db) as store:
        tokens = store.list_tokens()
    if as_json:
        rows = [
            {
                "id": t.id,
                "created": t.created.isoformat(),
                "expires": t.expires.isoformat(),
                "last_used": t.last_used.isoformat() if t.last_used else None,
            }
            for t in tokens
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not tokens:
        click.echo("No access tokens. Create one with `scimform server token create`.")
        return
    click.echo(f"{'ID':<36}  {'CREATED':<20}  {'EXPIRES':<20}  LAST USED")
    for t in tokens:
        click.echo(
            f"{t.id:<36}  {_when(t.created):<20}  {_when(t.expires):<20}  {_when(t.last_used)}"
        )
    for line in _expiry_warnings(tokens):
        click.echo(line, err=True)
