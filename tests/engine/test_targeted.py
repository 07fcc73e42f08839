"""engine.targeted: what a change touches, the part of the config a targeted plan compares,
the stand-in counts, and when a full read is the cheaper one."""

from __future__ import annotations

from dataclasses import replace

from scimform.engine.targeted import (
    Scope,
    desired_part,
    stand_in_counts,
    targeting,
    touched,
)
from scimform.model import DesiredState, Group, LiveState, User


def _user(name: str, external_id: str | None = None, manager: str | None = None) -> User:
    return User(name, "Given", "Family", "Given Family", external_id=external_id, manager=manager)


ALICE = _user("alice", "x-alice")
BOB = _user("bob", "x-bob", manager="alice")
CAROL = _user("carol")
ADMINS = Group("admins", "g-admins", frozenset({"alice", "bob"}))
DEVS = Group("devs", None, frozenset({"carol"}))
THEN = DesiredState(users=(ALICE, BOB, CAROL), groups=(ADMINS, DEVS))


def _state(users: list[User], groups: list[Group]) -> DesiredState:
    return DesiredState(users=tuple(users), groups=tuple(groups))


def test_nothing_changed_touches_nothing() -> None:
    assert touched(THEN, THEN) == Scope()


def test_a_rename_touches_both_names() -> None:
    robert = replace(BOB, user_name="robert")
    now = _state([ALICE, robert, CAROL], [ADMINS, DEVS])
    scope = touched(THEN, now)
    assert scope.user_names == ("bob", "robert")
    assert scope.user_external_ids == ("x-bob",)
    assert scope.group_names == ()


def test_a_group_rename_touches_its_former_names_and_a_member_change_its_group() -> None:
    developers = replace(DEVS, display_name="developers", previously=("devs",))
    admins = replace(ADMINS, members=frozenset({"alice"}))
    scope = touched(THEN, _state([ALICE, BOB, CAROL], [admins, developers]))
    assert scope.group_names == ("admins", "developers", "devs")
    assert scope.group_external_ids == ("g-admins",)
    assert scope.user_names == ()


def test_a_removed_user_and_a_new_external_id_are_touched() -> None:
    alice = replace(ALICE, external_id="x-alice-2")
    scope = touched(THEN, _state([alice, BOB], [ADMINS, DEVS]))
    assert scope.user_names == ("alice", "carol")
    assert scope.user_external_ids == ("x-alice", "x-alice-2")


def test_the_stand_in_counts_are_the_config_at_rev() -> None:
    counts = stand_in_counts(THEN)
    assert (counts.users, counts.groups, counts.memberships) == (3, 2, 3)


def test_the_part_compared_holds_the_scope_the_live_objects_members_and_managers() -> None:
    dave = _user("dave")
    admins = replace(ADMINS, members=frozenset({"bob"}))
    now = _state([ALICE, BOB, CAROL, dave], [admins, DEVS])
    scope = touched(THEN, now)
    live = LiveState(users=(replace(CAROL, id="u-carol"),))
    part = desired_part(now, live, scope)
    # admins (changed), bob (its member), alice (bob's manager), carol (live).
    assert [u.user_name for u in part.users] == ["alice", "bob", "carol", "dave"]
    assert [g.display_name for g in part.groups] == ["admins"]


def test_a_change_that_touches_everything_is_read_in_full() -> None:
    many = [_user(f"user{n:03d}", f"x-{n}") for n in range(300)]
    groups = [Group(f"team-{n}", None, frozenset({many[n].user_name})) for n in range(30)]
    now = _state(many, groups)
    assert targeting("abc", DesiredState(), now) is None
    one_more = _state([*many, _user("new", "x-new")], groups)
    found = targeting("abc", now, one_more)
    assert found is not None and found.scope.user_names == ("new",)
    assert found.stand_in.users == 300
