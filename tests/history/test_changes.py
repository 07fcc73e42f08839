"""state_changes: the events between two desired states, matched as plan matches."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

import scimform.history.changes as changes
from scimform.engine.match import user_names
from scimform.history.changes import Event, StateChanges, group_key, person_key, state_changes
from scimform.model import DesiredState, Group, User, name_order


def _user(name: str, external_id: str | None = None, **values: str) -> User:
    return User(name, "Given", "Family", "Given Family", external_id=external_id, **values)  # type: ignore[arg-type]


def _group(
    name: str, *members: str, previously: tuple[str, ...] = (), ext: str | None = None
) -> Group:
    return Group(name, external_id=ext, members=frozenset(members), previously=previously)


def _state(*items: User | Group) -> DesiredState:
    users = tuple(i for i in items if isinstance(i, User))
    groups = tuple(i for i in items if isinstance(i, Group))
    return DesiredState(users=users, groups=groups)


def test_a_user_renamed_with_the_same_external_id_is_one_update_not_a_member_change() -> None:
    old = _state(_user("alice@corp.example", "a-1"), _group("admins", "alice@corp.example"))
    new = _state(_user("liddell@corp.example", "a-1"), _group("admins", "liddell@corp.example"))
    found = state_changes(old, new)
    assert found.events == [
        Event(
            "user", "liddell@corp.example", "updated", "userName",
            "alice@corp.example", "liddell@corp.example", person="x:a-1",
        )
    ]  # fmt: skip
    assert found.links == []


def test_a_user_gaining_an_external_id_is_matched_by_name_and_linked() -> None:
    old = _state(_user("alice@corp.example"), _group("admins", "alice@corp.example"))
    new = _state(_user("alice@corp.example", "a-1"), _group("admins", "alice@corp.example"))
    found = state_changes(old, new)
    assert found.events == [
        Event("user", "alice@corp.example", "updated", "externalId", None, "a-1", person="x:a-1")
    ]
    assert found.links == [("n:alice@corp.example", "x:a-1")]


def test_different_external_ids_under_one_user_name_are_two_people() -> None:
    old = _state(_user("alice@corp.example", "a-1"))
    new = _state(_user("alice@corp.example", "a-2"))
    assert [(e.action, e.person) for e in state_changes(old, new).events] == [
        ("created", "x:a-2"),
        ("deleted", "x:a-1"),
    ]


def test_a_group_renamed_with_previously_keeps_its_members_and_is_linked() -> None:
    old = _state(_user("bob@corp.example"), _group("platform-administrators", "bob@corp.example"))
    new = _state(
        _user("bob@corp.example"),
        _group("platform-admins", "bob@corp.example", previously=("platform-administrators",)),
    )
    found = state_changes(old, new)
    assert found.events == [
        Event(
            "group", "platform-admins", "updated", "displayName",
            "platform-administrators", "platform-admins", group="g:platform-admins",
            aliases=("platform-administrators",),
        )
    ]  # fmt: skip
    assert found.links == [("g:platform-administrators", "g:platform-admins")]


def test_a_deleted_group_loses_its_members_first_and_attributes_are_compared() -> None:
    old = _state(
        _user("bob@corp.example", title="Operator"),
        _group("ops", "bob@corp.example"),
    )
    new = _state(_user("bob@corp.example", title="Lead", department="Ops"))
    texts = [
        (e.subject, e.name, e.action, e.field, e.before, e.after, e.member)
        for e in state_changes(old, new).events
    ]
    assert texts == [
        ("user", "bob@corp.example", "updated", "title", "Operator", "Lead", None),
        ("user", "bob@corp.example", "updated", "department", None, "Ops", None),
        ("group", "ops", "member-removed", None, None, None, "bob@corp.example"),
        ("group", "ops", "deleted", None, None, None, None),
    ]


def test_a_group_matched_by_external_id_across_a_rename_without_previously() -> None:
    old = _state(_group("ops", ext="g-1"))
    new = _state(_group("operations", ext="g-1"))
    assert [(e.action, e.field, e.before, e.after) for e in state_changes(old, new).events] == [
        ("updated", "displayName", "ops", "operations")
    ]


def _reference(old: DesiredState, new: DesiredState) -> StateChanges:
    """state_changes as it was before users the same on both sides were left out of the
    matching: every user matched, every group's members compared."""
    out = StateChanges()
    renamed: dict[str, str] = {}
    pairs = changes._pairs(list(old.users), list(new.users), user_names)
    for before, after in sorted(pairs, key=lambda p: name_order((p[1] or p[0]).user_name)):  # type: ignore[union-attr]
        changes._user_events(before, after, out)
        if before is not None and after is not None:
            renamed[person_key(before)] = person_key(after)
    was_people = {u.user_name: renamed.get(person_key(u), person_key(u)) for u in old.users}
    now_people = {u.user_name: person_key(u) for u in new.users}
    for was, now in changes._match_groups(old.groups, new.groups):
        shown = now or was
        assert shown is not None
        before = {was_people.get(m, f"n:{m.casefold()}"): m for m in (was.members if was else ())}
        after = {now_people.get(m, f"n:{m.casefold()}"): m for m in (now.members if now else ())}
        members = [
            Event("group", shown.display_name, action, member=m, person=p,
                  group=group_key(shown), aliases=shown.previously)
            for action, found in (
                ("member-added", sorted((after[p], p) for p in after.keys() - before.keys())),
                ("member-removed", sorted((before[p], p) for p in before.keys() - after.keys())),
            )
            for m, p in found
        ]  # fmt: skip
        if now is None:
            out.events.extend(members)
        changes._group_events(was, now, out)
        if now is not None:
            out.events.extend(members)
    return out


_NAMES = ["alice", "Alice", "bob", "carol", "dan", "erin", "frank", "gina"]


def _random_user(rng: random.Random) -> User:
    name = f"{rng.choice(_NAMES)}@corp.example"
    return _user(name, rng.choice([None, None, "a-1", "a-2", "a-3", "a-4"]),
                 title=rng.choice(["Lead", "Engineer"]))  # fmt: skip


def _random_state(rng: random.Random, users: list[User]) -> DesiredState:
    names = [u.user_name for u in users] + ["ghost@corp.example"]
    groups = [
        _group(g, *rng.sample(names, rng.randrange(len(names) + 1)),
               previously=rng.choice([(), ("old-" + g,)]), ext=rng.choice([None, "g-" + g]))
        for g in rng.sample(["admins", "ops", "staff"], rng.randrange(4))
    ]  # fmt: skip
    return _state(*users, *groups)


def _edited(rng: random.Random, users: list[User]) -> list[User]:
    """Most users as they were (the same objects), a few changed, gone or new."""
    out = list(users)
    for _ in range(rng.randrange(4)):
        edit = rng.randrange(4)
        if edit == 0 or not out:
            out.append(_random_user(rng))
        elif edit == 1:
            out.pop(rng.randrange(len(out)))
        else:
            at = rng.randrange(len(out))
            out[at] = replace(out[at], title="Changed") if edit == 2 else _random_user(rng)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_leaving_out_users_the_same_on_both_sides_changes_no_event(seed: int) -> None:
    rng = random.Random(seed)
    unique = 0
    for _ in range(400):
        users = [_random_user(rng) for _ in range(rng.randrange(8))]
        if rng.random() < 0.7:  # most states are unique, as every config that loads is
            users = list({u.user_name.casefold(): u for u in users}.values())
            users = list({u.external_id or u.user_name: u for u in users}.values())
        old, new = _random_state(rng, users), _random_state(rng, _edited(rng, users))
        unique += len({u.user_name.casefold() for u in old.users}) == len(old.users)
        found, expected = state_changes(old, new), _reference(old, new)
        assert (found.events, found.links) == (expected.events, expected.links)
    assert unique > 100
