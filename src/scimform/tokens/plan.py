"""The token part of a plan, from the declared tokens, the live tokens and the time. Pure.

On a target with a token API, a live token nobody declared is deleted by apply, with two
exceptions that keep clients working: a token used in the last `IN_USE_WINDOW` may be the
one this very plan runs with (the target marks a token used when it authenticates, and
the plan has just authenticated), so it is kept and reported; and if no live token is
declared at all, deleting them would lock out every client, so none is deleted. A due
rotation is a change apply runs when it is given a sink. Without a token API, the plan
says how to rotate: the console steps on AWS, `--admin-key-file` on a `scimform serve`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from scimform.diagnostics import Severity
from scimform.engine.token_plan import TokenChange, TokenNote, TokenOperation, TokenPlan
from scimform.model import DesiredState, ExpectedToken
from scimform.store import TokenInfo
from scimform.tokens.console import console_steps
from scimform.tokens.policy import TokenReport, check_tokens
from scimform.tokens.target import TargetKind

IN_USE_WINDOW = timedelta(minutes=10)
# Findings that make the config wrong but leave the plan sound (apply acts on neither):
# warnings in a plan, so that a `local:` demo store, whose token ids cannot be the
# declared ones, still plans and applies. `scimform tokens status` keeps them errors.
_PLAN_WARNINGS = frozenset({"tokens.missing"})
SINK_HINT = "--token-sink file:PATH (or 'command:CMD', the token on its stdin)"


def plan_tokens(
    desired: DesiredState, live: Sequence[TokenInfo] | None, kind: TargetKind, now: datetime
) -> TokenPlan:
    """The token part of a plan at `now` (UTC). `live` is the target's tokens, or None when
    it has no token API. With no token declared, tokens are not managed: empty."""
    if not desired.tokens:
        return TokenPlan()
    report = check_tokens(desired.tokens, desired.token_policy, live, now.date())
    deletes, extra = _deletes(report, live or (), now)
    dropped = {t.id for t in report.undeclared} - {c.token_id for c in deletes}
    findings = [_note(f) for f in report.findings if not _undeclared(f, dropped)] + extra
    plan = TokenPlan(managed=True, live_compared=live is not None, findings=tuple(findings))
    due = report.rotation_due
    if not due:
        return plan.model_copy(update={"changes": deletes})
    return _with_rotation(plan, deletes, due[0], desired.tokens, live, kind)


def _deletes(
    report: TokenReport, live: Sequence[TokenInfo], now: datetime
) -> tuple[tuple[TokenChange, ...], list[TokenNote]]:
    by_id = {t.id: t for t in live}
    undeclared = [by_id[t.id] for t in report.undeclared]
    if undeclared and len(undeclared) == len(live):
        return (), [_all_undeclared(live)]
    kept = [t for t in undeclared if _recently_used(t, now)]
    deletes = tuple(
        TokenChange(
            operation=TokenOperation.DELETE,
            token_id=t.id,
            reason="not declared",
            created=t.created.date(),
            expires=t.expires.date(),
        )
        for t in undeclared
        if t not in kept
    )
    return deletes, [_kept(t) for t in kept]


def _with_rotation(
    plan: TokenPlan,
    deletes: tuple[TokenChange, ...],
    old: ExpectedToken,
    declared: Sequence[ExpectedToken],
    live: Sequence[TokenInfo] | None,
    kind: TargetKind,
) -> TokenPlan:
    if live is None:
        return plan.model_copy(
            update={"changes": deletes, **_rotation_without_api(old, declared, kind)}
        )
    if old.id not in {t.id for t in live}:
        return plan.model_copy(update={"changes": deletes})  # reported missing already
    rotation = TokenChange(
        operation=TokenOperation.ROTATE,
        token_id=old.id,
        reason=f"rotation due: expires {old.expires}",
        created=old.created,
        expires=old.expires,
    )
    note = (
        f"Rotation of token {old.id} is due: `scimform apply` runs it when given {SINK_HINT}, "
        "which receives the new token; or run `scimform tokens rotate`."
    )
    return plan.model_copy(update={"changes": (*deletes, rotation), "notes": (note,)})


def _rotation_without_api(
    old: ExpectedToken, declared: Sequence[ExpectedToken], kind: TargetKind
) -> dict[str, tuple[str, ...]]:
    if kind is TargetKind.AWS:
        note = f"Rotation of token {old.id} is due. AWS has no token API: in the AWS console,"
        return {"notes": (note,), "console_steps": tuple(console_steps(old, declared))}
    note = (
        f"Rotation of token {old.id} is due: plan and apply with --admin-key-file (the key "
        f"file scimform serve was started with) and {SINK_HINT} to run it, or run "
        "`scimform tokens rotate`."
    )
    return {"notes": (note,)}


def _recently_used(token: TokenInfo, now: datetime) -> bool:
    return token.last_used is not None and token.last_used >= now - IN_USE_WINDOW


def _kept(token: TokenInfo) -> TokenNote:
    used = token.last_used.strftime("%Y-%m-%d %H:%M") if token.last_used else "?"
    minutes = int(IN_USE_WINDOW.total_seconds() // 60)
    message = (
        f"token {token.id} is not declared, but it was used at {used} UTC, within the last "
        f"{minutes} minutes: it may be the token in use, so apply keeps it; declare it in "
        "tokens: (scimform tokens record), or delete it once nothing uses it"
    )
    return TokenNote(
        severity=Severity.WARNING,
        code="tokens.undeclared-in-use",
        message=message,
        token_id=token.id,
    )


def _all_undeclared(live: Sequence[TokenInfo]) -> TokenNote:
    ids = ", ".join(t.id for t in live)
    message = (
        f"none of the target's tokens ({ids}) is declared: deleting them would lock out "
        "every client, so apply deletes none; declare the token in use in tokens: "
        "(scimform tokens record --id ID --created YYYY-MM-DD)"
    )
    return TokenNote(severity=Severity.WARNING, code="tokens.none-declared-live", message=message)


def _undeclared(finding: TokenNote, kept: set[str]) -> bool:
    """The policy's "apply deletes it" finding, for a token apply keeps after all."""
    return finding.code == "tokens.undeclared" and finding.token_id in kept


def _note(finding: TokenNote) -> TokenNote:
    """The policy's finding as a plan says it: findings that leave the plan sound are
    warnings there."""
    if finding.code in _PLAN_WARNINGS:
        return finding.model_copy(update={"severity": Severity.WARNING})
    return finding
