"""Token state for `plan` and `apply`: the check that the token in use authenticates, the
target's token API, and the token part of the plan.

Every plan and apply on an HTTP target first makes one harmless request with the token in
use, so that a refused token is one clear error (TokenRefused: expired, deleted or wrong)
before anything else is read. Token state beyond that is checked only when `tokens:`
declares tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import click

from scimform.backends import target_label
from scimform.backends.auth import resolve_token
from scimform.cli.destination import allowing_environ
from scimform.config.loader import LoadedConfig
from scimform.engine.token_plan import TokenPlan
from scimform.errors import ScimformError, TargetError, TokenRefused
from scimform.render import token_words
from scimform.tokens.api import TokenApi
from scimform.tokens.auth import verify_token_in_use
from scimform.tokens.plan import plan_tokens
from scimform.tokens.target import TargetKind, open_token_api, scim_client, target_kind

ADMIN_KEY_OPTION = click.option(
    "--admin-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="For a scimform serve target: the admin key file serve was started with, so that "
    "token differences are planned and applied through its admin API.",
)


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


def check_client_switched(loaded: LoadedConfig, sink_label: str) -> None:
    """After a rotation, warn when target.token still gives the old token, now deleted:
    the sink was not where this config reads its token, and the next plan would fail."""
    reference = loaded.settings.target.token
    try:
        verify_token(loaded, allowing_environ())
    except TokenRefused:
        click.echo(
            f"Warning: target.token ({reference}) still gives the old token, which is now "
            f"deleted; the new token went to the {sink_label}: make target.token give the "
            "new one before the next plan.",
            err=True,
        )
    except ScimformError:
        pass  # no token to check, or the target did not answer: nothing to say here


def open_api(loaded: LoadedConfig, admin_key_file: Path | None) -> TokenApi | None:
    """The target's token API when tokens are declared and the target has one; else None.
    For `local:`, call it after the backend has opened (and so made) the store."""
    if not loaded.desired.tokens:
        return None
    target = loaded.settings.target
    return open_token_api(target.url, loaded.root, admin_key_file, allowing_environ())


def token_plan(
    loaded: LoadedConfig, api: TokenApi | None, now: datetime | None = None
) -> TokenPlan:
    """The token part of the plan: the declared tokens against the clock (UTC) and, through
    `api`, against the live tokens."""
    live = api.list_tokens() if api is not None else None
    moment = now or datetime.now(UTC)
    kind = target_kind(loaded.settings.target.url)
    return plan_tokens(loaded.desired, live, kind, moment)


def exit_on_errors(tokens: TokenPlan, rotated: str | None) -> None:
    """Exit 1 when the token check found an error that apply did not fix (rotating a
    token, `rotated`, fixes its expiry)."""
    left = [f for f in tokens.errors if not (f.token_id and f.token_id == rotated)]
    if left:
        click.echo(
            f"The token check found {len(left)} error(s), above; fix them as they say.", err=True
        )
        raise click.exceptions.Exit(1)


def errors_to_stderr(tokens: TokenPlan) -> None:
    """The token check's errors on stderr, beside a machine-readable plan on stdout."""
    for line in token_words.token_lines(tokens):
        if line.kind == "error":
            click.echo(line.text, err=True)
