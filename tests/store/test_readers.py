"""Reads never wait for writes: each concurrent read has a connection of its own, while
writes take the one write connection in turn, each waiting at most the busy timeout."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scimform.errors import StoreBusy, StoreError
from scimform.store import Store


def _in_thread(call: Callable[[], Any]) -> tuple[Any, float]:
    """Run `call` on another thread: its result (or exception) and how long it took."""
    out: list[Any] = []

    def run() -> None:
        started = time.monotonic()
        try:
            result: Any = call()
        except Exception as exc:  # handed back to the test's thread
            result = exc
        out.append((result, time.monotonic() - started))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return out[0]


def test_reads_go_on_during_a_transaction_of_another_thread(tmp_path: Path, user_doc) -> None:
    with Store.open(tmp_path / "store.db", busy_seconds=0.3) as store:
        alice = store.create_user(user_doc("alice@corp.example"))["id"]
        with store.transaction():
            store.create_user(user_doc("bob@corp.example"))
            # Inside the transaction its own writes are seen ...
            assert store.count_users() == 2
            # ... while another thread reads at once, the last committed state.
            counted, took = _in_thread(store.count_users)
            assert counted == 1 and took < 0.25
            found, _ = _in_thread(lambda: store.get_user(alice))
            assert found["userName"] == "alice@corp.example"
            # A write of another thread waits at most the busy timeout, then says so.
            refused, took = _in_thread(lambda: store.create_user(user_doc("carol@x.example")))
            assert isinstance(refused, StoreBusy) and 0.25 <= took < 2, took
            assert "busy" in str(refused)
        assert store.count_users() == 2


def test_a_write_lock_held_by_another_process_is_store_busy(tmp_path: Path, user_doc) -> None:
    path = tmp_path / "store.db"
    with Store.open(path, busy_seconds=0.2) as store:
        token = store.enable_provisioning()
        assert token is not None
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreBusy, match=r"more than 0\.2 s"):
                store.create_user(user_doc("alice@corp.example"))
            # A token's first use would be noted; with the file locked it is not, at once,
            # and the token is still accepted.
            started = time.monotonic()
            assert store.authenticate(token[1]) is not None
            assert time.monotonic() - started < 0.15
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert store.authenticate(token[1]) is not None
        assert store.list_tokens()[0].last_used is not None


def test_closing_closes_the_read_connections(tmp_path: Path, user_doc) -> None:
    store = Store.open(tmp_path / "store.db")
    user = store.create_user(user_doc("alice@corp.example"))["id"]
    results, _ = _in_thread(lambda: [store.get_user(user) for _ in range(3)])
    assert len(results) == 3
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.get_user(user)
