"""The tables of a store file, how a new file gets them and how an existing one is checked.

A store file is marked with SQLite's `application_id` so that scimform never writes into a
database that belongs to something else, and with `user_version` so that a later layout
can be told apart from this one.
"""

from __future__ import annotations

import secrets
import sqlite3
import uuid

from scimform.errors import StoreError

APPLICATION_ID = 0x53434D46  # "SCMF"
SCHEMA_VERSION = 1

# Each resource has an ever-growing `seq` (AUTOINCREMENT: never reused, so a cursor that
# points past a deleted row cannot skip a newer one) that orders lists and keys memberships.
_TABLES = (
    """CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE users (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        user_name TEXT NOT NULL,
        user_key TEXT NOT NULL UNIQUE,
        external_id TEXT UNIQUE,
        manager_id TEXT,
        created TEXT NOT NULL,
        last_modified TEXT NOT NULL,
        doc TEXT NOT NULL)""",
    "CREATE INDEX users_user_name ON users (user_name)",
    "CREATE INDEX users_manager_id ON users (manager_id) WHERE manager_id IS NOT NULL",
    """CREATE TABLE groups (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        external_id TEXT UNIQUE,
        created TEXT NOT NULL,
        last_modified TEXT NOT NULL,
        doc TEXT NOT NULL)""",
    "CREATE INDEX groups_display_name ON groups (display_name)",
    """CREATE TABLE memberships (
        group_seq INTEGER NOT NULL REFERENCES groups (seq) ON DELETE CASCADE,
        user_seq INTEGER NOT NULL REFERENCES users (seq) ON DELETE CASCADE,
        PRIMARY KEY (group_seq, user_seq)) WITHOUT ROWID""",
    "CREATE INDEX memberships_user ON memberships (user_seq)",
    """CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        digest BLOB NOT NULL UNIQUE,
        created TEXT NOT NULL,
        expires TEXT NOT NULL,
        last_used TEXT)""",
)


def prepare(conn: sqlite3.Connection, path: str) -> None:
    """Give a new, empty database the store's tables, or check that an existing one is a
    store this version understands. Runs inside its own write transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _is_empty(conn):
            _create(conn)
        else:
            _check(conn, path)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _is_empty(conn: sqlite3.Connection) -> bool:
    (tables,) = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    (app_id,) = conn.execute("PRAGMA application_id").fetchone()
    return bool(tables == 0 and app_id == 0)


def _check(conn: sqlite3.Connection, path: str) -> None:
    (app_id,) = conn.execute("PRAGMA application_id").fetchone()
    if app_id != APPLICATION_ID:
        raise StoreError(
            f"{path} is an SQLite database but not a scimform store; "
            "point --db at a scimform store or at a new file"
        )
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version != SCHEMA_VERSION:
        raise StoreError(
            f"{path} is a scimform store of layout version {version}; "
            f"this scimform reads version {SCHEMA_VERSION}"
        )


def _create(conn: sqlite3.Connection) -> None:
    for statement in _TABLES:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    initial = {
        "tenant_id": str(uuid.uuid4()),
        "provisioning": "off",
        # AWS ids start with a per-identity-store prefix of 10 hex characters.
        "id_prefix": secrets.token_hex(5),
        "cursor_key": secrets.token_hex(32),
    }
    conn.executemany("INSERT INTO settings (key, value) VALUES (?, ?)", initial.items())


def setting(conn: sqlite3.Connection, key: str) -> str:
    """The value of one store setting."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise StoreError(f"the store has no setting {key!r}; it is damaged")
    return str(row[0])


def set_setting(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Change one store setting."""
    conn.execute("UPDATE settings SET value = ? WHERE key = ?", (value, key))
