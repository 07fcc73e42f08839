"""The embedded SCIM store: one SQLite file holding users, groups, memberships, tokens and
the provisioning switch.

The store keeps SCIM documents that its caller has already validated; it knows tables,
ids, uniqueness, cursors and transactions, not SCIM's request rules. Every sqlite3 error
is translated into the errors of `scimform.errors` by `connection.translated`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict, Unpack

from scimform.errors import StoreBusy
from scimform.store import connection, cursor, members, resources, schema, tokens
from scimform.store.connection import busy_message, connect, translated
from scimform.store.readers import Readers
from scimform.store.resources import GROUPS, USERS, Kind
from scimform.store.tokens import Provisioning, TokenInfo


class UserFilters(TypedDict, total=False):
    """The filters of `Store.list_users` and `count_users`; None is no filter."""

    user_name: str | None
    external_id: str | None
    group_id: str | None
    user_id: str | None
    manager_id: str | None


class GroupFilters(TypedDict, total=False):
    """The filters of `Store.list_groups` and `count_groups`; None is no filter."""

    display_name: str | None
    external_id: str | None
    member_id: str | None
    group_id: str | None


def timestamp() -> str:
    """The current time as SCIM meta shows it (ISO 8601, UTC, to the second)."""
    return tokens.utc(None).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """One SQLite file: users, groups, memberships, tokens and the provisioning switch.

    One Store may be shared by threads. Writes go through one connection, one transaction
    at a time; reads outside a transaction take a read connection of their own, so that
    they never wait behind a write, nor behind another process that holds the file's write
    lock (WAL). A write that cannot start within `busy_seconds` raises StoreBusy. Several
    processes may open the same file. Open with `Store.open`.
    """

    def __init__(
        self, conn: sqlite3.Connection, path: str, busy_seconds: float | None = None
    ) -> None:
        self._conn = conn
        self._path = path
        self._busy = connection.BUSY_SECONDS if busy_seconds is None else busy_seconds
        self._lock = threading.RLock()
        self._depth = 0
        self._writer: int | None = None  # the thread inside a transaction, if any
        self._readers = Readers(path, self._busy, shared=conn if path == ":memory:" else None)
        with translated(path):
            self._id_prefix = schema.setting(conn, "id_prefix")
            self._cursor_key = bytes.fromhex(schema.setting(conn, "cursor_key"))

    @classmethod
    def open(cls, path: str | Path, *, busy_seconds: float | None = None) -> Store:
        """Open the store at `path`, creating the file (and its directory) if new. A write
        waits up to `busy_seconds` (default 30) for another writer before StoreBusy."""
        shown = str(path)
        conn = connect(shown, busy_seconds)
        try:
            with translated(shown, busy_seconds):
                schema.prepare(conn, shown)
            return cls(conn, shown, busy_seconds)
        except BaseException:
            conn.close()
            raise

    @property
    def path(self) -> str:
        """The file the store lives in."""
        return self._path

    def close(self) -> None:
        """Close the connections; the store cannot be used afterwards."""
        self._readers.close()
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions ---------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, wait: float | None = None) -> Iterator[None]:
        """Group several writes atomically. Re-entrant: an inner block is a savepoint, so a
        failed inner write that the caller catches leaves nothing half done. Reads inside
        the block see its writes. The block waits at most `wait` seconds (default: the busy
        timeout) for the writes of this process and of others together, then StoreBusy."""
        deadline = time.monotonic() + (self._busy if wait is None else wait)
        self._acquire(deadline)
        try:
            with translated(self._path, self._busy):
                outermost = self._depth == 0
                savepoint = f"s{self._depth}"
                self._begin(deadline, savepoint)
                self._depth += 1
                self._writer = threading.get_ident()
                try:
                    yield
                    self._conn.execute("COMMIT" if outermost else f"RELEASE {savepoint}")
                except BaseException:
                    self._undo(outermost, savepoint)
                    raise
                finally:
                    self._depth -= 1
                    self._writer = self._writer if self._depth else None
        finally:
            self._lock.release()

    def _acquire(self, deadline: float) -> None:
        # Writes of this process queue here, each until its deadline: a client hears
        # "busy" in bounded time, never a hang.
        if not self._lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise StoreBusy(busy_message(self._path, self._busy, "a write of this process held it"))

    def _begin(self, deadline: float, savepoint: str) -> None:
        if self._depth:
            self._conn.execute(f"SAVEPOINT {savepoint}")
            return
        # Another process's lock is waited for only until the same deadline.
        left = max(0.0, deadline - time.monotonic())
        self._conn.execute(f"PRAGMA busy_timeout = {int(left * 1000)}")
        self._conn.execute("BEGIN IMMEDIATE")

    def _undo(self, outermost: bool, savepoint: str) -> None:
        # SQLite ends the transaction by itself after some failures (disk full, I/O error).
        if not self._conn.in_transaction:
            return
        if outermost:
            self._conn.execute("ROLLBACK")
        else:
            self._conn.execute(f"ROLLBACK TO {savepoint}")
            self._conn.execute(f"RELEASE {savepoint}")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self.transaction():
            yield self._conn

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        if self._writer == threading.get_ident():
            # Inside this thread's transaction: read what it has written so far.
            with translated(self._path, self._busy):
                yield self._conn
            return
        with self._readers.borrow() as conn, translated(self._path, self._busy):
            yield conn

    def new_id(self) -> str:
        """A fresh resource id in AWS's shape: the store's 10 hex characters, "-", a UUID4."""
        return f"{self._id_prefix}-{uuid.uuid4()}"

    # --- users ----------------------------------------------------------------------------

    def create_user(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Store a new user; Conflict when its userName (any case) or externalId is taken."""
        with self._writing() as conn:
            return resources.insert(conn, USERS, self.new_id(), doc, timestamp())

    def get_user(self, user_id: str) -> dict[str, Any]:
        """The user with that id; NotFound when there is none."""
        with self._reading() as conn:
            return resources.fetch(conn, USERS, user_id)

    def replace_user(self, user_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Replace a user's attributes, keeping id and meta.created; Conflict / NotFound."""
        with self._writing() as conn:
            return resources.replace(conn, USERS, user_id, doc, timestamp())

    def delete_user(self, user_id: str) -> None:
        """Delete a user and their memberships; NotFound when there is none."""
        with self._writing() as conn:
            resources.delete(conn, USERS, user_id)

    def list_users(
        self, *, after: str | None = None, limit: int = 100, **filters: Unpack[UserFilters]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of users matching every given filter (exact, case-sensitive), and the
        cursor of the next page (None on the last)."""
        return self._page(USERS, filters, after, limit)

    def count_users(self, **filters: Unpack[UserFilters]) -> int:
        """How many users match every given filter."""
        with self._reading() as conn:
            return resources.count(conn, USERS, filters)

    # --- groups ---------------------------------------------------------------------------

    def create_group(self, doc: dict[str, Any], member_ids: Sequence[str] = ()) -> dict[str, Any]:
        """Store a new group with those members; Conflict when its displayName (any case) or
        externalId is taken, NotFound when a member id is unknown (then nothing is stored).
        A `members` attribute in `doc` is not stored: members live in their own table."""
        with self._writing() as conn:
            group_id = self.new_id()
            created = resources.insert(conn, GROUPS, group_id, doc, timestamp())
            if member_ids:
                members.add(conn, group_id, member_ids, created["meta"]["created"])
            return created

    def get_group(self, group_id: str) -> dict[str, Any]:
        """The group with that id, without members; NotFound when there is none."""
        with self._reading() as conn:
            return resources.fetch(conn, GROUPS, group_id)

    def replace_group(self, group_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Replace a group's attributes (members stay); Conflict / NotFound."""
        with self._writing() as conn:
            return resources.replace(conn, GROUPS, group_id, doc, timestamp())

    def delete_group(self, group_id: str) -> None:
        """Delete a group and its memberships; NotFound when there is none."""
        with self._writing() as conn:
            resources.delete(conn, GROUPS, group_id)

    def list_groups(
        self, *, after: str | None = None, limit: int = 100, **filters: Unpack[GroupFilters]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of groups matching every given filter; member_id selects the groups
        that user is in. Returns the items and the next page's cursor (None on the last)."""
        return self._page(GROUPS, filters, after, limit)

    def count_groups(self, **filters: Unpack[GroupFilters]) -> int:
        """How many groups match every given filter."""
        with self._reading() as conn:
            return resources.count(conn, GROUPS, filters)

    def _page(
        self, kind: Kind, filters: Mapping[str, object], after: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        start = 0 if after is None else cursor.decode(self._cursor_key, kind.table, after)
        with self._reading() as conn:
            rows, last = resources.page_rows(conn, kind, filters, start, limit)
        # Decoded outside the lock: other threads' queries need not wait for it.
        items = [resources.compose(kind, row) for row in rows]
        next_cursor = None if last is None else cursor.encode(self._cursor_key, kind.table, last)
        return items, next_cursor

    # --- memberships ----------------------------------------------------------------------

    def add_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """Make users members of a group (idempotent); NotFound for an unknown group or
        user, and then no one is added."""
        with self._writing() as conn:
            members.add(conn, group_id, user_ids, timestamp())

    def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """Remove users from a group (idempotent); NotFound for an unknown group."""
        with self._writing() as conn:
            members.remove(conn, group_id, user_ids, timestamp())

    def is_member(self, group_id: str, user_id: str) -> bool:
        """Whether the user is in the group."""
        with self._reading() as conn:
            return members.is_member(conn, group_id, user_id)

    def counts(self) -> dict[str, int]:
        """{"users": n, "groups": n, "memberships": n}."""
        with self._reading() as conn:
            return members.counts(conn)

    # --- tokens and the provisioning switch ------------------------------------------------

    def provisioning(self) -> Provisioning:
        """Whether automatic provisioning is on, and the tenant id of the SCIM endpoint."""
        with self._reading() as conn:
            return tokens.provisioning(conn)

    def set_tenant(self, tenant_id: str) -> None:
        """Serve the store under this tenant id from now on."""
        with self._writing() as conn:
            tokens.set_tenant(conn, tenant_id)

    def enable_provisioning(self, now: datetime | None = None) -> tuple[TokenInfo, str] | None:
        """Turn automatic provisioning on. When no token exists yet, makes the first one and
        returns it with its secret (shown this once); otherwise None."""
        with self._writing() as conn:
            return tokens.enable(conn, now)

    def disable_provisioning(self) -> None:
        """Turn automatic provisioning off; StoreError while any token exists."""
        with self._writing() as conn:
            tokens.disable(conn)

    def create_token(self, now: datetime | None = None) -> tuple[TokenInfo, str]:
        """A new token, valid one year, and its secret (not kept: shown this once);
        TokenLimit when two exist."""
        with self._writing() as conn:
            return tokens.create_token(conn, now)

    def delete_token(self, token_id: str) -> None:
        """Delete a token by id; NotFound when there is none."""
        with self._writing() as conn:
            tokens.delete_token(conn, token_id)

    def list_tokens(self) -> list[TokenInfo]:
        """Every token, oldest first, without secrets."""
        with self._reading() as conn:
            return tokens.list_tokens(conn)

    def authenticate(self, secret: str, now: datetime | None = None) -> TokenInfo | None:
        """The token a bearer secret belongs to, or None when it is unknown, deleted or
        expired, or provisioning is disabled."""
        return self.authenticate_reason(secret, now)[0]

    def authenticate_reason(
        self, secret: str, now: datetime | None = None
    ) -> tuple[TokenInfo | None, str]:
        """Like `authenticate`, with the reason: "ok", or why the secret was refused (a
        sentence naming at most the token id, never the secret)."""
        with self._reading() as conn:
            info, reason = tokens.check(conn, secret, now)
        if info is not None and tokens.needs_last_used(info, now):
            info = self._mark_used(info, now)
        return info, reason

    def _mark_used(self, info: TokenInfo, now: datetime | None) -> TokenInfo:
        # Best effort, and never a wait: a request must not queue behind a write only to
        # note when its token was last used; a later request notes it.
        try:
            with self.transaction(wait=0):
                return tokens.mark_used(self._conn, info, now)
        except StoreBusy:
            return info

    # --- bulk loading ---------------------------------------------------------------------

    def bulk_load(
        self,
        users: Sequence[tuple[str, Mapping[str, Any]]],
        groups: Sequence[tuple[str, Mapping[str, Any]]],
        memberships: Iterable[tuple[int, int]],
    ) -> None:
        """Insert many (id, document) users and groups, and memberships as (group index,
        user index) pairs into those two sequences, in one transaction. Faster than one call
        per object; uniqueness is enforced by the indexes (Conflict, nothing stored)."""
        now = timestamp()
        with self._writing() as conn:
            first_user = resources.insert_many(conn, USERS, users, now)
            first_group = resources.insert_many(conn, GROUPS, groups, now)
            members.insert_pairs(conn, first_group, first_user, memberships)
