import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from scimform.errors import Conflict, StoreError
from scimform.store import Store, connection

_WRITER = textwrap.dedent(
    """
    import sys
    from scimform.store import Store, connection

    path, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = Store.open(path)
    group = store.list_groups(display_name="shared")[0][0]["id"]
    for i in range(count):
        doc = {"schemas": [], "userName": f"{prefix}{i}@corp.example"}
        user = store.create_user(doc)
        store.add_members(group, [user["id"]])
        store.list_users(limit=5)
    store.close()
    """
)

_KILLED = textwrap.dedent(
    """
    import sys, time
    from scimform.store import Store, connection

    store = Store.open(sys.argv[1])
    print(store.create_user({"schemas": [], "userName": "survivor"})["id"], flush=True)
    time.sleep(60)
    """
)


def test_a_transaction_is_all_or_nothing(store: Store, user_doc, group_doc) -> None:
    with pytest.raises(Conflict), store.transaction():
        alice = store.create_user(user_doc("alice@corp.example"))
        store.create_group(group_doc("team"), [alice["id"]])
        store.create_user(user_doc("ALICE@corp.example"))
    assert store.counts() == {"users": 0, "groups": 0, "memberships": 0}
    # The store is usable again after a failed transaction.
    store.create_user(user_doc("alice@corp.example"))
    assert store.counts()["users"] == 1


def test_a_writer_that_holds_the_file_too_long(
    tmp_path: Path, user_doc, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "BUSY_SECONDS", 0.2)
    path = tmp_path / "store.db"
    with Store.open(path) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match=r"store\.db is busy"):
                store.create_user(user_doc("alice@corp.example"))
            assert store.counts()["users"] == 0  # reads go on while another process writes
        finally:
            other.execute("ROLLBACK")
            other.close()
        store.create_user(user_doc("alice@corp.example"))
        assert store.counts()["users"] == 1


def test_a_failed_inner_write_leaves_nothing_half_done(store: Store, user_doc, group_doc) -> None:
    with store.transaction():
        alice = store.create_user(user_doc("alice@corp.example"))
        # create_group inserts the group, then fails on the member: the savepoint undoes it.
        with pytest.raises(StoreError):
            store.create_group(group_doc("team"), [alice["id"], "ghost"])
        store.create_group(group_doc("other"), [alice["id"]])
    assert store.counts() == {"users": 1, "groups": 1, "memberships": 1}
    assert store.list_groups(display_name="team") == ([], None)


def test_two_threads_share_one_store(store: Store, user_doc, group_doc) -> None:
    group = store.create_group(group_doc("shared"))["id"]
    errors: list[BaseException] = []

    def work(prefix: str) -> None:
        try:
            for i in range(150):
                user = store.create_user(user_doc(f"{prefix}{i}@corp.example"))
                store.add_members(group, [user["id"]])
                store.list_users(group_id=group, limit=10)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert store.counts() == {"users": 300, "groups": 1, "memberships": 300}


def test_two_processes_share_one_file(tmp_path: Path, group_doc) -> None:
    path = tmp_path / "store.db"
    with Store.open(path) as store:
        store.create_group(group_doc("shared"))
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), prefix, "300"])
        for prefix in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    with Store.open(path) as store:
        assert store.counts() == {"users": 600, "groups": 1, "memberships": 600}


def test_a_commit_survives_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        user_id = child.stdout.readline().strip()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    with Store.open(path) as store:
        assert store.get_user(user_id)["userName"] == "survivor"
