"""From the config's `target:` to a backend: `local:PATH` or a SCIM endpoint URL.

`local:PATH` opens (or creates) the embedded store at PATH, relative to the config
directory, and talks to it in process. `https://...` is AWS (or any SCIM endpoint) and
needs a token; `http://` is allowed only for loopback hosts, where `scimform serve` runs,
because a token must never cross a network in clear text.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path

import httpx

from scimform.backends.auth import BearerToken, resolve_token
from scimform.backends.local import BASE_URL, LocalTransport
from scimform.backends.scim import ScimBackend
from scimform.errors import TargetError

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
    url = endpoint(target_url)
    if token_ref is None:
        raise TargetError(
            f"the target {target_label(target_url, config_root)} needs a SCIM token: set "
            "target.token in scimform.yaml to env:NAME or file:PATH"
        )
    auth = BearerToken(resolve_token(token_ref, config_root, environ))
    client = httpx.Client(base_url=url, auth=auth, timeout=TIMEOUT, limits=LIMITS)
    return ScimBackend(client, rate_limit=rate_limit)


def local_path(target_url: str, config_root: Path) -> Path:
    """The store file a `local:` target names, relative paths under the config directory."""
    raw = target_url.removeprefix(LOCAL).strip()
    if not raw:
        raise TargetError("target.url in scimform.yaml is local: with no path; e.g. local:store.db")
    path = Path(raw).expanduser()
    return path if path.is_absolute() else config_root / path


def target_label(target_url: str, config_root: Path) -> str:
    """The target as it may be shown: the store path for `local:`, else the URL without
    user info, query or fragment. Never a token."""
    if target_url.startswith(LOCAL):
        path = local_path(target_url, config_root)
        if not path.exists():
            return f"embedded store {path} (new: read as empty; apply creates it)"
        return f"embedded store {path}"
    try:
        url = httpx.URL(target_url)
    except httpx.InvalidURL:
        return "an invalid URL"
    return str(url.copy_with(userinfo=b"", query=None, fragment=None))


def _local(path: Path, rate_limit: float | None) -> ScimBackend:
    # A missing store is read as empty and made by the first write (apply), never by a
    # read (plan); it is made with provisioning on and no token (none is needed here).
    client = httpx.Client(base_url=BASE_URL, transport=LocalTransport.at(path))
    return ScimBackend(client, rate_limit=rate_limit)


def endpoint(target_url: str) -> httpx.URL:
    """A SCIM endpoint URL: https://, or http:// to this machine only, so that no token
    or key crosses a network in clear text; never with credentials or a query in it."""
    try:
        url = httpx.URL(target_url)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("https", "http") or not url.host:
        raise TargetError(
            "target.url in scimform.yaml must be local:PATH or an https:// SCIM endpoint "
            "(http:// only on this machine)"
        )
    if url.userinfo or url.query:
        raise TargetError(
            "target.url in scimform.yaml must not carry credentials or a query; the token "
            "belongs in target.token as env:NAME or file:PATH"
        )
    if url.scheme == "http" and not _loopback(url.host):
        raise TargetError(
            f"target.url uses http:// for {url.host}, which is not this machine; the token "
            "would cross the network in clear text, so use https://"
        )
    return url.copy_with(path=url.path.rstrip("/") or "/")


def _loopback(host: str) -> bool:
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
