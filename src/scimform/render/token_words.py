"""The words every rendering of a plan's token part shares: the token changes, the token
check's findings with the days left, how to run a rotation, and AWS's console steps.

Each line comes with what it is (`TokenLine.kind`), so that the text renderer can colour
it and the markdown renderer format it. Token ids and dates only, never a secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from scimform.engine.plan import Plan
from scimform.engine.token_plan import TokenChange, TokenOperation, TokenPlan
from scimform.render import words

SYMBOLS = {TokenOperation.DELETE: "-", TokenOperation.ROTATE: "-/+"}
_FATES = {TokenOperation.DELETE: "will be deleted", TokenOperation.ROTATE: "will be rotated"}
_LABELS = {"error": "Token error", "warning": "Token warning"}
ONLY_TOKENS = "No changes to users or groups."


@dataclass(frozen=True, slots=True)
class TokenLine:
    """One line: `kind` is "change", "summary", "error", "warning", "note" or "step";
    `symbol` is set for a change."""

    kind: str
    text: str
    symbol: str = ""


def change_text(change: TokenChange) -> str:
    """`token 0f3c… will be deleted (not declared; created 2026-01-05)`."""
    created = (
        f"; created {change.created}"
        if change.created and change.operation is TokenOperation.DELETE
        else ""
    )
    return f"token {change.token_id} {_FATES[change.operation]} ({change.reason}{created})"


def first_line(plan: Plan) -> str:
    """The plan's summary line; when only tokens change, says so instead of zero counts."""
    if plan.changes:
        return words.summary_line(plan)
    return ONLY_TOKENS if plan.has_changes else words.NO_CHANGES


def summary(tokens: TokenPlan) -> str:
    """`Tokens: 1 to delete, 1 to rotate.`"""
    rotate = 1 if tokens.rotation is not None else 0
    return f"Tokens: {len(tokens.deletes)} to delete, {rotate} to rotate."


def token_lines(tokens: TokenPlan) -> list[TokenLine]:
    """The token part of a plan, in the order shown: changes, their count, findings,
    notes and console steps. Empty when there is nothing to say."""
    lines = [TokenLine("change", change_text(c), SYMBOLS[c.operation]) for c in tokens.changes]
    if tokens.changes:
        lines.append(TokenLine("summary", summary(tokens)))
    lines += [
        TokenLine(
            f.severity.value,
            f"{_LABELS.get(f.severity.value, 'Token note')} [{f.code}]: {f.message}",
        )
        for f in tokens.findings
    ]
    lines += [TokenLine("note", note) for note in tokens.notes]
    lines += [TokenLine("step", step) for step in tokens.console_steps]
    return lines
