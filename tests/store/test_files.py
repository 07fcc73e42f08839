import sqlite3
import stat
from pathlib import Path

import pytest
from scimform_cli import cli

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


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_store_and_its_directories_are_its_owner_s_alone(tmp_path: Path) -> None:
    """It holds token digests and personal data: 0600 for the file, its -wal and -shm,
    0700 for each directory made for it (before: 0644 and 0755)."""
    work = tmp_path / "work"
    work.mkdir(mode=0o755)
    path = work / ".scimform" / "deep" / "store.db"
    with Store.open(path) as store:
        store.set_tenant("t-1")  # a write, so that the -wal and -shm files exist
        assert _mode(path) == 0o600
        assert _mode(Path(f"{path}-wal")) == 0o600
        assert _mode(Path(f"{path}-shm")) == 0o600
    assert _mode(work / ".scimform") == 0o700
    assert _mode(work / ".scimform" / "deep") == 0o700
    assert _mode(work) == 0o755  # what existed is left as it was


def test_an_existing_store_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with Store.open(path):
        pass
    path.chmod(0o640)  # shared with a service account's group, on purpose
    with Store.open(path) as store:
        store.set_tenant("t-1")
    assert _mode(path) == 0o640


def test_apply_on_a_fresh_local_target_leaves_owner_only_files(tmp_path: Path) -> None:
    """Through the CLI with the default target (local:.scimform/store.db): the store, the
    audit log and the .scimform directory are created owner-only."""
    (tmp_path / "scimform.yaml").write_text("ownership: {prune: true}\n")
    (tmp_path / "people.yaml").write_text(
        "users:\n  - {userName: alice@corp.example, externalId: a-1, givenName: Alice,\n"
        "     familyName: Liddell, displayName: Alice Liddell, email: alice@corp.example}\n"
    )
    result = cli("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert _mode(tmp_path / ".scimform") == 0o700
    assert _mode(tmp_path / ".scimform" / "store.db") == 0o600
    assert _mode(tmp_path / ".scimform" / "audit.jsonl") == 0o600
