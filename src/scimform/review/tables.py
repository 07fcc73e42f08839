"""The review's tables, defined once: a header and rows of text for each of memberships,
changes and applies. CSV files, the HTML page and the commands' CSV output all read them.

A CSV cell that a spreadsheet would run as a formula (one starting with =, +, -, @, a tab
or a carriage return: a displayName can be anything) is written with a leading ', as
spreadsheets expect, so opening the review pack runs nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from scimform.audit import ApplyRecord, Step
from scimform.audit.drift import Incident
from scimform.history.access import Membership
from scimform.history.wording import describe
from scimform.review.attribution import Attributed, outcome_of

Row = list[str]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")

MEMBER_HEADER = ["group", "userName", "displayName", "email", "externalId"]
CHANGE_HEADER = [
    "landed", "authored", "commit", "landed_commit", "pr", "pr_url", "author", "email",
    "subject", "name", "action", "member", "change", "approvers", "merged_by", "applied",
    "apply_outcome", "apply_id", "flags",
]  # fmt: skip
STEP_HEADER = [
    "apply_id", "started", "actor", "target", "commit", "plan_hash", "pull_requests",
    "approvers", "outcome", "step_time", "step", "kind", "key", "action", "step_outcome",
    "members", "detail", "flags",
]  # fmt: skip


DRIFT_HEADER = [
    "first_seen", "last_seen", "resolved", "status", "kind", "pull_requests", "subject",
    "what",
]  # fmt: skip


def when(moment: datetime | None) -> str:
    """A time as the tables show it: ISO 8601 in UTC to the second."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else ""


def member_rows(members: Iterable[Membership]) -> list[Row]:
    return [
        [m.group, m.user_name, m.display_name or "", m.email or "", m.external_id or ""]
        for m in members
    ]


def change_row(item: Attributed) -> Row:
    entry, event, pull, applied = item.entry, item.entry.event, item.pull, item.applied
    return [
        when(entry.landed),
        when(entry.authored),
        entry.commit.sha,
        entry.landed_by.sha,
        str(entry.pr) if entry.pr is not None else "",
        (pull.url or "") if pull is not None else "",
        entry.commit.author,
        entry.commit.email,
        event.subject,
        event.name,
        event.action,
        event.member or "",
        describe(event),
        " ".join(item.approvers),
        (pull.merged_by or "") if pull is not None else "",
        when(applied.time) if applied is not None else "",
        applied.outcome if applied is not None else "",
        applied.apply_id if applied is not None else "",
        "; ".join(item.flags),
    ]


def step_rows(apply: ApplyRecord) -> list[Row]:
    """One row per step of the apply (one row with empty step columns when it has none)."""
    steps: Sequence[Step | None] = apply.steps or [None]
    return [_step_row(apply, step) for step in steps]


def apply_flags(apply: ApplyRecord) -> list[str]:
    flags = [] if apply.begin.pull_requests else ["applied without review"]
    if apply.begin.forced:
        flags.append("forced past the safety thresholds")
    if apply.interrupted:
        flags.append("interrupted")
    return flags


def _step_row(apply: ApplyRecord, step: Step | None) -> Row:
    begin = apply.begin
    pulls = " ".join(f"#{p.number}" for p in begin.pull_requests)
    approvers = " ".join(sorted({a for p in begin.pull_requests for a in p.approvers}))
    head = [
        begin.apply_id, when(begin.time), begin.actor, begin.shown_target, begin.commit or "",
        begin.plan_hash, pulls, approvers, outcome_of(apply),
    ]  # fmt: skip
    tail = ["; ".join(apply_flags(apply))]
    if step is None:
        return [*head, "", "", "", "", "", "", "", "", *tail]
    members = " ".join(m.user_name for m in step.members)
    return [
        *head, when(step.time), step.step, step.kind, step.key, step.action, step.outcome,
        members, step.detail or "", *tail,
    ]  # fmt: skip


def drift_row(incident: Incident, end: datetime) -> Row:
    """A drift incident, its status as at `end`, the period's end."""
    resolved = incident.resolved is not None and incident.resolved <= end
    return [
        when(incident.first_seen),
        when(incident.last_seen),
        when(incident.resolved) if resolved else "",
        "resolved" if resolved else "present",
        incident.label,
        " ".join(f"#{n}" for n in incident.pull_requests),
        incident.subject,
        incident.what,
    ]


def csv_text(header: Row, rows: Iterable[Row]) -> str:
    """The table as CSV (RFC 4180, \\r\\n line ends as the csv module writes them)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_inert(cell) for cell in row] for row in rows)
    return out.getvalue()


def _inert(cell: str) -> str:
    return f"'{cell}" if cell[:1] in _FORMULA else cell
