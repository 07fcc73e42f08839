"""SCIM access tokens: their declared state, the policy check, and rotation.

- `policy.check_tokens`: declared tokens against the calendar and the live tokens.
- `auth`: whether the target accepts a token; the clear error for a 401.
- `api`, `admin`, `target`: the token API of a `local:` store or a `scimform serve`.
- `plan.plan_tokens`, `apply.apply_tokens`: the token part of a plan, and what apply
  does with it.
- `rotate.rotate`: AWS's rotation procedure end to end, with `sinks` for the new secret
  and `record` to declare the new token in `tokens:`.
- `console.console_steps`: the same rotation by hand, for AWS.
"""

from scimform.config.token_record import open_tokens_file, record_token
from scimform.tokens.api import Secret, StoreTokenApi, TokenApi
from scimform.tokens.auth import REFUSED, token_refused, verify_token_in_use
from scimform.tokens.console import console_steps
from scimform.tokens.policy import (
    TokenReport,
    TokenState,
    TokenStatus,
    check_tokens,
)
from scimform.tokens.rotate import Rotation, Step, choose_old, rotate
from scimform.tokens.sinks import CommandSink, FileSink, Sink, parse_sink
from scimform.tokens.target import TargetKind, open_token_api, target_kind

__all__ = [
    "REFUSED",
    "CommandSink",
    "FileSink",
    "Rotation",
    "Secret",
    "Sink",
    "Step",
    "StoreTokenApi",
    "TargetKind",
    "TokenApi",
    "TokenReport",
    "TokenState",
    "TokenStatus",
    "check_tokens",
    "choose_old",
    "console_steps",
    "open_token_api",
    "open_tokens_file",
    "parse_sink",
    "record_token",
    "rotate",
    "target_kind",
    "token_refused",
    "verify_token_in_use",
]
