"""Which token API a target has: the embedded store for `local:`, the admin API for a
`scimform serve` URL (given its admin key), none for AWS.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path

import httpx

from scimform.backends.auth import BearerToken
from scimform.backends.target import LOCAL, endpoint, local_path, token_client
from scimform.destination import BadDestination, parse_endpoint
from scimform.errors import TargetError
from scimform.store import Store
from scimform.tokens.admin import AdminTokenApi, read_admin_key
from scimform.tokens.api import StoreTokenApi, TokenApi


class TargetKind(enum.Enum):
    LOCAL = "local"  # the embedded store, in process
    SERVE = "serve"  # a scimform serve (or another SCIM endpoint that is not AWS)
    AWS = "aws"  # no token API: the console only


def target_kind(target_url: str) -> TargetKind:
    """What kind of target a `target.url` names."""
    if target_url.startswith(LOCAL):
        return TargetKind.LOCAL
    try:
        kind = parse_endpoint(target_url).kind
    except BadDestination:
        kind = "other"
    return TargetKind.AWS if kind == "aws" else TargetKind.SERVE


def open_token_api(
    target_url: str,
    config_root: Path,
    admin_key_file: Path | None,
    environ: Mapping[str, str] | None = None,
) -> TokenApi | None:
    """The target's token API, or None when it has none (AWS, or a SCIM URL given no
    admin key). The embedded store must exist already: nothing is created here. The admin
    key goes only where a token may go (hosts allowed in `environ`, see backends.target)."""
    kind = target_kind(target_url)
    if kind is TargetKind.LOCAL:
        path = local_path(target_url, config_root)
        if not path.exists():
            raise TargetError(
                f"the embedded store {path} does not exist yet; scimform apply creates it"
            )
        return StoreTokenApi(Store.open(path))
    if kind is TargetKind.AWS or admin_key_file is None:
        return None
    return AdminTokenApi(endpoint(target_url, environ), read_admin_key(admin_key_file))


def scim_client(
    target_url: str, token: str, environ: Mapping[str, str] | None = None
) -> httpx.Client:
    """An httpx client for the SCIM endpoint `target_url` that sends `token`: only to a
    host a token may go to (allowed in `environ`), never following a redirect."""
    return token_client(endpoint(target_url, environ), BearerToken(token))
