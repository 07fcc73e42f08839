"""Who granted what, who approved it, and when it reached the store.

A history entry (a change as it landed) is joined with the audit trail: the pull request
that landed it is looked up among the pull requests apply recorded (number, author, merger,
approvers), and the apply that carried it out is the first one that names the landing
commit or the pull request, else the first after the landing whose steps made this very
change (a change that waited for a later apply).

Flags are what an access review asks about:
- self-granted: the author adds themselves to a group and nobody else approved;
- direct push: the change landed without a pull request;
- applied without review: the apply that carried it out carried no pull request.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from scimform.audit import ApplyRecord, PullRequest, Step
from scimform.history.changes import Event
from scimform.history.timeline import Entry

SELF_GRANTED = "self-granted"
DIRECT_PUSH = "direct push"
UNREVIEWED = "applied without review"

_STEP_ACTIONS = {
    "member-added": ("add_members",),
    "member-removed": ("remove_members",),
    "created": ("create", "replace"),
    "deleted": ("delete", "deactivate"),
    "updated": ("update", "deactivate"),
}


@dataclass(frozen=True, slots=True)
class Applied:
    """The apply that carried a change out: its id, when (the step's time when a step made
    the change, else the apply's start), its outcome, who ran it, and whether it carried a
    pull request."""

    apply_id: str
    time: datetime
    outcome: str
    actor: str
    reviewed: bool


@dataclass(frozen=True, slots=True)
class Attributed:
    """A change with what the audit trail knows of it, and its flags."""

    entry: Entry
    pull: PullRequest | None
    applied: Applied | None
    flags: tuple[str, ...]

    @property
    def approvers(self) -> tuple[str, ...]:
        return self.pull.approvers if self.pull is not None else ()


def outcome_of(apply: ApplyRecord) -> str:
    """An apply's outcome in one word: succeeded, failed, stopped or interrupted."""
    if apply.interrupted:
        return "interrupted"
    if apply.stopped:
        return "stopped"
    return "succeeded" if apply.succeeded else "failed"


def attribute(entries: Iterable[Entry], applies: Sequence[ApplyRecord]) -> list[Attributed]:
    """Every entry with its pull request, apply and flags (see the module doc)."""
    pulls = _pulls(applies)
    ordered = sorted(applies, key=lambda a: a.time)
    found = []
    for entry in entries:
        pull = pulls.get(entry.pr) if entry.pr is not None else None
        applied = _applied(entry, ordered)
        found.append(Attributed(entry, pull, applied, flags(entry, pull, applied)))
    return found


def flags(entry: Entry, pull: PullRequest | None, applied: Applied | None) -> tuple[str, ...]:
    """The flags of one change (see the module doc)."""
    found: list[str] = []
    if entry.event.subject == "config":
        return ()  # a config that did not load is no change to flag
    if entry.event.action == "member-added" and _self_granted(entry, pull):
        found.append(SELF_GRANTED)
    if entry.direct and pull is None:
        found.append(DIRECT_PUSH)
    if applied is not None and not applied.reviewed:
        found.append(UNREVIEWED)
    return tuple(found)


def _self_granted(entry: Entry, pull: PullRequest | None) -> bool:
    member = (entry.event.member or "").casefold()
    authors = {entry.commit.email.casefold(), entry.commit.author.casefold()}
    if pull is not None and pull.author:
        authors.add(pull.author.casefold())
    local = member.split("@")[0]
    if member not in authors and local not in authors:
        return False
    others = {a.casefold() for a in (pull.approvers if pull is not None else ())} - authors
    return not others


def _pulls(applies: Iterable[ApplyRecord]) -> dict[int, PullRequest]:
    """Each pull request the trail records, as last recorded."""
    return {pull.number: pull for apply in applies for pull in apply.begin.pull_requests}


def _applied(entry: Entry, applies: Sequence[ApplyRecord]) -> Applied | None:
    named = [a for a in applies if _names(a, entry)]
    for apply in named:
        step = _step_for(apply.steps, entry.event)
        if step is not None:
            return _as_applied(apply, step)
    later = (a for a in applies if a.time >= entry.landed and a not in named)
    for apply in later:
        step = _step_for(apply.steps, entry.event)
        if step is not None:
            return _as_applied(apply, step)
    return _as_applied(named[0], None) if named else None


def _names(apply: ApplyRecord, entry: Entry) -> bool:
    if apply.begin.commit == entry.landed_by.sha:
        return True
    return entry.pr is not None and any(p.number == entry.pr for p in apply.begin.pull_requests)


def _step_for(steps: Iterable[Step], event: Event) -> Step | None:
    actions = _STEP_ACTIONS.get(event.action, ())
    name = event.name.casefold()
    for step in steps:
        if step.action not in actions or step.kind != event.subject:
            continue
        if step.key.casefold() != name:
            continue
        if event.member is None:
            return step
        member = event.member.casefold()
        if any(m.user_name.casefold() == member for m in step.members):
            return step
    return None


def _as_applied(apply: ApplyRecord, step: Step | None) -> Applied:
    outcome = step.outcome if step is not None else f"{outcome_of(apply)} (no step needed)"
    return Applied(
        apply.begin.apply_id,
        step.time if step is not None else apply.time,
        outcome,
        apply.actor,
        bool(apply.begin.pull_requests),
    )
