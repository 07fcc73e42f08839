"""Opening a store file, and the one place where sqlite3's exceptions become scimform's.

A store holds token digests and people's names and addresses, so what `connect` creates is
its owner's alone: the file 0600 (SQLite gives its -wal and -shm files the same mode) and
each directory it makes 0700. A file or directory that already exists keeps its mode: an
operator may have shared it on purpose, with a service account's group.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scimform.errors import Conflict, NotFound, StoreBusy, StoreError

# How long a write waits for another process's write to finish before giving up.
BUSY_SECONDS = 30.0

_DAMAGED = ("file is not a database", "malformed", "disk image")


@contextmanager
def translated(path: str, busy_seconds: float | None = None) -> Iterator[None]:
    """Run a block of sqlite3 calls; their errors leave as StoreError naming the file
    (StoreBusy when another writer held the file past `busy_seconds`)."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        text = str(exc)
        if "FOREIGN KEY" in text:
            raise NotFound(f"store {path}: a referenced user or group does not exist") from exc
        raise Conflict(f"store {path}: a unique value is already taken ({text})") from exc
    except sqlite3.Error as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise StoreBusy(busy_message(path, busy_seconds, text)) from exc
        raise StoreError(_explain(path, exc)) from exc


def busy_message(path: str, busy_seconds: float | None, text: str) -> str:
    """Why a write gave up waiting for the store."""
    seconds = BUSY_SECONDS if busy_seconds is None else busy_seconds
    held = f"another writer held it for more than {seconds:g} s"
    return f"store {path} is busy: {held} ({text})"


def _explain(path: str, exc: sqlite3.Error) -> str:
    text = str(exc)
    if any(marker in text for marker in _DAMAGED):
        return f"{path} is not a scimform store, or it is damaged ({text})"
    if "unable to open" in text:
        return f"cannot open the store {path}: check the path and its permissions ({text})"
    if isinstance(exc, sqlite3.ProgrammingError) and "closed" in text:
        return f"store {path} is closed"
    return f"store {path}: {text}"


def connect(path: str, busy_seconds: float | None = None) -> sqlite3.Connection:
    """A connection to the file at `path` (created with its directory if missing), in WAL
    mode with foreign keys on, shareable between threads (the caller serialises use)."""
    if path != ":memory:":
        _create_owner_only(Path(path))
    conn = _open(path, busy_seconds)
    try:
        with translated(path, busy_seconds):
            # A file that is not a database fails here, on the first read of its header.
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            # NORMAL in WAL mode survives a killed process; only a power cut may lose the
            # last commits, never consistency.
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _create_owner_only(path: Path) -> None:
    """Make the missing directories (0700) and an empty store file (0600), for SQLite to
    fill; what exists is left as it is."""
    missing = [p for p in reversed(path.parents) if not p.exists()]
    try:
        for directory in missing:
            directory.mkdir(mode=0o700, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except (NotADirectoryError, OSError) as exc:
        what = "the directory of the store" if missing or exc.errno == errno.ENOTDIR else "store"
        raise StoreError(f"cannot create {what} {path}: {exc}") from exc


def connect_reader(path: str, busy_seconds: float | None = None) -> sqlite3.Connection:
    """A read-only connection to an existing store. In WAL mode a reader never waits for
    a writer, in this process or another, so reads go on while a write holds the file."""
    conn = _open(path, busy_seconds)
    try:
        with translated(path, busy_seconds):
            conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _open(path: str, busy_seconds: float | None) -> sqlite3.Connection:
    timeout = BUSY_SECONDS if busy_seconds is None else busy_seconds
    with translated(path, busy_seconds):
        return sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
