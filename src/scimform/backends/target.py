"""From the config's `target:` to a backend: `local:PATH` or a SCIM endpoint URL.

`local:PATH` opens (or creates) the embedded store at PATH, relative to the config
directory, and talks to it in process. `https://...` is AWS (or another SCIM endpoint) and
needs a token; `http://` is allowed only for loopback hosts, where `scimform serve` runs,
because a token must never cross a network in clear text. Where a token may go at all is
scimform.destination's rule (AWS, loopback, or hosts the operator allowed in `environ`),
checked before any connection is opened; redirects are never followed with the token.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import httpx

from scimform.backends.auth import BearerToken, resolve_token
from scimform.backends.local import BASE_URL, LocalTransport
from scimform.backends.scim import ScimBackend
from scimform.destination import BadDestination, allowed_hosts, checked_endpoint, safe_label
from scimform.errors import TargetError
from scimform.store import Store

LOCAL = "local:"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# Enough connections for apply's default parallelism and then some.
LIMITS = httpx.Limits(max_connections=32, max_keepalive_connections=32)


def open_backend(
    target_url: str,
    token_ref: str | None,
    config_root: Path,
    *,
    environ: Mapping[str, str],
    rate_limit: float | None = None,
) -> ScimBackend:
    """The backend for a target. TargetError when the URL or the token is unusable; the
    token is read from `environ` or its file and sent only as an httpx.Auth."""
    if target_url.startswith(LOCAL):
        return _local(local_path(target_url, config_root), rate_limit)
    url = endpoint(target_url, environ)
    if token_ref is None:
        raise TargetError(
            f"the target {target_label(target_url, config_root, environ)} needs a SCIM token: "
            "set target.token in scimform.yaml to env:NAME or file:PATH"
        )
    auth = BearerToken(resolve_token(token_ref, config_root, environ))
    return ScimBackend(token_client(url, auth, limits=LIMITS), rate_limit=rate_limit)


def token_client(
    url: httpx.URL,
    auth: httpx.Auth,
    *,
    limits: httpx.Limits | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client that sends a secret (`auth`) to `url` only: it never follows a
    redirect, and a 3xx answer is a TargetError naming where it pointed."""
    return httpx.Client(
        base_url=url,
        auth=auth,
        timeout=TIMEOUT,
        limits=limits or httpx.Limits(),
        transport=transport,
        follow_redirects=False,
        event_hooks={"response": [refuse_redirect]},
    )


def refuse_redirect(response: httpx.Response) -> None:
    """A response hook: a redirect is an error, never followed (it would carry the token)."""
    if not response.is_redirect:
        return
    response.close()
    try:
        host = httpx.URL(response.headers["Location"]).host
    except (httpx.InvalidURL, UnicodeError, ValueError):
        host = ""
    where = f"to the host {host}" if host else "elsewhere"
    raise TargetError(
        f"the SCIM endpoint answered {response.status_code}, redirecting {where}; scimform "
        "never follows a redirect with the token, so nothing was sent there. Set target.url "
        "to the endpoint itself"
    )


def local_path(target_url: str, config_root: Path) -> Path:
    """The store file a `local:` target names, relative paths under the config directory."""
    raw = target_url.removeprefix(LOCAL).strip()
    if not raw:
        raise TargetError("target.url in scimform.yaml is local: with no path; e.g. local:store.db")
    path = Path(raw).expanduser()
    return path if path.is_absolute() else config_root / path


def target_label(
    target_url: str, config_root: Path, environ: Mapping[str, str] | None = None
) -> str:
    """The target as it may be shown: the store path for `local:`, else the URL without
    user info, query or fragment when its host is AWS, loopback or allowed in `environ`;
    nothing of a host that is not (it may be a pasted token). Never a token."""
    if target_url.startswith(LOCAL):
        return f"embedded store {local_path(target_url, config_root)}"
    return safe_label(target_url, allowed_hosts(environ or {}))


def _local(path: Path, rate_limit: float | None) -> ScimBackend:
    new = not path.exists()
    store = Store.open(path)
    try:
        if new:
            store.enable_provisioning()
    except BaseException:
        store.close()
        raise
    client = httpx.Client(base_url=BASE_URL, transport=LocalTransport(store))
    return ScimBackend(client, rate_limit=rate_limit)


def endpoint(target_url: str, environ: Mapping[str, str] | None = None) -> httpx.URL:
    """A SCIM endpoint URL a token may be sent to: https://, or http:// to this machine
    only; never with credentials or a query in it; its host AWS's, loopback, or one the
    operator allowed (SCIMFORM_ALLOWED_HOSTS in `environ`). TargetError otherwise, before
    any connection is opened."""
    try:
        checked = checked_endpoint(target_url, allowed_hosts(environ or {}))
        url = httpx.URL(target_url.strip())
    except BadDestination as exc:
        raise TargetError(str(exc)) from None
    except (httpx.InvalidURL, UnicodeError, ValueError):
        raise TargetError("target.url in scimform.yaml is not a valid URL") from None
    del checked  # the checks are what matters; httpx's URL is what is sent to
    return url.copy_with(path=url.path.rstrip("/") or "/")
