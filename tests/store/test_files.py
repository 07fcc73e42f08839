import sqlite3
from pathlib import Path

import pytest

from scimform.errors import StoreError
from scimform.store import Store


def test_a_new_store_is_created_with_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "store.db"
    with Store.open(path) as store:
        assert store.counts() == {"users": 0, "groups": 0, "memberships": 0}
        assert store.path == str(path)
    assert path.exists()


def test_data_and_settings_persist(tmp_path: Path, user_doc) -> None:
    path = tmp_path / "store.db"
    with Store.open(path) as store:
        alice = store.create_user(user_doc("alice@corp.example"))
        bob = store.create_user(user_doc("bob@corp.example"))
        tenant = store.provisioning().tenant_id
        _, cursor = store.list_users(limit=1)
    with Store.open(path) as store:
        assert store.get_user(alice["id"]) == alice
        assert store.provisioning().tenant_id == tenant
        # The id prefix and cursor key are the store's, not the process's.
        assert store.new_id()[:10] == alice["id"][:10]
        assert cursor is not None
        assert store.list_users(after=cursor) == ([bob], None)


def test_an_empty_file_becomes_a_store(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    path.touch()
    with Store.open(path) as store:
        assert store.counts()["users"] == 0


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not SQLite\n" * 100)
    with pytest.raises(StoreError, match=r"notes\.txt is not a scimform store, or it is damaged"):
        Store.open(path)
    assert path.read_text().startswith("hello")


def test_another_programs_database_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"app\.db is an SQLite database but not a scimform"):
        Store.open(path)
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    conn.close()
    assert tables == ["things"]


def test_a_store_of_another_layout_version(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="layout version 99"):
        Store.open(path)


def test_a_damaged_store(tmp_path: Path, user_doc) -> None:
    path = tmp_path / "store.db"
    with Store.open(path) as store:
        for i in range(200):
            store.create_user(user_doc(f"user{i}@corp.example", description="x" * 200))
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[page : len(data)] = b"\xff" * (len(data) - page)
    path.write_bytes(bytes(data))
    damaged = r"store\.db is not a scimform store, or it is damaged"
    with pytest.raises(StoreError, match=damaged), Store.open(path) as store:
        store.list_users()


def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.db")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.counts()


def test_a_store_in_an_unusable_place(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="directory of the store"):
        Store.open(blocker / "store.db")
