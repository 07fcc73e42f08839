"""The review pack's content: every group's members at the start and at the end of the
period, every change that landed in it (joined with the audit trail), the applies run in
it, the flags, and how far the audit trail can be trusted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scimform.audit import ApplyRecord, Log
from scimform.audit.drift import Incident, Observation, incidents
from scimform.engine.match import group_names, same_identity
from scimform.errors import ScimformError
from scimform.history.access import Membership, Moment, memberships, state_at
from scimform.history.changes import person_key
from scimform.history.timeline import read_history
from scimform.history.window import Bound, Window, end_of, start_of
from scimform.model import DesiredState, Group, name_order, user_key
from scimform.review.applies import between
from scimform.review.attribution import Attributed, attribute


@dataclass(frozen=True, slots=True)
class Trail:
    """The audit log read: its path, whether its chain is intact, its head hash, and the
    breaks found."""

    path: str
    intact: bool
    head: str
    breaks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pack:
    """Everything the review pack shows (see the module doc)."""

    directory: str
    start: datetime
    end: datetime
    generated: datetime
    at_start: Moment
    at_end: Moment
    members_start: list[Membership]
    members_end: list[Membership]
    changes: list[Attributed]
    applies: list[ApplyRecord]
    trail: Trail | None
    commits: int
    drift: list[Incident] | None = None
    drift_path: str | None = None

    @property
    def flagged(self) -> list[Attributed]:
        return [c for c in self.changes if c.flags]


@dataclass(frozen=True, slots=True)
class GroupPeriod:
    """One group over the period: its name (at the end, "(was ...)" after a rename), its
    members at the start and at the end, and who joined and who left. A member renamed
    in the period (same externalId) neither joined nor left."""

    name: str
    start: list[str]
    end: list[str]
    joined: list[str]
    left: list[str]


def group_periods(pack: Pack) -> list[GroupPeriod]:
    """Every group declared at the start or at the end; a group renamed in the period
    (matched by the engine's identity rule, `previously:` included) is one group."""
    start_state, end_state = pack.at_start.desired, pack.at_end.desired
    start = list(start_state.groups)
    found = []
    for group in end_state.groups:
        was = next((g for g in start if same_identity(group, g, group_names)), None)
        if was is not None:
            start.remove(was)
        name = group.display_name
        if was is not None and was.display_name != name:
            name = f"{name} (was {was.display_name})"
        found.append(_period(name, was, group, start_state, end_state))
    found += [_period(g.display_name, g, None, start_state, end_state) for g in start]
    return sorted(found, key=lambda p: name_order(p.name))


def _period(
    name: str, was: Group | None, now: Group | None, before: DesiredState, after: DesiredState
) -> GroupPeriod:
    old = _people(was.members if was else (), before)
    new = _people(now.members if now else (), after)
    joined = [m for key, m in new.items() if key not in old]
    left = [m for key, m in old.items() if key not in new]
    return GroupPeriod(name, _sorted(old.values()), _sorted(new.values()), _sorted(joined),
                       _sorted(left))  # fmt: skip


def _people(members: Iterable[str], state: DesiredState) -> dict[str, str]:
    """Each member's identity key (externalId when declared, else userName) -> userName."""
    users = {user_key(u.user_name): u for u in state.users}
    found = {}
    for member in members:
        user = users.get(user_key(member))
        found[person_key(user) if user is not None else f"n:{user_key(member)}"] = member
    return found


def _sorted(names: Iterable[str]) -> list[str]:
    return sorted(names, key=name_order)


def period(since: str, until: str) -> tuple[datetime, datetime]:
    """The first and last moments of the period `since` to `until` (dates or times)."""
    start, end = start_of(since), end_of(until)
    for text, moment in ((since, start), (until, end)):
        if moment is None:
            raise ScimformError(f'"{text}" is not a date (YYYY-MM-DD) or a time (ISO 8601)')
    assert start is not None and end is not None
    if end < start:
        raise ScimformError(f"--to {until} is before --from {since}: give the period in order")
    return start, end


def build_pack(
    directory: Path,
    since: str,
    until: str,
    log: Log | None,
    log_path: Path | None,
    drift: tuple[list[Observation], Path] | None = None,
) -> Pack:
    """The pack for the config in `directory` over the period `since` to `until`; `drift`
    is the drift log read, and where from."""
    start, end = period(since, until)
    before = start - timedelta(microseconds=1)
    at_start = state_at(directory, f"the start of {since}", before)
    at_end = state_at(directory, f"the end of {until}", end)
    history = read_history(directory, since=start, until=end)
    inside = Window(Bound(since, moment=start), Bound(until, moment=end))
    entries = inside.keep(history.entries, history)
    applies = log.applies if log is not None else []
    return Pack(
        directory=history.directory,
        start=start,
        end=end,
        generated=datetime.now(UTC),
        at_start=at_start,
        at_end=at_end,
        members_start=memberships(at_start.desired),
        members_end=memberships(at_end.desired),
        changes=attribute(entries, applies),
        applies=between(applies, start, end),
        trail=_trail(log, log_path),
        commits=history.commits,
        drift=None if drift is None else drift_in(drift[0], start, end),
        drift_path=None if drift is None else str(drift[1]),
    )


def drift_in(seen: list[Observation], start: datetime, end: datetime) -> list[Incident]:
    """The drift incidents that overlap the period: first seen by its end, and still there,
    or resolved, after its start. (The branch keeps one drift log per config directory.)"""
    return [
        i for i in incidents(seen) if i.first_seen <= end and (i.resolved or i.last_seen) >= start
    ]


def _trail(log: Log | None, path: Path | None) -> Trail | None:
    if log is None or path is None:
        return None
    return Trail(str(path), log.intact, log.head, tuple(log.breaks))
