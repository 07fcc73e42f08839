"""Read connections of one store: lent to one thread at a time, kept for the next read,
and all closed with the store.

A SQLite connection runs one statement at a time; in WAL mode each connection reads
without waiting for any writer. So every concurrent read gets a connection of its own
and no read waits behind a write, in this process or another.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from scimform.errors import StoreError
from scimform.store.connection import connect_reader


class Readers:
    """A pool of read connections to the file at `path`; `shared` replaces the pool with
    one connection used under a lock (an in-memory database cannot be opened twice)."""

    def __init__(
        self, path: str, busy_seconds: float, shared: sqlite3.Connection | None = None
    ) -> None:
        self._path = path
        self._busy = busy_seconds
        self._shared = shared
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._all: list[sqlite3.Connection] = []
        self._closed = False

    @contextmanager
    def borrow(self) -> Iterator[sqlite3.Connection]:
        """A connection for one read, given back afterwards."""
        if self._shared is not None:
            with self._lock:
                yield self._shared
            return
        conn = self._take()
        try:
            yield conn
        finally:
            self._give_back(conn)

    def close(self) -> None:
        """Close every connection; later reads fail as on a closed store."""
        with self._lock:
            self._closed = True
            for conn in self._all:
                conn.close()
            self._idle.clear()

    def _take(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise StoreError(f"store {self._path} is closed")
            if self._idle:
                return self._idle.pop()
        conn = connect_reader(self._path, self._busy)
        with self._lock:
            if not self._closed:
                self._all.append(conn)
                return conn
        conn.close()
        raise StoreError(f"store {self._path} is closed")

    def _give_back(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if self._closed:
                conn.close()
            else:
                self._idle.append(conn)
