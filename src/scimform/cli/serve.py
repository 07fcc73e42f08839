"""`scimform serve`: the embedded store as AWS IAM Identity Center's SCIM endpoint."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from scimform.server.app import ScimApp
from scimform.server.knobs import FAULT_KINDS, LEGACY_CLASSIC_CAP, Knobs, parse_fault
from scimform.server.runner import base_url, bind_socket, serve
from scimform.store import Store

DEFAULT_DB = ".scimform/store.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
# How long a write waits for another process's write lock before answering 503: well under
# a client's read timeout (scimform's is 30 s), so that the client hears "busy" and retries.
BUSY_SECONDS = 10.0
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _faults(values: tuple[str, ...]) -> dict[str, float]:
    faults: dict[str, float] = {}
    for value in values:
        try:
            kind, rate = parse_fault(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--fault") from None
        faults[kind] = rate
    return faults


def _admin_key(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise click.BadParameter(
            f"cannot read {path}: {exc.strerror}", param_hint="--admin-key-file"
        ) from None
    if len(key) < 16:
        raise click.BadParameter(
            f"the key in {path} is shorter than 16 characters; use a long random key "
            "(e.g. `openssl rand -hex 32 > FILE`)",
            param_hint="--admin-key-file",
        )
    return key


@click.command("serve")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DB,
    show_default=True,
    help="The store file (created if missing).",
)
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to listen on (0: any free port, printed at start).",
)
@click.option("--tenant", help="Serve under this tenant id (kept in the store).")
@click.option(
    "--admin-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Turn on the admin API under /_admin/v1, guarded by the key in this file.",
)
@click.option(
    "--latency-ms",
    type=click.FloatRange(min=0),
    default=0,
    help="Milliseconds added to every SCIM request.",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0, min_open=True),
    help="Answer 429 above this many requests per second.",
)
@click.option("--no-retry-after", is_flag=True, help="Send rate-limit 429s without Retry-After.")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="KIND=RATE",
    help=(
        f"Inject faults at RATE (0..1 or N%); KIND is one of {', '.join(FAULT_KINDS)} "
        "(lost: handled, then the response is lost); repeatable."
    ),
)
@click.option("--fault-seed", type=int, default=0, show_default=True, help="Seed for --fault.")
@click.option("--legacy-list-cap", is_flag=True, help="Cap lists without cursor at 50.")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="Log level; the access log never holds a header, so never a token.",
)
def command(
    db: Path,
    host: str,
    port: int,
    tenant: str | None,
    admin_key_file: Path | None,
    latency_ms: float,
    rate_limit: float | None,
    no_retry_after: bool,
    faults: tuple[str, ...],
    fault_seed: int,
    legacy_list_cap: bool,
    log_level: str,
) -> None:
    """Serve the embedded store as AWS IAM Identity Center's SCIM endpoint.

    \b
    SCIM:  http://HOST:PORT/<tenant>/scim/v2/...   (Authorization: Bearer <token>)
    Admin: http://HOST:PORT/_admin/v1/...          (Authorization: Bearer <admin key>)
           GET provisioning, POST provisioning/enable, POST provisioning/disable,
           GET tokens, POST tokens, DELETE tokens/ID (only with --admin-key-file)

    Every quirk of AWS's endpoint is reproduced: eq/and filters only, cursor paging,
    lists without cursor capped, empty group members, AWS's PATCH rules and error bodies.
    Tokens are made with `scimform server enable` and `scimform server token create`.
    The knobs (--latency-ms, --rate-limit, --fault, --legacy-list-cap) are for tests.
    """
    try:
        knobs = Knobs(
            latency_ms=latency_ms,
            rate_limit=rate_limit,
            retry_after=not no_retry_after,
            faults=_faults(faults),
            fault_seed=fault_seed,
            classic_cap=LEGACY_CLASSIC_CAP if legacy_list_cap else Knobs().classic_cap,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    key = _admin_key(admin_key_file)
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with Store.open(db, busy_seconds=BUSY_SECONDS) as store:
        app = ScimApp(store, knobs=knobs, admin_key=key, tenant=tenant)
        try:
            sock = bind_socket(host, port)
        except OSError as exc:
            app.close()
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        _announce(app, db, base_url(sock), host)
        try:
            serve(app, sock, log_level)
        except KeyboardInterrupt:
            pass
        finally:
            sock.close()
            app.close()


def _announce(app: ScimApp, db: Path, url: str, host: str) -> None:
    click.echo(f"Serving the SCIM store {db}")
    click.echo(f"  SCIM endpoint: {url}/{app.tenant}/scim/v2")
    if app.admin is not None:
        click.echo(f"  Admin API:     {url}/_admin/v1")
    if host not in _LOOPBACK:
        click.echo(f"Warning: listening on {host}, reachable from other machines.", err=True)
    if not app.store.provisioning().enabled:
        click.echo(
            "Automatic provisioning is disabled, so every SCIM request gets 401 (as AWS "
            f"does). Enable it with: scimform server enable --db {db}"
        )
    click.echo("Press Ctrl+C to stop.")
