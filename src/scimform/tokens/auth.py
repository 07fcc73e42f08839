"""Does the target accept a SCIM token? One cheap, harmless request says so.

A 401 from AWS means the token is expired, deleted or wrong, or the URL's tenant id is
wrong (AWS does not say which), so
the error says exactly that, names the target and where the token came from, and never
shows the token or an HTTP stack.
"""

from __future__ import annotations

import httpx

from scimform.backends.scim import UNAUTHORIZED
from scimform.backends.sender import NoResponse, Sender, detail_of
from scimform.errors import TargetError, TokenRefused

REFUSED = UNAUTHORIZED  # one wording for a 401, wherever it is met
# A filter that matches nobody: it needs a valid token and reads no one's data.
PROBE_PATH = "/Users"
PROBE_PARAMS = {"filter": 'userName eq "scimform-token-check"', "count": "1"}
PROBE_RETRIES = 2


def token_refused(target: str, reference: str | None = None) -> TokenRefused:
    """The error for a 401 from `target`: what it means and what to do. `reference` is where
    the token came from (target.token's `env:NAME` or `file:PATH`), never the token."""
    where = f"target.token ({reference})" if reference else "the token's source"
    return TokenRefused(
        f"{REFUSED} ({target}). Check that {where} holds the current token and that the "
        "URL's tenant id is the console's (its SCIM endpoint); if the token expired or was "
        "deleted, make a new one (scimform tokens rotate, or in the AWS console) and "
        "record it with scimform tokens record"
    )


def probe(client: httpx.Client) -> int:
    """The status of one authenticated read through `client` (which carries the token's
    auth and the SCIM base URL): 200 when the token is accepted, 401 when refused.
    TargetError when the target does not answer."""
    sender = Sender(client, rate_limit=None, retries=PROBE_RETRIES)
    try:
        response = sender.send("GET", PROBE_PATH, params=PROBE_PARAMS)
    except NoResponse as exc:
        raise TargetError(f"checking the SCIM token failed: {exc.reason}") from None
    if response.status_code not in (200, 401):
        raise TargetError(
            f"checking the SCIM token failed: {response.status_code} {detail_of(response)}"
        )
    return response.status_code


def verify_token_in_use(client: httpx.Client, target: str, reference: str | None) -> None:
    """Raise TokenRefused (the clear error) unless the target accepts the token that
    `client` sends. The check every plan makes before reading the live store."""
    if probe(client) == 401:
        raise token_refused(target, reference)
