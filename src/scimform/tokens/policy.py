"""The token policy check: declared tokens against the calendar and, where a token API
exists, against the live tokens. Pure: the same inputs always give the same report.

Each declared token gets one state by its days left: expired (an error), rotation due
(inside `rotate_before_expiry`), expiring (inside `warn_before_expiry`), or fine. With a
live token list, a declared token the target lacks is reported missing (an error: no API
can recreate a token by id), and a live token nobody declared is a change: apply deletes
it. With no token declared at all, token state is not managed and nothing is deleted:
deleting every token would lock out every client, scimform included.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from scimform.diagnostics import Severity
from scimform.engine.token_plan import TokenNote
from scimform.model import MAX_TOKENS, ExpectedToken, TokenPolicy
from scimform.store import TokenInfo


class TokenState(enum.Enum):
    OK = "ok"
    EXPIRING = "expiring"
    ROTATION_DUE = "rotation due"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class TokenStatus:
    """One declared token's state on a day."""

    token: ExpectedToken
    days_left: int
    state: TokenState


@dataclass(frozen=True, slots=True)
class TokenReport:
    """The policy check's result: per-token states, findings, the live tokens nobody
    declared (apply deletes them) and the declared token ids the target lacks."""

    statuses: tuple[TokenStatus, ...]
    findings: tuple[TokenNote, ...]
    undeclared: tuple[TokenInfo, ...]
    missing: tuple[str, ...]
    live_checked: bool

    @property
    def matches_live(self) -> bool:
        """True when the live tokens are exactly the declared ones."""
        return not (self.undeclared or self.missing)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def rotation_due(self) -> tuple[ExpectedToken, ...]:
        """Declared tokens to rotate now (inside the rotation window or expired), soonest
        expiry first."""
        due = (TokenState.ROTATION_DUE, TokenState.EXPIRED)
        return tuple(s.token for s in self.statuses if s.state in due)


def check_tokens(
    expected: Sequence[ExpectedToken],
    policy: TokenPolicy,
    live: Sequence[TokenInfo] | None,
    today: date,
) -> TokenReport:
    """Check declared tokens on `today`; compare them with `live` when a token API gave it
    (None when the target has none, as AWS has not)."""
    ordered = sorted(expected, key=lambda t: (t.expires, t.id))
    statuses = tuple(_status(t, policy, today) for t in ordered)
    findings: list[TokenNote] = []
    if len(ordered) > MAX_TOKENS:
        findings.append(_too_many(len(ordered)))
    findings.extend(_finding(s, policy) for s in statuses if s.state is not TokenState.OK)
    undeclared: tuple[TokenInfo, ...] = ()
    missing: tuple[str, ...] = ()
    if live is not None and ordered:
        present = {t.id for t in live}
        declared = {t.id for t in ordered}
        missing = tuple(t.id for t in ordered if t.id not in present)
        undeclared = tuple(
            t for t in sorted(live, key=lambda t: (t.created, t.id)) if t.id not in declared
        )
        findings.extend(_missing(token_id) for token_id in missing)
        findings.extend(_undeclared(token) for token in undeclared)
        findings.extend(_date_findings(ordered, live))
    return TokenReport(statuses, tuple(findings), undeclared, missing, live is not None)


def _status(token: ExpectedToken, policy: TokenPolicy, today: date) -> TokenStatus:
    days = (token.expires - today).days
    if days <= 0:
        state = TokenState.EXPIRED
    elif days <= policy.rotate_before_expiry.days:
        state = TokenState.ROTATION_DUE
    elif days <= policy.warn_before_expiry.days:
        state = TokenState.EXPIRING
    else:
        state = TokenState.OK
    return TokenStatus(token, days, state)


def _name(token: ExpectedToken) -> str:
    return f"token {token.id}" + (f" (used by {token.used_by})" if token.used_by else "")


def _finding(status: TokenStatus, policy: TokenPolicy) -> TokenNote:
    token, days = status.token, status.days_left
    if status.state is TokenState.EXPIRED:
        ago = "today" if days == 0 else f"{-days} day{_s(-days)} ago"
        message = f"{_name(token)} expired on {token.expires}, {ago}; rotate it now"
        return _note(Severity.ERROR, "tokens.expired", message, token.id, days)
    when = f"expires on {token.expires}, in {days} day{_s(days)}"
    if status.state is TokenState.ROTATION_DUE:
        window = policy.rotate_before_expiry.days
        message = f"{_name(token)} {when}: rotation is due ({window} days before expiry)"
        return _note(Severity.WARNING, "tokens.rotation-due", message, token.id, days)
    message = f"{_name(token)} {when}"
    return _note(Severity.WARNING, "tokens.expiring", message, token.id, days)


def _too_many(count: int) -> TokenNote:
    message = (
        f"{count} tokens are declared; AWS allows {MAX_TOKENS}: delete the old token "
        "once its replacement works, and remove it from tokens:"
    )
    return _note(Severity.ERROR, "tokens.too-many", message)


def _missing(token_id: str) -> TokenNote:
    message = (
        f"token {token_id} is declared but the target has no such token; remove it from "
        "tokens: or record the token that replaced it (scimform tokens record)"
    )
    return _note(Severity.ERROR, "tokens.missing", message, token_id)


def _undeclared(token: TokenInfo) -> TokenNote:
    message = (
        f"token {token.id} (created {token.created.date()}) exists but is not declared; "
        "apply deletes it: declare it in tokens: to keep it"
    )
    return _note(Severity.WARNING, "tokens.undeclared", message, token.id)


def _date_findings(expected: Sequence[ExpectedToken], live: Sequence[TokenInfo]) -> list[TokenNote]:
    by_id = {t.id: t for t in live}
    findings = []
    for token in expected:
        found = by_id.get(token.id)
        if found is not None and found.expires.date() != token.expires:
            message = (
                f"token {token.id} is declared to expire on {token.expires} but the "
                f"target says {found.expires.date()}; correct tokens: to the target's date"
            )
            findings.append(_note(Severity.WARNING, "tokens.expiry-differs", message, token.id))
    return findings


def _note(
    severity: Severity,
    code: str,
    message: str,
    token_id: str | None = None,
    days_left: int | None = None,
) -> TokenNote:
    return TokenNote(
        severity=severity, code=code, message=message, token_id=token_id, days_left=days_left
    )


def _s(count: int) -> str:
    return "" if count == 1 else "s"
