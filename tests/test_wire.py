from scimform.model import Address, Group, User
from scimform.wire import (
    ENTERPRISE_SCHEMA,
    USER_SCHEMA,
    group_from_scim,
    group_to_scim,
    manager_id_of,
    user_from_scim,
    user_to_scim,
)

FULL = User(
    user_name="alice@corp.example",
    given_name="Alice",
    family_name="Liddell",
    display_name="Alice Liddell",
    external_id="6f1c0a52",
    middle_name="P",
    title="Engineer",
    locale="en-GB",
    active=False,
    email="alice@corp.example",
    email_type="work",
    phone="+44 20 7946 0000",
    address=Address(locality="Oxford", country="GB"),
    department="Platform",
    manager="bob@corp.example",
)


def test_a_full_user_survives_the_round_trip() -> None:
    doc = user_to_scim(FULL, manager_id="mgr-id")
    assert doc["schemas"] == [USER_SCHEMA, ENTERPRISE_SCHEMA]
    assert doc["emails"] == [{"value": "alice@corp.example", "primary": True, "type": "work"}]
    assert doc[ENTERPRISE_SCHEMA] == {"department": "Platform", "manager": {"value": "mgr-id"}}
    assert manager_id_of(doc) == "mgr-id"
    assert user_from_scim(doc, manager_name="bob@corp.example") == FULL


def test_unset_attributes_are_left_out_not_sent_empty() -> None:
    user = User("bob", "Bob", "Builder", "Bob Builder")
    doc = user_to_scim(user)
    assert doc == {
        "schemas": [USER_SCHEMA],
        "userName": "bob",
        "name": {"givenName": "Bob", "familyName": "Builder"},
        "displayName": "Bob Builder",
        "active": True,
    }
    assert manager_id_of(doc) is None
    assert user_from_scim(doc) == user


def test_a_live_document_keeps_its_id() -> None:
    doc = user_to_scim(User("c", "C", "D", "C D")) | {"id": "abc"}
    assert user_from_scim(doc).id == "abc"


def test_groups_carry_no_members_on_the_wire() -> None:
    group = Group("platform-admins", external_id="g1", members=frozenset({"alice"}))
    doc = group_to_scim(group)
    assert "members" not in doc
    assert doc["externalId"] == "g1"
    back = group_from_scim(doc | {"id": "gid"}, frozenset({"alice"}))
    assert back == Group("platform-admins", "g1", frozenset({"alice"}), id="gid")
