"""A targeted plan: what changed in the config since a revision, and the part of the
desired state a plan of only that needs.

`touched(then, now)` compares the config at the revision with the config now. A user or
group whose record differs in any way (an attribute, its externalId, its name, its
`previously:` names or, for a group, its members) is touched, on both sides: its old
record is looked up by its old keys (a rename, a removal from the config), its new one
by its new keys (a create whose name is held live). The keys go into a `Scope`, which is
what the targeted reader (engine.read_targeted) looks up and what a saved plan records.

Safety shares need the size of the live store, which AWS cannot give without reading it
all. The counts of the config at the revision stand in for it (`stand_in_counts`): after
the revision was applied the store held at least that much, so the shares are, if
anything, overstated and the thresholds stricter. The plan says so.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from scimform.engine.match import Matching, group_names, match, user_names
from scimform.engine.safety import LiveCounts
from scimform.model import DesiredState, Group, LiveState, User


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(_Frozen):
    """The keys a targeted plan looks up: userNames and externalIds of the touched users,
    displayNames (former ones included) and externalIds of the touched groups. Sorted."""

    user_names: tuple[str, ...] = ()
    user_external_ids: tuple[str, ...] = ()
    group_names: tuple[str, ...] = ()
    group_external_ids: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing changed: a targeted plan reads nothing."""
        return not (self.user_names or self.user_external_ids or self.group_names)


class StandIn(_Frozen):
    """The counts that stand in for the live store's size in the safety shares: those of
    the config at the revision (users, groups, and the members of its groups)."""

    users: int = 0
    groups: int = 0
    memberships: int = 0

    def counts(self) -> LiveCounts:
        """As the safety judge takes them."""
        return LiveCounts(self.users, self.groups, self.memberships)


class Coverage(_Frozen):
    """What a targeted plan covered: the commit it compared the config with, the keys it
    looked up, how many live users and groups it read (the rest of the store was not
    read), and the stand-in counts its safety shares were judged against."""

    changed_since: str
    scope: Scope
    users_read: int = 0
    groups_read: int = 0
    stand_in: StandIn = StandIn()


@dataclass(frozen=True, slots=True)
class Targeting:
    """A targeted plan's inputs: the revision's commit, the scope and the stand-in counts."""

    commit: str
    scope: Scope
    stand_in: StandIn


def targeting(commit: str, then: DesiredState, now: DesiredState) -> Targeting:
    """The scope of the change from `then` (the config at `commit`) to `now`."""
    return Targeting(commit, touched(then, now), stand_in_counts(then))


def coverage(target: Targeting, live: LiveState) -> Coverage:
    """What a targeted plan made from `live` (read for `target`) covered."""
    return Coverage(
        changed_since=target.commit,
        scope=target.scope,
        users_read=len(live.users),
        groups_read=len(live.groups),
        stand_in=target.stand_in,
    )


def touched(then: DesiredState, now: DesiredState) -> Scope:
    """The keys of every user and group whose record differs between `then` and `now`."""
    users = set(then.users) ^ set(now.users)
    groups = set(then.groups) ^ set(now.groups)
    return Scope(
        user_names=_sorted(u.user_name for u in users),
        user_external_ids=_sorted(u.external_id for u in users),
        group_names=_sorted(name for g in groups for name in group_names(g)),
        group_external_ids=_sorted(g.external_id for g in groups),
    )


def stand_in_counts(then: DesiredState) -> StandIn:
    """The counts of the config at the revision."""
    members = sum(len(g.members) for g in then.groups)
    return StandIn(users=len(then.users), groups=len(then.groups), memberships=members)


def desired_part(desired: DesiredState, live: LiveState, scope: Scope) -> DesiredState:
    """The part of `desired` a plan against the partial `live` compares: the objects in
    scope, those that are the live objects read (so that none of those looks undeclared),
    the members of the groups kept and the managers of the users kept (so that every name
    resolves). Order is kept."""
    keys = _Keys(scope)
    live_groups = _matched(desired.groups, live.groups, group_names)
    groups = [g for g in desired.groups if id(g) in live_groups or keys.has_group(g)]
    named = {m.casefold() for g in groups for m in g.members}
    live_users = _matched(desired.users, live.users, user_names)
    kept = {
        id(u)
        for u in desired.users
        if id(u) in live_users or keys.has_user(u) or u.user_name.casefold() in named
    }
    managers = {u.manager.casefold() for u in desired.users if id(u) in kept and u.manager}
    users = [u for u in desired.users if id(u) in kept or u.user_name.casefold() in managers]
    return DesiredState(
        users=tuple(users),
        groups=tuple(groups),
        tokens=desired.tokens,
        token_policy=desired.token_policy,
        out_of_scope=desired.out_of_scope,
    )


class _Keys:
    """A scope's keys, names folded as identity matching folds them."""

    def __init__(self, scope: Scope) -> None:
        self.user_names = {n.casefold() for n in scope.user_names}
        self.user_ids = set(scope.user_external_ids)
        self.group_names = {n.casefold() for n in scope.group_names}
        self.group_ids = set(scope.group_external_ids)

    def has_user(self, user: User) -> bool:
        if user.external_id and user.external_id in self.user_ids:
            return True
        return user.user_name.casefold() in self.user_names

    def has_group(self, group: Group) -> bool:
        if group.external_id and group.external_id in self.group_ids:
            return True
        return any(n.casefold() in self.group_names for n in group_names(group))


R = TypeVar("R", User, Group)


def _matched(
    desired: Sequence[R], live: Sequence[R], names: Callable[[R], tuple[str, ...]]
) -> set[int]:
    """The desired objects (by id()) that are, or whose name is held by, a live object."""
    found: Matching[R] = match(desired, live, names)
    return {id(d) for d, _ in [*found.matched, *found.replaced]}


def _sorted(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v}))
