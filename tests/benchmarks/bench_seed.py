"""Seed 100,000 users, 10,000 groups and 1,000,000 memberships into a new store and print
how long it took (target: 60 s or less) and how large the database is, then how fast the
reads a plan makes of such a store are.

Run: python tests/benchmarks/bench_seed.py [users groups memberships]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from scimform.store import Store
from scimform.store.seed import seed_store

TARGET_SECONDS = 60.0


def _read_all_users(store: Store) -> int:
    seen, after = 0, None
    while True:
        items, after = store.list_users(after=after, limit=100)
        seen += len(items)
        if after is None:
            return seen


def _read_members(store: Store, groups: int) -> int:
    seen = 0
    group_page, _ = store.list_groups(limit=groups)
    for group in group_page:
        after = None
        while True:
            items, after = store.list_users(group_id=group["id"], after=after, limit=100)
            seen += len(items)
            if after is None:
                break
    return seen


def _read_one_big_group(store: Store) -> int:
    users = store.count_users()
    group = store.create_group({"schemas": [], "displayName": "everyone"})["id"]
    after: str | None = None
    while True:
        items, after = store.list_users(after=after, limit=1000)
        store.add_members(group, [u["id"] for u in items])
        if after is None:
            break
    started = time.perf_counter()
    seen = 0
    while True:
        page, after = store.list_users(group_id=group, after=after, limit=100)
        seen += len(page)
        if after is None:
            break
    elapsed = time.perf_counter() - started
    assert seen == users, (seen, users)
    print(f"read the {seen:,} members of one group in pages of 100: {elapsed:.1f} s")
    return seen


def _reads(store: Store) -> None:
    started = time.perf_counter()
    users = _read_all_users(store)
    print(f"read all {users:,} users in pages of 100: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    members = _read_members(store, 100)
    elapsed = time.perf_counter() - started
    print(f"read the {members:,} members of 100 groups in pages of 100: {elapsed * 1000:.0f} ms")
    _read_one_big_group(store)


def main(users: int, groups: int, memberships: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.db"
        started = time.perf_counter()
        added = seed_store(path, users, groups, memberships)
        elapsed = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        verdict = "within" if elapsed <= TARGET_SECONDS else "OVER"
        print(
            f"seeded {added['users']:,} users, {added['groups']:,} groups, "
            f"{added['memberships']:,} memberships"
        )
        print(f"time: {elapsed:.1f} s ({verdict} the {TARGET_SECONDS:.0f} s target)")
        print(f"database size: {size / 1e6:.1f} MB")
        with Store.open(path) as store:
            assert store.counts() == added, (store.counts(), added)
            _reads(store)


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:4]] or [100_000, 10_000, 1_000_000]
    main(*sizes)
