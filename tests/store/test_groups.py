import pytest

from scimform.errors import Conflict, NotFound, StoreError
from scimform.store import Store, db


def test_create_get_and_meta(store: Store, group_doc) -> None:
    created = store.create_group(group_doc("platform-admins", "g-ext"))
    assert created["displayName"] == "platform-admins"
    assert created["externalId"] == "g-ext"
    assert created["meta"]["resourceType"] == "Group"
    assert "members" not in created
    assert store.get_group(created["id"]) == created
    with pytest.raises(NotFound, match="no Group with id"):
        store.get_group("nope")


def test_create_with_members(store: Store, user_doc, group_doc) -> None:
    alice = store.create_user(user_doc("alice@corp.example"))
    bob = store.create_user(user_doc("bob@corp.example"))
    group = store.create_group(group_doc("team"), [alice["id"], bob["id"], alice["id"]])
    assert store.is_member(group["id"], alice["id"])
    assert store.is_member(group["id"], bob["id"])
    assert store.counts() == {"users": 2, "groups": 1, "memberships": 2}


def test_an_unknown_member_stores_nothing(store: Store, user_doc, group_doc) -> None:
    alice = store.create_user(user_doc("alice@corp.example"))
    with pytest.raises(NotFound, match="'ghost'"):
        store.create_group(group_doc("team"), [alice["id"], "ghost"])
    assert store.counts() == {"users": 1, "groups": 0, "memberships": 0}
    assert store.list_groups(display_name="team") == ([], None)


def test_display_name_and_external_id_are_unique(store: Store, group_doc) -> None:
    store.create_group(group_doc("Team", "ext-1"))
    with pytest.raises(Conflict, match="displayName 'team'"):
        store.create_group(group_doc("team"))
    with pytest.raises(Conflict, match="externalId 'ext-1'"):
        store.create_group(group_doc("other", "ext-1"))
    assert store.count_groups() == 1


def test_a_group_needs_a_display_name(store: Store) -> None:
    with pytest.raises(StoreError, match="needs a displayName"):
        store.create_group({"schemas": [], "displayName": ""})


def test_members_in_a_document_are_not_stored(store: Store, user_doc, group_doc) -> None:
    alice = store.create_user(user_doc("alice@corp.example"))
    doc = group_doc("team") | {"members": [{"value": alice["id"]}]}
    group = store.create_group(doc)
    assert "members" not in group
    assert not store.is_member(group["id"], alice["id"])


def test_replace_keeps_members_and_created(
    store: Store, user_doc, group_doc, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = store.create_user(user_doc("alice@corp.example"))
    monkeypatch.setattr(db, "timestamp", lambda: "2026-01-01T00:00:00Z")
    group = store.create_group(group_doc("team"), [alice["id"]])
    monkeypatch.setattr(db, "timestamp", lambda: "2026-03-01T00:00:00Z")
    renamed = store.replace_group(group["id"], group_doc("squad", "ext-9"))
    assert renamed["id"] == group["id"]
    assert renamed["displayName"] == "squad"
    assert renamed["meta"]["created"] == "2026-01-01T00:00:00Z"
    assert renamed["meta"]["lastModified"] == "2026-03-01T00:00:00Z"
    assert store.is_member(group["id"], alice["id"])
    # A rename that only changes case is the same group keeping its name.
    store.replace_group(group["id"], group_doc("SQUAD"))
    other = store.create_group(group_doc("other"))
    with pytest.raises(Conflict):
        store.replace_group(other["id"], group_doc("squad"))
    with pytest.raises(NotFound):
        store.replace_group("nope", group_doc("x"))


def test_delete_takes_the_memberships_with_it(store: Store, user_doc, group_doc) -> None:
    alice = store.create_user(user_doc("alice@corp.example"))
    bob = store.create_user(user_doc("bob@corp.example"))
    team = store.create_group(group_doc("team"), [alice["id"], bob["id"]])
    other = store.create_group(group_doc("other"), [alice["id"]])
    store.delete_group(team["id"])
    assert store.counts() == {"users": 2, "groups": 1, "memberships": 1}
    store.delete_user(alice["id"])
    assert store.counts() == {"users": 1, "groups": 1, "memberships": 0}
    assert store.list_users(group_id=other["id"]) == ([], None)
    with pytest.raises(NotFound):
        store.delete_group(team["id"])


def test_group_filters(store: Store, user_doc, group_doc) -> None:
    alice = store.create_user(user_doc("alice@corp.example"))
    bob = store.create_user(user_doc("bob@corp.example"))
    a = store.create_group(group_doc("Admins", "ext-a"), [alice["id"]])
    b = store.create_group(group_doc("builders"), [alice["id"], bob["id"]])
    store.create_group(group_doc("empty"))

    def ids(**filters: str) -> list[str]:
        items, _ = store.list_groups(**filters)
        assert store.count_groups(**filters) == len(items)
        return [g["id"] for g in items]

    assert ids(display_name="Admins") == [a["id"]]
    assert ids(display_name="admins") == []
    assert ids(external_id="ext-a") == [a["id"]]
    assert ids(member_id=alice["id"]) == [a["id"], b["id"]]
    assert ids(member_id=bob["id"]) == [b["id"]]
    # The membership probe: `id eq g and members eq u`.
    assert ids(group_id=a["id"], member_id=bob["id"]) == []
    assert ids(group_id=b["id"], member_id=bob["id"]) == [b["id"]]
    assert len(ids()) == 3
