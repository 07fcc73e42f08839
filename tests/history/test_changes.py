"""state_changes: the events between two desired states, matched as plan matches."""

from __future__ import annotations

from scimform.history.changes import Event, state_changes
from scimform.model import DesiredState, Group, User


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
