"""While another process holds the store's write lock, the server goes on answering: reads
at once, and writes, after the store's busy timeout, with a 503 in AWS's error body that
clients retry. Store calls run on worker threads, never on the event loop."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimform.server.app import ScimApp
from scimform.server.runner import serve_in_background
from scimform.store import Store
from scimform.wire import ERROR_SCHEMA, USER_SCHEMA

BUSY = 2.0  # the served store's busy timeout in these tests
_HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("ROLLBACK")
    """
)


def _user(name: str) -> dict[str, Any]:
    return {
        "schemas": [USER_SCHEMA],
        "userName": name,
        "name": {"givenName": "A", "familyName": "B"},
        "displayName": "A B",
    }


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[httpx.Client, Path, str]]:
    """A client on a server whose store waits BUSY seconds for a lock; the token has never
    been used, so its first request would want to note its use; one user exists."""
    db = tmp_path / "store.db"
    with Store.open(db, busy_seconds=BUSY) as store:
        made = store.enable_provisioning()
        assert made is not None
        alice = store.create_user(_user("alice@corp.example"))["id"]
        app = ScimApp(store)
        with serve_in_background(app) as root:
            headers = {"Authorization": f"Bearer {made[1]}"}
            url = f"{root}/{app.tenant}/scim/v2"
            with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
                yield client, db, alice
        app.close()


def _hold_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def _timed(call: Any, *args: Any, **kwargs: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - started


def test_reads_are_answered_at_once_while_another_process_holds_the_write_lock(
    served: tuple[httpx.Client, Path, str],
) -> None:
    client, db, alice = served
    holder = _hold_lock(db, BUSY + 3)
    try:
        with ThreadPoolExecutor(4) as pool:
            # Writes that wait for the lock, on the server, while the reads below go on.
            writes = [pool.submit(_timed, client.post, "/Users", json=_user(f"w{i}@x.example"))
                      for i in range(3)]  # fmt: skip
            time.sleep(0.3)
            for _ in range(5):
                got, took = _timed(client.get, f"/Users/{alice}")
                assert got.status_code == 200 and took < 1.0, took
                listed, took = _timed(client.get, "/Users", params={"cursor": ""})
                assert listed.json()["itemsPerPage"] == 1 and took < 1.0, took
                assert writes[0].running() or not writes[0].done()
            for write in writes:
                response, took = write.result(timeout=30)
                _assert_busy(response)
                # Each write waits about the busy timeout, not one timeout per write queued.
                assert BUSY - 0.2 <= took < BUSY + 1.0, took
    finally:
        holder.wait(timeout=30)
        assert holder.stdout is not None
        holder.stdout.close()
    created = client.post("/Users", json=_user("later@corp.example"))
    assert created.status_code == 201


def _assert_busy(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert body["schemas"] == body["schema"] == [ERROR_SCHEMA] and body["status"] == "503"
    assert "busy" in body["detail"] and "try again" in body["detail"]


def test_the_event_loop_stays_free_while_a_write_waits(
    served: tuple[httpx.Client, Path, str],
) -> None:
    # The discovery endpoints need no store at all: they must never wait for one.
    client, db, _ = served
    holder = _hold_lock(db, BUSY + 1)
    try:
        waiting = threading.Thread(
            target=client.post, args=("/Users",), kwargs={"json": _user("w@x.example")}
        )
        waiting.start()
        time.sleep(0.3)
        response, took = _timed(client.get, "/ServiceProviderConfig")
        assert response.status_code == 200 and took < 1.0, took
        waiting.join(timeout=30)
    finally:
        holder.wait(timeout=30)
        assert holder.stdout is not None
        holder.stdout.close()
