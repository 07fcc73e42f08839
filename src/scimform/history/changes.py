"""What changed in the desired state between two commits, as events.

Users and groups are matched by the engine's own identity rule (engine.match), the one
plan and apply use: users by externalId when both sides have one, else by userName, so a
userName change is one person renamed, not one removed and another added; groups by
externalId, else displayName, else a `previously:` name (a rename).
Membership is compared by person, so renaming a member is not a member change.

Every user and group carries an identity key; `links` records which keys name the same
person or group across a match, so a query can follow renames through the whole history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from scimform.engine.match import R, group_names, match, user_names
from scimform.model import (
    ADDRESS_FIELDS,
    ATTRIBUTES,
    Address,
    DesiredState,
    Group,
    User,
    name_order,
    user_key,
)

Value = str | bool | None


@dataclass(frozen=True, slots=True)
class Event:
    """One change to one user or group (or a config that did not load: subject "config").

    `action` is created, deleted, updated, member-added, member-removed or unloadable;
    `field`, `before` and `after` say what an update changed; `member` names the user a
    member event is about; `problem` says why a config did not load. `person` and
    `group` are identity keys (see `person_key`); `aliases` are a group's `previously:`
    names, by which it may be asked for too. `targets` names the targets the change
    reaches when that is not every target of the config (None: every one).
    """

    subject: str
    name: str
    action: str
    field: str | None = None
    before: Value = None
    after: Value = None
    member: str | None = None
    person: str | None = None
    group: str | None = None
    problem: str | None = None
    aliases: tuple[str, ...] = ()
    targets: tuple[str, ...] | None = None


@dataclass
class StateChanges:
    """The events between two states, and identity keys found to name the same thing."""

    events: list[Event] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


def person_key(user: User) -> str:
    """A user's identity: the externalId when it has one, else the userName (as AWS
    compares userNames, case-insensitively)."""
    if user.external_id:
        return f"x:{user.external_id}"
    return f"n:{user_key(user.user_name)}"


def group_key(group: Group) -> str:
    """A group's identity: the externalId when it has one, else the displayName."""
    if group.external_id:
        return f"gx:{group.external_id}"
    return f"g:{group.display_name.casefold()}"


def state_changes(old: DesiredState, new: DesiredState) -> StateChanges:
    """Every event that turns `old` into `new`, users first, each in name order."""
    out = StateChanges()
    renamed: dict[str, str] = {}  # old person key -> new person key
    old_people, new_people = _People(old.users, renamed), _People(new.users)
    differing = _differing(old_people, new_people)
    for before, after in _match_users(*differing):
        _user_events(before, after, out)
        if before is not None and after is not None:
            renamed[person_key(before)] = person_key(after)
    # Members whose person key differs between the states: only users that changed can.
    names = {u.user_name for users in differing for u in users}
    changed = {m for m in names if old_people.key(m) != new_people.key(m)}
    for was, now in _match_groups(old.groups, new.groups):
        if now is None:  # members leave before the group goes
            _member_events(was, now, old_people, new_people, out)
            _group_events(was, now, out)
        else:
            _group_events(was, now, out)
            if was is None or was.members != now.members or not changed.isdisjoint(now.members):
                _member_events(was, now, old_people, new_people, out)
            # else: the same members, each the same person: no member event.
    return out


def user_pairs(old: Iterable[User], new: Iterable[User]) -> list[tuple[User | None, User | None]]:
    """(old, new) users paired by the identity rule, in name order; None on the side where
    a user does not exist."""
    return _match_users(list(old), list(new))


def group_pairs(
    old: Iterable[Group], new: Iterable[Group]
) -> list[tuple[Group | None, Group | None]]:
    """(old, new) groups paired by the identity rule (renames followed), in name order."""
    return _match_groups(list(old), list(new))


class _People:
    """A state's users by userName, and their person keys as member events tell them;
    `renamed` takes an old state's key to the key the same person has in the new state.
    Keys are made as asked for: most members of most groups are never asked about."""

    def __init__(self, users: Iterable[User], renamed: dict[str, str] | None = None) -> None:
        self.users = list(users)
        self.by_name = {u.user_name: u for u in self.users}
        self._renamed = renamed if renamed is not None else {}

    def key(self, name: str) -> str:
        """The person key of the member `name` (of a userName no user has, the name's)."""
        user = self.by_name.get(name)
        if user is None:
            return f"n:{user_key(name)}"
        found = person_key(user)
        return self._renamed.get(found, found)


def _match_users(old: list[User], new: list[User]) -> list[tuple[User | None, User | None]]:
    pairs = _pairs(old, new, user_names)
    return sorted(pairs, key=lambda pair: _user_order(pair[1] or pair[0]))


def _differing(old: _People, new: _People) -> tuple[list[User], list[User]]:
    """The users of each side less those the same on both: they make no event. When
    userNames (as AWS compares them) and externalIds are unique on each side, as in every
    config that loads, such a user can only be matched with itself, no other match
    depends on it, and its person key is the same on both sides; so most of a large config
    need not be matched at all. Otherwise every user is."""
    before = old.by_name
    same = {u.user_name for u in new.users if before.get(u.user_name) in (u,)}
    if not same or not (_unique(old) and _unique(new)):
        return old.users, new.users
    return (
        [u for u in old.users if u.user_name not in same],
        [u for u in new.users if u.user_name not in same],
    )


def _unique(people: _People) -> bool:
    ids = [u.external_id for u in people.users if u.external_id]
    keys = set(map(user_key, people.by_name))
    return len(keys) == len(people.users) and len(set(ids)) == len(ids)


def _pairs(
    old: list[R], new: list[R], names: Callable[[R], tuple[str, ...]]
) -> list[tuple[R | None, R | None]]:
    """(old, new) pairs by the engine's identity rule (engine.match), the old state in the
    live state's place; a name held by another identity is one removed and one added."""
    # The engine tells objects apart by SCIM id: each old one gets its position as one.
    numbered = [replace(o, id=str(n)) for n, o in enumerate(old)]  # type: ignore[type-var]
    found = match(new, numbered, names)
    was = {str(n): o for n, o in enumerate(old)}
    pairs: list[tuple[R | None, R | None]] = [(was[str(o.id)], n) for n, o in found.matched]
    pairs += [(None, n) for n in found.created]
    for n, o in found.replaced:
        pairs += [(None, n), (was[str(o.id)], None)]
    pairs += [(was[str(o.id)], None) for o in found.undeclared]
    return pairs


def _user_order(user: User | None) -> tuple[str, str]:
    assert user is not None
    return name_order(user.user_name)


def _user_events(before: User | None, after: User | None, out: StateChanges) -> None:
    if before is None and after is not None:
        out.events.append(Event("user", after.user_name, "created", person=person_key(after)))
    elif after is None and before is not None:
        out.events.append(Event("user", before.user_name, "deleted", person=person_key(before)))
    elif before is not None and after is not None and before != after:
        key = person_key(after)
        if person_key(before) != key:
            out.links.append((person_key(before), key))
        for name, was, now in _attribute_changes(before, after):
            out.events.append(Event("user", after.user_name, "updated", name, was, now, person=key))


def _attribute_changes(before: User, after: User) -> list[tuple[str, Value, Value]]:
    found: list[tuple[str, Value, Value]] = []
    for attribute in ATTRIBUTES:
        was, now = getattr(before, attribute.field), getattr(after, attribute.field)
        if was != now:
            found.append((attribute.friendly, was, now))
    old_address, new_address = before.address or Address(), after.address or Address()
    for attribute in ADDRESS_FIELDS:
        was, now = getattr(old_address, attribute.field), getattr(new_address, attribute.field)
        if was != now:
            found.append((f"address.{attribute.friendly}", was, now))
    return found


def _match_groups(
    old: Iterable[Group], new: Iterable[Group]
) -> list[tuple[Group | None, Group | None]]:
    pairs = _pairs(list(old), list(new), group_names)
    return sorted(pairs, key=lambda pair: _group_order(pair[1] or pair[0]))


def _group_order(group: Group | None) -> tuple[str, str]:
    assert group is not None
    return name_order(group.display_name)


def _group_events(was: Group | None, now: Group | None, out: StateChanges) -> None:
    if was is None and now is not None:
        key, aliases = group_key(now), now.previously
        out.events.append(Event("group", now.display_name, "created", group=key, aliases=aliases))
    elif now is None and was is not None:
        key, aliases = group_key(was), was.previously
        out.events.append(Event("group", was.display_name, "deleted", group=key, aliases=aliases))
    elif was is not None and now is not None:
        key = group_key(now)
        if group_key(was) != key:
            out.links.append((group_key(was), key))
        for name, old, new in (
            ("displayName", was.display_name, now.display_name),
            ("externalId", was.external_id, now.external_id),
        ):
            if old != new:
                out.events.append(
                    Event(
                        "group",
                        now.display_name,
                        "updated",
                        name,
                        old,
                        new,
                        group=key,
                        aliases=now.previously,
                    )
                )


def _member_events(
    was: Group | None,
    now: Group | None,
    old_people: _People,
    new_people: _People,
    out: StateChanges,
) -> None:
    shown = now or was
    assert shown is not None
    key = group_key(shown)
    before = {old_people.key(m): m for m in (was.members if was else ())}
    after = {new_people.key(m): m for m in (now.members if now else ())}
    added = sorted((after[p], p) for p in after.keys() - before.keys())
    removed = sorted((before[p], p) for p in before.keys() - after.keys())
    for action, members in (("member-added", added), ("member-removed", removed)):
        for member, person in members:
            out.events.append(
                Event(
                    "group",
                    shown.display_name,
                    action,
                    member=member,
                    person=person,
                    group=key,
                    aliases=shown.previously,
                )
            )
