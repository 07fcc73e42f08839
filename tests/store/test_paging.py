import pytest

from scimform.errors import StoreError
from scimform.store import Store


def _all_pages(store: Store, limit: int, **filters: str) -> tuple[list[str], int]:
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        items, after = store.list_users(after=after, limit=limit, **filters)
        assert len(items) <= limit
        seen.extend(u["id"] for u in items)
        pages += 1
        if after is None:
            return seen, pages


@pytest.fixture
def ids(store: Store, user_doc) -> list[str]:
    docs = [(store.new_id(), user_doc(f"user{i:03d}@corp.example")) for i in range(250)]
    store.bulk_load(docs, [], [])
    return [resource_id for resource_id, _ in docs]


@pytest.mark.parametrize(("limit", "pages"), [(100, 3), (7, 36), (250, 1), (1000, 1)])
def test_pages_cover_everything_once_in_order(
    store: Store, ids: list[str], limit: int, pages: int
) -> None:
    seen, count = _all_pages(store, limit)
    assert seen == ids
    assert count == pages


def test_the_last_full_page_has_no_next_cursor(store: Store, ids: list[str]) -> None:
    items, after = store.list_users(limit=125)
    items2, after2 = store.list_users(after=after, limit=125)
    assert len(items) == len(items2) == 125
    assert after2 is None


def test_paging_a_filter(store: Store, ids: list[str], group_doc) -> None:
    members = ids[::3]
    group = store.create_group(group_doc("thirds"), members)["id"]
    seen, _ = _all_pages(store, 10, group_id=group)
    assert seen == members


def test_writes_between_pages_do_not_shift_the_cursor(
    store: Store, ids: list[str], user_doc
) -> None:
    first, after = store.list_users(limit=100)
    # Deleting the row the cursor points after, and rows already seen, changes nothing.
    store.delete_user(first[-1]["id"])
    store.delete_user(first[0]["id"])
    newcomer = store.create_user(user_doc("newcomer@corp.example"))["id"]
    rest: list[str] = []
    while after is not None:
        items, after = store.list_users(after=after, limit=100)
        rest.extend(u["id"] for u in items)
    assert rest == [*ids[100:], newcomer]


def test_an_empty_store_has_one_empty_page(store: Store) -> None:
    assert store.list_users() == ([], None)
    assert store.list_groups() == ([], None)


@pytest.mark.parametrize("mangle", [
    lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),
    lambda c: c[:-2],
    lambda c: c + "AAAA",
    lambda c: "not a cursor!",
    lambda c: "",
    lambda c: "é",
])  # fmt: skip
def test_a_tampered_cursor_is_refused(store: Store, ids: list[str], mangle) -> None:
    _, cursor = store.list_users(limit=10)
    assert cursor is not None
    with pytest.raises(StoreError, match="cursor is not valid"):
        store.list_users(after=mangle(cursor))


def test_a_cursor_has_one_spelling(store: Store, ids: list[str]) -> None:
    # The last base64 character carries spare bits that decoding ignores: every other
    # spelling of it must be refused too, whatever the store's key makes the cursor.
    _, cursor = store.list_users(limit=10)
    assert cursor is not None
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for char in alphabet.replace(cursor[-1], ""):
        with pytest.raises(StoreError, match="cursor is not valid"):
            store.list_users(after=cursor[:-1] + char)


def test_a_cursor_belongs_to_its_list_and_its_store(
    store: Store, ids: list[str], tmp_path, group_doc
) -> None:
    _, cursor = store.list_users(limit=10)
    assert cursor is not None
    with pytest.raises(StoreError, match="cursor"):
        store.list_groups(after=cursor)
    other = Store.open(tmp_path / "other.db")
    try:
        with pytest.raises(StoreError, match="cursor"):
            other.list_users(after=cursor)
    finally:
        other.close()


def test_a_page_holds_at_least_one_item(store: Store) -> None:
    with pytest.raises(StoreError, match="at least one"):
        store.list_users(limit=0)


def test_paging_the_groups_of_a_member(store: Store, ids: list[str], group_doc) -> None:
    made = [store.create_group(group_doc(f"g{i}"), ids[:2])["id"] for i in range(25)]
    store.create_group(group_doc("without"), ids[2:3])
    seen: list[str] = []
    after: str | None = None
    while True:
        items, after = store.list_groups(member_id=ids[1], after=after, limit=10)
        seen.extend(g["id"] for g in items)
        if after is None:
            break
    assert seen == made
    assert store.count_groups(member_id=ids[1]) == 25
