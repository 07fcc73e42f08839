import pytest

from scimform.errors import NotFound
from scimform.store import Store, db


@pytest.fixture
def people(store: Store, user_doc) -> list[str]:
    return [store.create_user(user_doc(f"user{i}@corp.example"))["id"] for i in range(5)]


def test_add_is_idempotent(store: Store, people: list[str], group_doc) -> None:
    group = store.create_group(group_doc("team"))["id"]
    store.add_members(group, people[:3])
    store.add_members(group, people[1:4])
    store.add_members(group, people[1:4])
    listed, _ = store.list_users(group_id=group)
    assert [u["id"] for u in listed] == people[:4]
    assert store.counts()["memberships"] == 4


def test_an_unknown_user_adds_no_one(store: Store, people: list[str], group_doc) -> None:
    group = store.create_group(group_doc("team"))["id"]
    with pytest.raises(NotFound, match="'ghost'"):
        store.add_members(group, [people[0], "ghost", people[1]])
    assert store.counts()["memberships"] == 0
    with pytest.raises(NotFound, match="no Group"):
        store.add_members("nope", people)
    assert store.counts()["memberships"] == 0


def test_remove_is_idempotent(store: Store, people: list[str], group_doc) -> None:
    group = store.create_group(group_doc("team"), people)["id"]
    store.remove_members(group, people[:2])
    store.remove_members(group, [*people[:2], "not-a-user"])
    assert [store.is_member(group, p) for p in people] == [False, False, True, True, True]
    with pytest.raises(NotFound):
        store.remove_members("nope", people)


def test_is_member_of_unknown_things_is_false(store: Store, people: list[str], group_doc) -> None:
    group = store.create_group(group_doc("team"), people[:1])["id"]
    assert store.is_member(group, people[0])
    assert not store.is_member(group, "nope")
    assert not store.is_member("nope", people[0])


def test_a_change_of_members_moves_last_modified(
    store: Store, people: list[str], group_doc, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "timestamp", lambda: "2026-01-01T00:00:00Z")
    group = store.create_group(group_doc("team"), people[:1])["id"]
    monkeypatch.setattr(db, "timestamp", lambda: "2026-01-02T00:00:00Z")
    store.add_members(group, people[:1])  # no change
    assert store.get_group(group)["meta"]["lastModified"] == "2026-01-01T00:00:00Z"
    store.add_members(group, people[1:2])
    assert store.get_group(group)["meta"]["lastModified"] == "2026-01-02T00:00:00Z"
    monkeypatch.setattr(db, "timestamp", lambda: "2026-01-03T00:00:00Z")
    store.remove_members(group, people[3:])  # not members: no change
    assert store.get_group(group)["meta"]["lastModified"] == "2026-01-02T00:00:00Z"
    store.remove_members(group, people[:1])
    assert store.get_group(group)["meta"]["lastModified"] == "2026-01-03T00:00:00Z"


def test_many_members_at_once(store: Store, user_doc, group_doc) -> None:
    # More ids than one SQL statement takes, so the lookup works in chunks.
    docs = [(store.new_id(), user_doc(f"u{i}@corp.example")) for i in range(1203)]
    store.bulk_load(docs, [], [])
    group = store.create_group(group_doc("everyone"))["id"]
    ids = [resource_id for resource_id, _ in docs]
    store.add_members(group, ids)
    assert store.count_users(group_id=group) == 1203
    with pytest.raises(NotFound, match="and 1 more"):
        store.add_members(group, [*ids, "a", "b", "c", "d", "e", "f"])
    store.remove_members(group, ids[:1000])
    assert store.count_users(group_id=group) == 203
