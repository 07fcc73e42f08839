"""Token state for plan and apply: the check that the token in use authenticates, the
target's token API, and the token part of the plan.

Every plan and apply on an HTTP target first makes one harmless request with the token in
use, so that a refused token is one clear error (TokenRefused: expired, deleted or wrong)
before anything else is read. Token state beyond that is checked only when `tokens:`
declares tokens. Nothing here prints or reads the environment: the caller passes it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from scimform.backends import target_label
from scimform.backends.auth import resolve_token
from scimform.config.loader import LoadedConfig
from scimform.engine.token_plan import TokenPlan
from scimform.errors import TargetError, TokenRefused
from scimform.tokens.api import TokenApi
from scimform.tokens.auth import verify_token_in_use
from scimform.tokens.plan import plan_tokens
from scimform.tokens.target import TargetKind, open_token_api, scim_client, target_kind


def verify_token(loaded: LoadedConfig, environ: Mapping[str, str]) -> str | None:
    """Raise TokenRefused unless an HTTP target accepts the token in use; the token, so
    that the caller can keep it out of every record (None for `local:`, or when no token
    is configured: opening the target then says what is missing)."""
    target = loaded.settings.target
    if target_kind(target.url) is TargetKind.LOCAL or target.token is None:
        return None
    token = resolve_token(target.token, loaded.root, environ)
    with scim_client(target.url, token, environ) as client:
        try:
            label = target_label(target.url, loaded.root, environ)
            verify_token_in_use(client, label, target.token)
        except TokenRefused:
            raise
        except TargetError:
            pass  # not a 401: the read that follows fails, and says why, in its own words
    return token


def still_refused(loaded: LoadedConfig, environ: Mapping[str, str]) -> bool:
    """After a rotation: True when target.token still gives a token the target refuses
    (the old one, now deleted), so the next plan would fail."""
    try:
        verify_token(loaded, environ)
    except TokenRefused:
        return True
    except TargetError:
        return False  # no token to check, or the target did not answer
    return False


def open_api(
    loaded: LoadedConfig, admin_key_file: Path | None, environ: Mapping[str, str]
) -> TokenApi | None:
    """The target's token API when tokens are declared and the target has one; else None.
    For `local:`, call it after the backend has opened (and so made) the store. `environ`
    carries the operator's allowed hosts."""
    if not loaded.desired.tokens:
        return None
    target = loaded.settings.target
    return open_token_api(target.url, loaded.root, admin_key_file, environ)


def token_plan(
    loaded: LoadedConfig, api: TokenApi | None, now: datetime | None = None
) -> TokenPlan:
    """The token part of the plan: the declared tokens against the clock (UTC) and, through
    `api`, against the live tokens."""
    live = api.list_tokens() if api is not None else None
    moment = now or datetime.now(UTC)
    kind = target_kind(loaded.settings.target.url)
    return plan_tokens(loaded.desired, live, kind, moment)
