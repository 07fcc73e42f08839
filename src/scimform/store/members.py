"""Group memberships: one row per (group, user), keyed by the two rows' numbers so that a
million of them stay small and fast, and removed with either side (ON DELETE CASCADE)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from scimform.errors import NotFound
from scimform.store.resources import GROUPS, seq_of

# Keep every IN (...) list well under SQLite's limit on bound parameters.
_CHUNK = 500


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def user_seqs(conn: sqlite3.Connection, user_ids: Sequence[str], *, strict: bool) -> list[int]:
    """The row numbers of the given users; with `strict`, NotFound names any unknown id."""
    wanted = list(dict.fromkeys(user_ids))
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        marks = ", ".join("?" * len(chunk))
        sql = f"SELECT id, seq FROM users WHERE id IN ({marks})"
        found.update((str(i), int(s)) for i, s in conn.execute(sql, list(chunk)))
    missing = [i for i in wanted if i not in found]
    if strict and missing:
        shown = ", ".join(repr(i) for i in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise NotFound(f"no User with id {shown}{more}")
    return [found[i] for i in wanted if i in found]


def add(conn: sqlite3.Connection, group_id: str, user_ids: Sequence[str], now: str) -> None:
    """Make the users members of the group. All or nothing: an unknown id adds no one."""
    group = seq_of(conn, GROUPS, group_id)
    users = user_seqs(conn, user_ids, strict=True)
    cursor = conn.executemany(
        "INSERT OR IGNORE INTO memberships (group_seq, user_seq) VALUES (?, ?)",
        ((group, user) for user in users),
    )
    _touch(conn, group, cursor.rowcount, now)


def remove(conn: sqlite3.Connection, group_id: str, user_ids: Sequence[str], now: str) -> None:
    """Make the users no longer members of the group; ids that are not members are ignored."""
    group = seq_of(conn, GROUPS, group_id)
    users = user_seqs(conn, user_ids, strict=False)
    cursor = conn.executemany(
        "DELETE FROM memberships WHERE group_seq = ? AND user_seq = ?",
        ((group, user) for user in users),
    )
    _touch(conn, group, cursor.rowcount, now)


def _touch(conn: sqlite3.Connection, group: int, changed: int, now: str) -> None:
    # A change of members is a change of the group, as a PATCH of its members is on AWS.
    if changed > 0:
        conn.execute("UPDATE groups SET last_modified = ? WHERE seq = ?", (now, group))


def is_member(conn: sqlite3.Connection, group_id: str, user_id: str) -> bool:
    """Whether the user is a member of the group (False when either is unknown)."""
    row = conn.execute(
        "SELECT 1 FROM memberships m JOIN groups g ON g.seq = m.group_seq"
        " JOIN users u ON u.seq = m.user_seq WHERE g.id = ? AND u.id = ?",
        (group_id, user_id),
    ).fetchone()
    return row is not None


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many users, groups and memberships the store holds."""
    out = {}
    for name in ("users", "groups", "memberships"):
        (total,) = conn.execute(f"SELECT count(*) FROM {name}").fetchone()
        out[name] = int(total)
    return out


def insert_pairs(
    conn: sqlite3.Connection, first_group: int, first_user: int, pairs: Iterable[tuple[int, int]]
) -> None:
    """Insert memberships given as (group, user) offsets from the first new row numbers."""
    conn.executemany(
        "INSERT INTO memberships (group_seq, user_seq) VALUES (?, ?)",
        ((first_group + g, first_user + u) for g, u in pairs),
    )
