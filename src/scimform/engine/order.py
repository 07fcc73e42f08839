"""The apply order: a plan's changes as steps, each one request's worth of work.

Phases run in this order: create users, create and rename groups, add members, update
users, remove members, delete groups, delete users. A replace is two steps: the delete of
the live object that holds the name, then the create that depends on it, both in the
create phase of its kind. Members go at most 100 to a step (AWS's limit per PATCH), as
adds and removes; a member list is never replaced.

Each step names the steps it depends on, so apply can skip the dependents of a failed
step and go on with everything else. The list is in dependency order: every step comes
after all the steps it depends on.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from scimform.engine.changes import Action, Change, MemberRef
from scimform.engine.keys import Key, Kind, folded

MEMBERS_PER_PATCH = 100


class Phase(enum.IntEnum):
    CREATE_USERS = 1
    CREATE_GROUPS = 2
    ADD_MEMBERS = 3
    UPDATE_USERS = 4
    REMOVE_MEMBERS = 5
    DELETE_GROUPS = 6
    DELETE_USERS = 7


@dataclass(frozen=True, slots=True)
class Step:
    """One request's worth of a change: create, update, deactivate or delete an object, or
    add or remove up to 100 members of a group (`members`).

    For a replace, the delete step deletes the live object `change.id`, and the create step
    creates `change.after` as a new object. Members with no id are users this plan creates:
    their steps depend on those creates, which tell apply the ids."""

    id: str
    phase: Phase
    action: Action
    change: Change
    members: tuple[MemberRef, ...] = ()
    depends_on: tuple[str, ...] = ()


def apply_order(changes: Sequence[Change]) -> list[Step]:
    """The steps that carry out `changes`, in apply order."""
    users = [c for c in changes if c.kind is Kind.USER]
    groups = [c for c in changes if c.kind is Kind.GROUP]
    creates, managers = _managers_first([c for c in users if c.creates])
    created = {c.ident for c in creates}
    steps = [_replaced(c, Phase.CREATE_USERS) for c in users if c.action is Action.REPLACE]
    steps += [_create(c, managers.get(c.ident)) for c in creates]
    steps += [_replaced(c, Phase.CREATE_GROUPS) for c in groups if c.action is Action.REPLACE]
    steps += [_create(c, None) for c in groups if c.creates]
    steps += [_update(c, Phase.CREATE_GROUPS, None) for c in groups if c.changes_attributes]
    steps += [s for c in groups for s in _member_steps(c, Action.ADD_MEMBERS, created)]
    steps += [
        _update(c, Phase.UPDATE_USERS, _new_manager(c, created))
        for c in users
        if c.changes_attributes
    ]
    steps += [s for c in groups for s in _member_steps(c, Action.REMOVE_MEMBERS, created)]
    steps += [_delete(c, Phase.DELETE_GROUPS) for c in groups if c.action is Action.DELETE]
    steps += [_delete(c, Phase.DELETE_USERS) for c in users if c.action is Action.DELETE]
    return steps


def step_id(action: Action, kind: Kind, key: str, part: str = "") -> str:
    """The id of a step: what it does to which object (and which part of it)."""
    base = f"{action.value}:{kind.value}:{folded(key)}"
    return f"{base}:{part}" if part else base


def _replaced(change: Change, phase: Phase) -> Step:
    return Step(
        step_id(Action.DELETE, change.kind, change.key, "replaced"), phase, Action.DELETE, change
    )


def _create(change: Change, manager: Key | None) -> Step:
    depends = []
    if change.action is Action.REPLACE:
        depends.append(step_id(Action.DELETE, change.kind, change.key, "replaced"))
    if manager is not None:
        depends.append(step_id(Action.CREATE, Kind.USER, manager.name))
    phase = Phase.CREATE_USERS if change.kind is Kind.USER else Phase.CREATE_GROUPS
    return Step(
        step_id(Action.CREATE, change.kind, change.key),
        phase,
        Action.CREATE,
        change,
        depends_on=tuple(depends),
    )


def _update(change: Change, phase: Phase, manager: Key | None) -> Step:
    depends = () if manager is None else (step_id(Action.CREATE, Kind.USER, manager.name),)
    return Step(
        step_id(change.action, change.kind, change.key),
        phase,
        change.action,
        change,
        depends_on=depends,
    )


def _delete(change: Change, phase: Phase) -> Step:
    return Step(step_id(Action.DELETE, change.kind, change.key), phase, Action.DELETE, change)


def _new_manager(change: Change, created: set[Key]) -> Key | None:
    for field in change.fields:
        if field.name == "manager" and isinstance(field.after, str):
            manager = Key.user(field.after)
            return manager if manager in created else None
    return None


def _member_steps(change: Change, action: Action, created: set[Key]) -> Iterator[Step]:
    adding = action is Action.ADD_MEMBERS
    members = change.members_added if adding else change.members_removed
    phase = Phase.ADD_MEMBERS if adding else Phase.REMOVE_MEMBERS
    for n, start in enumerate(range(0, len(members), MEMBERS_PER_PATCH)):
        chunk = members[start : start + MEMBERS_PER_PATCH]
        depends = [step_id(Action.CREATE, Kind.GROUP, change.key)] if change.creates else []
        depends += [
            step_id(Action.CREATE, Kind.USER, m.user_name)
            for m in chunk
            if m.id is None and Key.user(m.user_name) in created
        ]
        yield Step(
            step_id(action, change.kind, change.key, str(n)),
            phase,
            action,
            change,
            chunk,
            tuple(depends),
        )


def _managers_first(creates: list[Change]) -> tuple[list[Change], dict[Key, Key]]:
    """Created users with each manager before the users it manages, and each created user's
    created manager. A cycle of managers cannot be ordered: the edge that closes it is
    dropped, so that user is created before its manager exists and apply leaves its
    manager for the next run to set."""
    by_key = {c.ident: c for c in creates}
    ordered: list[Change] = []
    done: set[Key] = set()
    manager_of: dict[Key, Key] = {}
    for start in creates:
        path: list[Key] = []
        on_path: set[Key] = set()
        key = start.ident
        while key not in done and key not in on_path:
            path.append(key)
            on_path.add(key)
            manager = (by_key[key].after or {}).get("manager")
            above = Key.user(manager) if isinstance(manager, str) else None
            if above is None or above not in by_key or above in on_path:
                break
            manager_of[key] = above
            key = above
        for key in reversed(path):
            done.add(key)
            ordered.append(by_key[key])
    return ordered, manager_of
