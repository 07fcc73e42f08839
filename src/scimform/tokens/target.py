"""Which token API a target has: the embedded store for `local:`, the admin API for a
`scimform serve` URL (given its admin key), none for AWS.
"""

from __future__ import annotations

import enum
from pathlib import Path

import httpx

from scimform.backends.auth import BearerToken
from scimform.backends.target import LOCAL, TIMEOUT, endpoint, local_path
from scimform.errors import TargetError
from scimform.store import Store
from scimform.tokens.admin import AdminTokenApi, read_admin_key
from scimform.tokens.api import StoreTokenApi, TokenApi

# AWS's SCIM endpoints: scim.<region>.amazonaws.com and the dual-stack scim.<region>.api.aws.
_AWS_SUFFIXES = (".amazonaws.com", ".api.aws")


class TargetKind(enum.Enum):
    LOCAL = "local"  # the embedded store, in process
    SERVE = "serve"  # a scimform serve (or another SCIM endpoint that is not AWS)
    AWS = "aws"  # no token API: the console only


def target_kind(target_url: str) -> TargetKind:
    """What kind of target a `target.url` names."""
    if target_url.startswith(LOCAL):
        return TargetKind.LOCAL
    try:
        host = httpx.URL(target_url).host.casefold()
    except httpx.InvalidURL:
        host = ""
    if host.startswith("scim.") and host.endswith(_AWS_SUFFIXES):
        return TargetKind.AWS
    return TargetKind.SERVE


def open_token_api(
    target_url: str, config_root: Path, admin_key_file: Path | None
) -> TokenApi | None:
    """The target's token API, or None when it has none (AWS, or a SCIM URL given no
    admin key). The embedded store must exist already: nothing is created here."""
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
    return AdminTokenApi(endpoint(target_url), read_admin_key(admin_key_file))


def scim_client(target_url: str, token: str) -> httpx.Client:
    """An httpx client for the SCIM endpoint `target_url` that sends `token`."""
    return httpx.Client(base_url=endpoint(target_url), auth=BearerToken(token), timeout=TIMEOUT)
