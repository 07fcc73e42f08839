"""The token part of a plan: what the token check found, and what apply does to tokens.

A plan carries the token check's findings (warnings and errors, with the days left), the
token changes apply carries out on a target with a token API (delete a token nobody
declared, rotate a token whose rotation is due), notes on how to run what apply cannot
(a rotation without a sink, or on a target without a token API), and for AWS the console
steps of a due rotation. Token ids and dates only: a plan never holds a secret.

Findings say how many days are left, which changes every day; they are display-only and
left out of the plan's hash, so that a plan reviewed yesterday and made again today has
the same hash when it would do the same thing.
"""

from __future__ import annotations

import enum
from datetime import date

from pydantic import BaseModel, ConfigDict

from scimform.diagnostics import Severity


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TokenOperation(enum.Enum):
    DELETE = "delete"  # live but not declared
    ROTATE = "rotate"  # declared and live, and its rotation is due


class TokenNote(_Frozen):
    """One finding of the token check: a severity, a stable code, the message in plain
    words (token ids and dates, never a secret), the token and its days left."""

    severity: Severity
    code: str
    message: str
    token_id: str | None = None
    days_left: int | None = None


class TokenChange(_Frozen):
    """One token operation apply carries out, with the token's dates and why."""

    operation: TokenOperation
    token_id: str
    reason: str
    created: date | None = None
    expires: date | None = None


class TokenPlan(_Frozen):
    """The token part of a plan. `managed` is False when the config declares no tokens
    (then only the token in use is checked, and nothing here is acted on)."""

    managed: bool = False
    live_compared: bool = False
    findings: tuple[TokenNote, ...] = ()
    changes: tuple[TokenChange, ...] = ()
    notes: tuple[str, ...] = ()
    console_steps: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[TokenNote, ...]:
        """The token check's errors (expired, missing, too many...)."""
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def has_errors(self) -> bool:
        """True when the token check found an error."""
        return bool(self.errors)

    @property
    def deletes(self) -> tuple[TokenChange, ...]:
        """The tokens apply deletes."""
        return tuple(c for c in self.changes if c.operation is TokenOperation.DELETE)

    @property
    def rotation(self) -> TokenChange | None:
        """The rotation apply runs (given a sink), if one is due."""
        found = [c for c in self.changes if c.operation is TokenOperation.ROTATE]
        return found[0] if found else None
