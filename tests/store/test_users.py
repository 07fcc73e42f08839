import re

import pytest

from scimform.errors import Conflict, NotFound, StoreError
from scimform.store import Store, db

AWS_ID = re.compile(
    r"^[0-9a-f]{10}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def test_create_assigns_an_aws_shaped_id_and_meta(store: Store, user_doc) -> None:
    alice = store.create_user(user_doc("alice@corp.example", "ext-1"))
    bob = store.create_user(user_doc("bob@corp.example"))
    assert AWS_ID.match(alice["id"]), alice["id"]
    # One identity store, one prefix, as on AWS.
    assert alice["id"][:10] == bob["id"][:10]
    assert alice["id"] != bob["id"]
    meta = alice["meta"]
    assert meta["resourceType"] == "User"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", meta["created"])
    assert meta["lastModified"] == meta["created"]
    assert alice["userName"] == "alice@corp.example"
    assert alice["externalId"] == "ext-1"
    assert alice["name"] == {"givenName": "Given", "familyName": "Family"}


def test_get_returns_what_create_returned(store: Store, user_doc) -> None:
    created = store.create_user(user_doc("alice@corp.example", title="Engineer"))
    assert store.get_user(created["id"]) == created
    with pytest.raises(NotFound, match="no User with id 'nope'"):
        store.get_user("nope")


def test_the_store_owns_id_and_meta(store: Store, user_doc) -> None:
    doc = user_doc("alice@corp.example", id="mine", meta={"created": "1999"})
    created = store.create_user(doc)
    assert created["id"] != "mine"
    assert created["meta"]["created"] != "1999"


def test_user_name_is_unique_ignoring_case(store: Store, user_doc) -> None:
    first = store.create_user(user_doc("Alice@Corp.example"))
    with pytest.raises(Conflict, match="userName") as caught:
        store.create_user(user_doc("alice@corp.EXAMPLE"))
    assert first["id"] in str(caught.value)
    assert store.count_users() == 1


def test_external_id_is_unique_exactly(store: Store, user_doc) -> None:
    store.create_user(user_doc("a@corp.example", "ext-1"))
    with pytest.raises(Conflict, match="externalId 'ext-1'"):
        store.create_user(user_doc("b@corp.example", "ext-1"))
    # externalId is compared exactly: another case is another value.
    store.create_user(user_doc("c@corp.example", "EXT-1"))
    assert store.count_users() == 2


def test_a_user_needs_a_user_name(store: Store, user_doc) -> None:
    doc = user_doc("x")
    del doc["userName"]
    with pytest.raises(StoreError, match="needs a userName"):
        store.create_user(doc)
    with pytest.raises(StoreError, match=r"externalId .* must be a string"):
        store.create_user(user_doc("y", externalId=5))


def test_replace_keeps_id_and_created_and_moves_last_modified(
    store: Store, user_doc, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "timestamp", lambda: "2026-01-01T00:00:00Z")
    created = store.create_user(user_doc("alice@corp.example", "ext-1"))
    monkeypatch.setattr(db, "timestamp", lambda: "2026-02-01T00:00:00Z")
    replaced = store.replace_user(created["id"], user_doc("ALICE@corp.example", title="Boss"))
    assert replaced["id"] == created["id"]
    assert replaced["meta"]["created"] == "2026-01-01T00:00:00Z"
    assert replaced["meta"]["lastModified"] == "2026-02-01T00:00:00Z"
    assert replaced["userName"] == "ALICE@corp.example"
    assert replaced["title"] == "Boss"
    assert "externalId" not in replaced  # replaced whole, not merged
    assert store.get_user(created["id"]) == replaced


def test_replace_refuses_a_name_another_user_holds(store: Store, user_doc) -> None:
    store.create_user(user_doc("alice@corp.example", "ext-a"))
    bob = store.create_user(user_doc("bob@corp.example", "ext-b"))
    with pytest.raises(Conflict, match="userName"):
        store.replace_user(bob["id"], user_doc("Alice@corp.example", "ext-b"))
    with pytest.raises(Conflict, match="externalId"):
        store.replace_user(bob["id"], user_doc("bob@corp.example", "ext-a"))
    assert store.get_user(bob["id"]) == bob
    with pytest.raises(NotFound):
        store.replace_user("nope", user_doc("carol@corp.example"))


def test_delete(store: Store, user_doc) -> None:
    alice = store.create_user(user_doc("alice@corp.example"))
    store.delete_user(alice["id"])
    with pytest.raises(NotFound):
        store.get_user(alice["id"])
    with pytest.raises(NotFound):
        store.delete_user(alice["id"])
    # The name is free again.
    store.create_user(user_doc("alice@corp.example"))


def test_filters_are_exact_case_sensitive_and_anded(store: Store, user_doc, group_doc) -> None:
    boss = store.create_user(user_doc("boss@corp.example", "ext-boss"))
    manager = {"employeeNumber": "7", "manager": {"value": boss["id"]}}
    alice = store.create_user(user_doc("Alice@corp.example", "ext-a", **{ENTERPRISE: manager}))
    bob = store.create_user(user_doc("bob@corp.example", "ext-b", **{ENTERPRISE: manager}))
    team = store.create_group(group_doc("team"), [alice["id"], boss["id"]])

    def ids(**filters: str) -> list[str]:
        items, _ = store.list_users(**filters)
        assert store.count_users(**filters) == len(items)
        return [u["id"] for u in items]

    assert ids(user_name="Alice@corp.example") == [alice["id"]]
    assert ids(user_name="alice@corp.example") == []
    assert ids(external_id="ext-b") == [bob["id"]]
    assert ids(external_id="EXT-B") == []
    assert ids(user_id=bob["id"]) == [bob["id"]]
    assert ids(manager_id=boss["id"]) == [alice["id"], bob["id"]]
    assert ids(user_id=alice["id"], manager_id=boss["id"]) == [alice["id"]]
    assert ids(user_id=boss["id"], manager_id=boss["id"]) == []
    assert ids(group_id=team["id"]) == [boss["id"], alice["id"]]
    assert ids(group_id=team["id"], external_id="ext-a") == [alice["id"]]
    assert ids(group_id="unknown") == []
    assert ids() == [boss["id"], alice["id"], bob["id"]]
