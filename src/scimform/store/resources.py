"""Users and groups as rows: the SCIM document stored whole as JSON, beside the columns that
the SCIM filters and the uniqueness rules need.

Both kinds work the same way, so one set of functions serves both, driven by a `Kind`.
Functions take an open connection; the caller (`Store`) owns locking and transactions.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from scimform.errors import Conflict, NotFound, StoreError
from scimform.wire import manager_id_of


@dataclass(frozen=True)
class Kind:
    """What differs between the user and the group table."""

    table: str
    resource_type: str
    name_attribute: str
    name_column: str
    key_column: str
    filters: Mapping[str, str]
    # The filter that goes through the membership table: its name, this kind's column
    # there, and the condition that picks the other side by its id. Lists walk that table's
    # index in order, so a page of a 100,000-member group costs as little as the first.
    membership: tuple[str, str, str]
    has_manager: bool = False
    # Attributes the store keeps elsewhere or assigns itself, never inside the stored doc.
    dropped: tuple[str, ...] = ("id", "meta")


USERS = Kind(
    table="users",
    resource_type="User",
    name_attribute="userName",
    name_column="user_name",
    key_column="user_key",
    filters={
        "user_name": "user_name = ?",
        "external_id": "external_id = ?",
        "user_id": "id = ?",
        "manager_id": "manager_id = ?",
    },
    membership=("group_id", "user_seq", "m.group_seq = (SELECT seq FROM groups WHERE id = ?)"),
    has_manager=True,
)
GROUPS = Kind(
    table="groups",
    resource_type="Group",
    name_attribute="displayName",
    name_column="display_name",
    key_column="name_key",
    filters={
        "display_name": "display_name = ?",
        "external_id": "external_id = ?",
        "group_id": "id = ?",
    },
    membership=("member_id", "group_seq", "m.user_seq = (SELECT seq FROM users WHERE id = ?)"),
    dropped=("id", "meta", "members"),
)

_COLUMNS = "seq, id, created, last_modified, doc"


def columns(kind: Kind, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed columns of a document, checked for the shape the store relies on."""
    name = doc.get(kind.name_attribute)
    if not isinstance(name, str) or not name:
        raise StoreError(f"a {kind.resource_type} needs a {kind.name_attribute}")
    external_id = doc.get("externalId")
    if external_id is not None and not isinstance(external_id, str):
        raise StoreError(f"the externalId of a {kind.resource_type} must be a string")
    cols = {kind.name_column: name, kind.key_column: name.casefold(), "external_id": external_id}
    if kind.has_manager:
        cols["manager_id"] = manager_id_of(dict(doc))
    return cols


def body(kind: Kind, doc: Mapping[str, Any]) -> str:
    """The document as stored: compact JSON without the attributes the store owns."""
    kept = {k: v for k, v in doc.items() if k not in kind.dropped}
    return json.dumps(kept, separators=(",", ":"), ensure_ascii=False)


def compose(kind: Kind, row: Sequence[Any]) -> dict[str, Any]:
    """The SCIM document for a stored row: id, the stored attributes, then meta."""
    _seq, resource_id, created, last_modified, doc = row
    # The store wrote `doc` itself from a checked document, so it is decoded, not
    # re-validated; orjson because a large read decodes a million of them. (Putting the
    # whole document together in SQL was measured slower.)
    return {
        "id": resource_id,
        **orjson.loads(doc),
        "meta": {
            "resourceType": kind.resource_type,
            "created": created,
            "lastModified": last_modified,
        },
    }


def check_unique(
    conn: sqlite3.Connection, kind: Kind, cols: Mapping[str, Any], seq: int | None = None
) -> None:
    """Conflict when another row (not `seq`) holds the name or the externalId."""
    sql = f"SELECT id FROM {kind.table} WHERE {{column}} = ? AND seq IS NOT ?"
    name = cols[kind.name_column]
    row = conn.execute(sql.format(column=kind.key_column), (cols[kind.key_column], seq))
    taken = row.fetchone()
    if taken:
        raise Conflict(f"{kind.name_attribute} {name!r} is already taken by {taken[0]}")
    external_id = cols["external_id"]
    if external_id is not None:
        taken = conn.execute(sql.format(column="external_id"), (external_id, seq)).fetchone()
        if taken:
            raise Conflict(f"externalId {external_id!r} is already taken by {taken[0]}")


def insert(
    conn: sqlite3.Connection, kind: Kind, resource_id: str, doc: Mapping[str, Any], now: str
) -> dict[str, Any]:
    """Store a new resource under `resource_id`; the returned document carries id and meta."""
    cols = columns(kind, doc)
    check_unique(conn, kind, cols)
    names = [*cols, "id", "created", "last_modified", "doc"]
    values = [*cols.values(), resource_id, now, now, body(kind, doc)]
    marks = ", ".join("?" * len(names))
    conn.execute(f"INSERT INTO {kind.table} ({', '.join(names)}) VALUES ({marks})", values)
    return fetch(conn, kind, resource_id)


def seq_of(conn: sqlite3.Connection, kind: Kind, resource_id: str) -> int:
    """The row number of a resource; NotFound when there is none with that id."""
    row = conn.execute(f"SELECT seq FROM {kind.table} WHERE id = ?", (resource_id,)).fetchone()
    if row is None:
        raise NotFound(f"no {kind.resource_type} with id {resource_id!r}")
    return int(row[0])


def fetch(conn: sqlite3.Connection, kind: Kind, resource_id: str) -> dict[str, Any]:
    """The document of one resource; NotFound when there is none with that id."""
    sql = f"SELECT {_COLUMNS} FROM {kind.table} WHERE id = ?"
    row = conn.execute(sql, (resource_id,)).fetchone()
    if row is None:
        raise NotFound(f"no {kind.resource_type} with id {resource_id!r}")
    return compose(kind, row)


def replace(
    conn: sqlite3.Connection, kind: Kind, resource_id: str, doc: Mapping[str, Any], now: str
) -> dict[str, Any]:
    """Replace a resource's attributes; id and meta.created stay, lastModified moves."""
    seq = seq_of(conn, kind, resource_id)
    cols = columns(kind, doc)
    check_unique(conn, kind, cols, seq)
    assignments = ", ".join(f"{name} = ?" for name in [*cols, "last_modified", "doc"])
    values = [*cols.values(), now, body(kind, doc), seq]
    conn.execute(f"UPDATE {kind.table} SET {assignments} WHERE seq = ?", values)
    return fetch(conn, kind, resource_id)


def delete(conn: sqlite3.Connection, kind: Kind, resource_id: str) -> None:
    """Delete a resource (its memberships go with it); NotFound when there is none."""
    cursor = conn.execute(f"DELETE FROM {kind.table} WHERE id = ?", (resource_id,))
    if cursor.rowcount == 0:
        raise NotFound(f"no {kind.resource_type} with id {resource_id!r}")


@dataclass
class _Query:
    source: str
    clauses: list[str]
    values: list[Any]
    position: str


def _query(kind: Kind, filters: Mapping[str, object]) -> _Query:
    query = _Query(kind.table, [], [], "seq")
    name, column, condition = kind.membership
    for key, value in filters.items():
        if key != name and key not in kind.filters:
            raise StoreError(f"{kind.resource_type}s cannot be filtered by {key}")
        if value is None:
            continue
        if key == name:
            query.source = f"memberships m JOIN {kind.table} ON {kind.table}.seq = m.{column}"
            query.position = f"m.{column}"
            query.clauses.insert(0, condition)
            query.values.insert(0, value)
        else:
            query.clauses.append(kind.filters[key])
            query.values.append(value)
    return query


def page_rows(
    conn: sqlite3.Connection,
    kind: Kind,
    filters: Mapping[str, object],
    after: int,
    limit: int,
) -> tuple[list[Any], int | None]:
    """Up to `limit` matching rows after row `after`, in row order, and the row to continue
    after (None on the last page). Rows, not documents: `compose` makes them documents,
    so that a caller can decode them after letting go of the connection."""
    if limit < 1:
        raise StoreError("a page holds at least one item")
    q = _query(kind, filters)
    where = " AND ".join([*q.clauses, f"{q.position} > ?"])
    sql = f"SELECT {_COLUMNS} FROM {q.source} WHERE {where} ORDER BY {q.position} LIMIT ?"
    rows = conn.execute(sql, [*q.values, after, limit + 1]).fetchall()
    if len(rows) <= limit:
        return rows, None
    del rows[limit:]
    return rows, int(rows[-1][0])


def count(conn: sqlite3.Connection, kind: Kind, filters: Mapping[str, object]) -> int:
    """How many resources match the filters."""
    q = _query(kind, filters)
    where = f" WHERE {' AND '.join(q.clauses)}" if q.clauses else ""
    (total,) = conn.execute(f"SELECT count(*) FROM {q.source}{where}", q.values).fetchone()
    return int(total)


def insert_many(
    conn: sqlite3.Connection,
    kind: Kind,
    items: Sequence[tuple[str, Mapping[str, Any]]],
    now: str,
) -> int:
    """Insert (id, document) pairs with consecutive row numbers; returns the first one.
    Uniqueness is left to the unique indexes, which fail the whole insert."""
    (last,) = conn.execute(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0),"
        f" coalesce((SELECT max(seq) FROM {kind.table}), 0))",
        (kind.table,),
    ).fetchone()
    first = int(last) + 1
    names = ["seq", "id", kind.name_column, kind.key_column, "external_id"]
    names += ["manager_id"] if kind.has_manager else []
    names += ["created", "last_modified", "doc"]
    sql = f"INSERT INTO {kind.table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn.executemany(sql, _rows(kind, items, first, now))
    return first


def _rows(
    kind: Kind, items: Sequence[tuple[str, Mapping[str, Any]]], first: int, now: str
) -> Iterator[tuple[Any, ...]]:
    for offset, (resource_id, doc) in enumerate(items):
        cols = columns(kind, doc)
        yield (first + offset, resource_id, *cols.values(), now, now, body(kind, doc))
