"""The applies an audit log records, picked by time and told for people or tools."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from scimform.audit import ApplyRecord, PullRequest, Step
from scimform.review.attribution import outcome_of
from scimform.review.tables import apply_flags, when


def between(
    applies: Iterable[ApplyRecord], since: datetime | None, until: datetime | None
) -> list[ApplyRecord]:
    """The applies begun inside [since, until] (either end may be open)."""
    return [
        a
        for a in applies
        if (since is None or a.time >= since) and (until is None or a.time <= until)
    ]


def apply_text(apply: ApplyRecord) -> list[str]:
    """An apply in lines: who, when, from which commit, its pull requests, its steps."""
    begin = apply.begin
    commit = (begin.commit or "no commit")[:7]
    lines = [
        f"{when(begin.time)}  apply {begin.apply_id[:8]}  by {begin.actor}  "
        f"{outcome_of(apply)}  commit {commit}  plan {begin.plan_hash[:12]}  "
        f"-> {begin.shown_target}"
    ]
    lines += [f"  {pull_text(p)}" for p in begin.pull_requests]
    flags = apply_flags(apply)
    if flags:
        lines.append("  " + " ".join(f"[{flag}]" for flag in flags))
    lines += [f"  {step_text(s)}" for s in apply.steps]
    if apply.end is not None and apply.end.stop_reason:
        lines.append(f"  stopped: {apply.end.stop_reason}")
    return lines


def pull_text(pull: PullRequest) -> str:
    """`#42 "title" by jane, merged by max 2026-07-01T10:00:00Z, approved by bob  URL`."""
    parts = [f"#{pull.number}"]
    if pull.title:
        parts.append(f'"{pull.title}"')
    if pull.author:
        parts.append(f"by {pull.author}")
    text = " ".join(parts)
    if pull.merged_by:
        text += f", merged by {pull.merged_by} {when(pull.merged_at)}".rstrip()
    approvers = ", ".join(pull.approvers) or "nobody"
    text += f", approved by {approvers}"
    return f"{text}  {pull.url}" if pull.url else text


def step_text(step: Step) -> str:
    """`done  add_members group "platform-admins": alice@corp.example (id)`."""
    members = ", ".join(f"{m.user_name} ({m.id})" if m.id else m.user_name for m in step.members)
    text = f'{step.outcome:<11} {step.action} {step.kind} "{step.key}"'
    if members:
        text += f": {members}"
    if step.detail:
        text += f" ({step.detail})"
    return text


def apply_json(apply: ApplyRecord) -> dict[str, Any]:
    """An apply as JSON: its begin, steps, token operations and end as recorded, with its
    outcome and flags."""
    return {
        "apply_id": apply.begin.apply_id,
        "outcome": outcome_of(apply),
        "interrupted": apply.interrupted,
        "flags": apply_flags(apply),
        "begin": apply.begin.model_dump(mode="json"),
        "steps": [s.model_dump(mode="json") for s in apply.steps],
        "tokens": [t.model_dump(mode="json") for t in apply.tokens],
        "end": apply.end.model_dump(mode="json") if apply.end is not None else None,
    }
