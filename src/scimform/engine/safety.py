"""Safety: a plan that deletes, updates or takes away access from too large a share of the
live store is unsafe, and apply refuses it without --force.

Thresholds come from `safety:` in scimform.yaml (engine.policy.Safety). They apply to:
- users and groups, each kind on its own: deletes (deletes and the old halves of replaces)
  against `max_delete_pct`, in-place attribute updates against `max_update_pct`;
- access: membership removals are judged like deletes, over all the live memberships read
  and within each group (the members a deleted group had count as removed);
- a plan that takes every member out of a group that keeps existing is unsafe whatever the
  numbers: emptying a group is rarely meant.
Below `min_existing` live objects of a kind (or members of a group) the shares do not
apply: on a near-empty store every change is a large share.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from scimform.engine.changes import Action, Change, Kind
from scimform.engine.policy import Safety
from scimform.model import LiveState

OVERRIDE_HINT = (
    "Re-run with --force to apply it anyway, or raise the threshold under `safety:` in "
    "scimform.yaml."
)


class Threshold(enum.Enum):
    MAX_DELETE_PCT = "max_delete_pct"
    MAX_UPDATE_PCT = "max_update_pct"
    EMPTIES_GROUP = "empties_group"


class Subject(enum.Enum):
    """What a breach counts: live users, live groups, all live memberships, or the members
    of one group."""

    USERS = "users"
    GROUPS = "groups"
    MEMBERSHIPS = "memberships"
    GROUP_MEMBERS = "group_members"


class Breach(BaseModel):
    """One threshold a plan exceeds, with the figures (`group` names the group for the
    per-group checks)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: Threshold
    subject: Subject
    count: int
    existing: int
    limit_pct: float = 0
    group: str | None = None

    def describe(self) -> str:
        """The breach in words, e.g. "deletes 5 of 20 live users (25%), above ..."."""
        if self.threshold is Threshold.EMPTIES_GROUP:
            return (
                f'removes every member of group "{self.group}" ({self.count}); emptying a group '
                "is unsafe"
            )
        share = f"({100 * self.count / self.existing:.3g}%)"
        limit = f"above safety.{self.threshold.value} ({self.limit_pct:g}%)"
        if self.subject is Subject.GROUP_MEMBERS:
            what = f'removes {self.count} of the {self.existing} members of group "{self.group}"'
        elif self.subject is Subject.MEMBERSHIPS:
            what = f"removes {self.count} of {self.existing} live memberships"
        else:
            verb = "deletes" if self.threshold is Threshold.MAX_DELETE_PCT else "updates"
            what = f"{verb} {self.count} of {self.existing} live {self.subject.value}"
        return f"{what} {share}, {limit}"


class SafetyVerdict(BaseModel):
    """Whether a plan may be applied without --force, and if not, why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    safe: bool = True
    breaches: tuple[Breach, ...] = ()


@dataclass(frozen=True, slots=True)
class LiveCounts:
    """How much exists live: users, groups, and the memberships of the groups read."""

    users: int = 0
    groups: int = 0
    memberships: int = 0

    @classmethod
    def of(cls, live: LiveState) -> LiveCounts:
        """The counts of a live state (memberships only of the groups whose members were
        read: the others are never changed)."""
        read = live.members_read
        memberships = sum(len(g.members) for g in live.groups if g.id in read)
        return cls(len(live.users), len(live.groups), memberships)


def assess(changes: Sequence[Change], live: LiveCounts, policy: Safety) -> SafetyVerdict:
    """Judge a plan's changes against the thresholds, given what exists live."""
    breaches = [
        *_object_breaches(changes, Kind.USER, Subject.USERS, live.users, policy),
        *_object_breaches(changes, Kind.GROUP, Subject.GROUPS, live.groups, policy),
        *_access_breaches(changes, live.memberships, policy),
    ]
    return SafetyVerdict(safe=not breaches, breaches=tuple(breaches))


def _over(count: int, existing: int, limit: float, policy: Safety) -> bool:
    floor = max(1, policy.min_existing)
    return existing >= floor and 100 * count > limit * existing


def _object_breaches(
    changes: Sequence[Change], kind: Kind, subject: Subject, existing: int, policy: Safety
) -> list[Breach]:
    of_kind = [c for c in changes if c.kind is kind]
    counts = (
        (Threshold.MAX_DELETE_PCT, sum(c.destroys for c in of_kind), policy.max_delete_pct),
        (
            Threshold.MAX_UPDATE_PCT,
            sum(c.changes_attributes for c in of_kind),
            policy.max_update_pct,
        ),
    )
    return [
        Breach(threshold=t, subject=subject, count=n, existing=existing, limit_pct=limit)
        for t, n, limit in counts
        if _over(n, existing, limit, policy)
    ]


def _access_breaches(changes: Sequence[Change], memberships: int, policy: Safety) -> list[Breach]:
    groups = [c for c in changes if c.kind is Kind.GROUP and c.members_removed]
    out = []
    for change in groups:
        removed = len(change.members_removed)
        kept = change.members_unchanged + len(change.members_added)
        if change.action is not Action.DELETE and kept == 0:
            out.append(_emptied(change, removed))
            continue
        had = removed + change.members_unchanged
        out += _removals(Subject.GROUP_MEMBERS, removed, had, policy, group=change.key)
    total = sum(len(c.members_removed) for c in groups)
    return out + _removals(Subject.MEMBERSHIPS, total, memberships, policy)


def _removals(
    subject: Subject, removed: int, existing: int, policy: Safety, group: str | None = None
) -> list[Breach]:
    """The breach of removing `removed` of `existing` members, judged like deletes."""
    limit = policy.max_delete_pct
    if not _over(removed, existing, limit, policy):
        return []
    breach = Breach(
        threshold=Threshold.MAX_DELETE_PCT,
        subject=subject,
        count=removed,
        existing=existing,
        limit_pct=limit,
        group=group,
    )
    return [breach]


def _emptied(change: Change, removed: int) -> Breach:
    return Breach(
        threshold=Threshold.EMPTIES_GROUP,
        subject=Subject.GROUP_MEMBERS,
        count=removed,
        existing=removed,
        group=change.key,
    )
