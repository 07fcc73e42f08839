"""Carrying out token changes: what apply does with the policy check's differences.

A live token that is not declared is deleted. A declared token the target lacks cannot be
made again (a token's id is the target's to choose), so it is reported, never acted on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scimform.errors import ScimformError
from scimform.tokens.api import TokenApi
from scimform.tokens.policy import TokenAction, TokenChange


@dataclass(frozen=True, slots=True)
class TokenOutcome:
    """What became of one token change: done, or why not."""

    change: TokenChange
    done: bool
    problem: str | None = None


def apply_token_changes(api: TokenApi, changes: Sequence[TokenChange]) -> tuple[TokenOutcome, ...]:
    """Delete every undeclared live token in `changes`; a failure is recorded and the rest
    go on. Missing tokens come back not done, with what to do about them."""
    return tuple(_apply(api, change) for change in changes)


def _apply(api: TokenApi, change: TokenChange) -> TokenOutcome:
    if change.action is TokenAction.MISSING:
        return TokenOutcome(
            change, False, "a token cannot be made with a given id: fix tokens: instead"
        )
    try:
        api.delete_token(change.token_id)
    except ScimformError as exc:
        return TokenOutcome(change, False, str(exc))
    return TokenOutcome(change, True)
