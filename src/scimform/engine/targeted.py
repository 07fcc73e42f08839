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


def targeting(commit: str, then: DesiredState, now: DesiredState) -> Targeting | None:
    """The scope of the change from `then` (the config at `commit`) to `now`; None when
    reading it would cost more requests than reading the whole store (a change that
    touches most of the config, or a config that did not exist at `commit`)."""
    scope = touched(then, now)
    if _targeted_reads(scope, now) > _full_reads(then):
        return None
    return Targeting(commit, scope, stand_in_counts(then))


_PAGE = 100


def _targeted_reads(scope: Scope, now: DesiredState) -> int:
    """About what a targeted read costs: one request per key, one for the groups of each
    touched user and a page of members per touched group (more for large ones)."""
    keys = Scope.model_fields
    lookups = sum(len(getattr(scope, name)) for name in keys)
    sizes = {g.display_name.casefold(): len(g.members) for g in now.groups}
    pages = sum(max(1, -(-sizes.get(n.casefold(), 0) // _PAGE)) for n in scope.group_names)
    return lookups + len(scope.user_names) + pages


def _full_reads(then: DesiredState) -> int:
    """About what a full read of a store holding `then` costs: the users and groups
    listed, and the members read group by group or user by user, the cheaper."""
    by_group = sum(max(1, -(-len(g.members) // _PAGE)) for g in then.groups)
    listing = -(-len(then.users) // _PAGE) + -(-len(then.groups) // _PAGE)
    return listing + min(by_group, len(then.users))


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
    kept = _with_managers(desired.users, kept)
    users = [u for u in desired.users if id(u) in kept]
    return DesiredState(
        users=tuple(users),
        groups=tuple(groups),
        tokens=desired.tokens,
        token_policy=desired.token_policy,
        out_of_scope=desired.out_of_scope,
    )


def _with_managers(users: Sequence[User], kept: set[int]) -> set[int]:
    """`kept` and, transitively, the declared managers of the users in it."""
    by_name = {u.user_name.casefold(): u for u in users}
    out = set(kept)
    todo = [u for u in users if id(u) in kept]
    while todo:
        manager = by_name.get((todo.pop().manager or "").casefold())
        if manager is not None and id(manager) not in out:
            out.add(id(manager))
            todo.append(manager)
    return out


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
