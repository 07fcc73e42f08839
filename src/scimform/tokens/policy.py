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
from scimform.model import MAX_TOKENS, ExpectedToken, TokenPolicy
from scimform.store import TokenInfo


class TokenState(enum.Enum):
    OK = "ok"
    EXPIRING = "expiring"
    ROTATION_DUE = "rotation due"
    EXPIRED = "expired"


class TokenAction(enum.Enum):
    DELETE = "delete"  # live, not declared: apply deletes it
    MISSING = "missing"  # declared, not live: the YAML or the target is wrong


@dataclass(frozen=True, slots=True)
class TokenStatus:
    """One declared token's state on a day."""

    token: ExpectedToken
    days_left: int
    state: TokenState


@dataclass(frozen=True, slots=True)
class TokenChange:
    """A difference between declared and live tokens."""

    action: TokenAction
    token_id: str
    created: date | None = None  # from the live token, for a delete


@dataclass(frozen=True, slots=True)
class TokenFinding:
    """One thing to say about token state: a stable code, and the message in plain words
    (which names token ids and dates, never a secret)."""

    severity: Severity
    code: str
    message: str
    token_id: str | None = None
    days_left: int | None = None


@dataclass(frozen=True, slots=True)
class TokenReport:
    """The policy check's result: per-token states, findings, and token changes."""

    statuses: tuple[TokenStatus, ...]
    findings: tuple[TokenFinding, ...]
    changes: tuple[TokenChange, ...]
    live_checked: bool

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
    findings: list[TokenFinding] = []
    if len(ordered) > MAX_TOKENS:
        findings.append(_too_many(len(ordered)))
    findings.extend(_finding(s, policy) for s in statuses if s.state is not TokenState.OK)
    changes: tuple[TokenChange, ...] = ()
    if live is not None and ordered:
        changes = _differences(ordered, live)
        findings.extend(_change_finding(c) for c in changes)
        findings.extend(_date_findings(ordered, live))
    return TokenReport(statuses, tuple(findings), changes, live is not None)


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


def _finding(status: TokenStatus, policy: TokenPolicy) -> TokenFinding:
    token, days = status.token, status.days_left
    if status.state is TokenState.EXPIRED:
        ago = "today" if days == 0 else f"{-days} day{_s(-days)} ago"
        message = f"{_name(token)} expired on {token.expires}, {ago}; rotate it now"
        return TokenFinding(Severity.ERROR, "tokens.expired", message, token.id, days)
    when = f"expires on {token.expires}, in {days} day{_s(days)}"
    if status.state is TokenState.ROTATION_DUE:
        window = policy.rotate_before_expiry.days
        message = f"{_name(token)} {when}: rotation is due ({window} days before expiry)"
        return TokenFinding(Severity.WARNING, "tokens.rotation-due", message, token.id, days)
    message = f"{_name(token)} {when}"
    return TokenFinding(Severity.WARNING, "tokens.expiring", message, token.id, days)


def _too_many(count: int) -> TokenFinding:
    message = (
        f"{count} tokens are declared; AWS allows {MAX_TOKENS}: delete the old token "
        "once its replacement works, and remove it from tokens:"
    )
    return TokenFinding(Severity.ERROR, "tokens.too-many", message)


def _differences(
    expected: Sequence[ExpectedToken], live: Sequence[TokenInfo]
) -> tuple[TokenChange, ...]:
    declared = {t.id for t in expected}
    present = {t.id for t in live}
    missing = [TokenChange(TokenAction.MISSING, t.id) for t in expected if t.id not in present]
    extra = [
        TokenChange(TokenAction.DELETE, t.id, t.created.date())
        for t in sorted(live, key=lambda t: (t.created, t.id))
        if t.id not in declared
    ]
    return (*missing, *extra)


def _change_finding(change: TokenChange) -> TokenFinding:
    if change.action is TokenAction.MISSING:
        message = (
            f"token {change.token_id} is declared but the target has no such token; "
            "remove it from tokens: or record the token that replaced it "
            "(scimform tokens record)"
        )
        return TokenFinding(Severity.ERROR, "tokens.missing", message, change.token_id)
    message = (
        f"token {change.token_id} (created {change.created}) exists but is not declared; "
        "apply deletes it: declare it in tokens: to keep it"
    )
    return TokenFinding(Severity.WARNING, "tokens.undeclared", message, change.token_id)


def _date_findings(
    expected: Sequence[ExpectedToken], live: Sequence[TokenInfo]
) -> list[TokenFinding]:
    by_id = {t.id: t for t in live}
    findings = []
    for token in expected:
        found = by_id.get(token.id)
        if found is not None and found.expires.date() != token.expires:
            message = (
                f"token {token.id} is declared to expire on {token.expires} but the "
                f"target says {found.expires.date()}; correct tokens: to the target's date"
            )
            findings.append(
                TokenFinding(Severity.WARNING, "tokens.expiry-differs", message, token.id)
            )
    return findings


def _s(count: int) -> str:
    return "" if count == 1 else "s"
