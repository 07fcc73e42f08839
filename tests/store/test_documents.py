"""Documents as the store returns them: SQLite puts each one together from its row, and the
result must be the SCIM document that was stored, in the order AWS sends it."""

from __future__ import annotations

from typing import Any

from scimform.store import Store

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _odd_user() -> dict[str, Any]:
    # Values that JSON must escape, and characters outside ASCII, including astral ones.
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": "zoë@corp.example",
        "name": {"givenName": 'Zo"ë', "familyName": "Back\\slash 𝔘"},
        "displayName": "Zoë 🙂 {braces}, [brackets]",
        "emails": [{"value": "zoë@corp.example", "primary": True}],
        "active": False,
        ENTERPRISE: {"department": "R&D", "manager": {"value": "m-1"}},
    }


def test_a_document_comes_back_as_stored_with_id_first_and_meta_last(store: Store) -> None:
    stored = _odd_user()
    created = store.create_user(stored)
    assert list(created) == ["id", *stored, "meta"]
    assert {k: v for k, v in created.items() if k not in ("id", "meta")} == stored
    assert list(created["meta"]) == ["resourceType", "created", "lastModified"]
    assert created["meta"]["resourceType"] == "User"


def test_get_and_every_kind_of_list_return_the_same_document(store: Store) -> None:
    created = store.create_user(_odd_user())
    group = store.create_group(
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Ünïcode"},
        [created["id"]],
    )
    assert store.get_user(created["id"]) == created
    assert store.list_users()[0] == [created]
    assert store.list_users(group_id=group["id"])[0] == [created]
    assert store.list_users(user_name="zoë@corp.example")[0] == [created]
    listed = store.list_groups(member_id=created["id"])[0]
    assert listed == [group] == [store.get_group(group["id"])]
    assert list(group) == ["id", "schemas", "displayName", "meta"]
    assert group["meta"]["resourceType"] == "Group"


def test_a_replaced_document_comes_back_replaced(store: Store) -> None:
    created = store.create_user(_odd_user())
    changed = {**_odd_user(), "displayName": "Another \u2028 name", "title": "Lead"}
    replaced = store.replace_user(created["id"], changed)
    assert {k: v for k, v in replaced.items() if k not in ("id", "meta")} == changed
    assert store.get_user(created["id"]) == replaced
