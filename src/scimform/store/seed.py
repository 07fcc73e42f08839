"""Fill a store with the synthetic organisation, directly and in one transaction (no HTTP),
so that benchmarks start from a large live store in seconds.

The seeded documents are exactly what `scimform.wire` makes of `synthetic_org`'s records,
so a config written from the same org plans no changes against the seeded store.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from scimform.errors import NotFound
from scimform.model import Group, User
from scimform.store.db import Store
from scimform.synthetic import synthetic_org
from scimform.wire import group_to_scim, user_to_scim


def seed_store(
    store_or_path: Store | str | Path, users: int, groups: int, memberships: int, seed: int = 0
) -> dict[str, int]:
    """Add `synthetic_org(users, groups, memberships, seed)` to the store; returns how many
    users, groups and memberships were added. All or nothing: a clash with objects already
    in the store (Conflict) adds none."""
    people, teams = synthetic_org(users, groups, memberships, seed)
    if isinstance(store_or_path, Store):
        return load_org(store_or_path, people, teams)
    with Store.open(store_or_path) as store:
        return load_org(store, people, teams)


def load_org(store: Store, users: Sequence[User], groups: Sequence[Group]) -> dict[str, int]:
    """Add canonical users and groups (members and managers named by userName) to the store
    in one transaction; returns how many users, groups and memberships were added."""
    ids = {user.user_name: store.new_id() for user in users}
    user_docs = [(ids[u.user_name], _user_doc(u, ids)) for u in users]
    group_docs = [(store.new_id(), group_to_scim(g)) for g in groups]
    pairs = list(_pairs(users, groups))
    store.bulk_load(user_docs, group_docs, pairs)
    return {"users": len(user_docs), "groups": len(group_docs), "memberships": len(pairs)}


def _user_doc(user: User, ids: dict[str, str]) -> dict[str, Any]:
    if user.manager is None:
        return user_to_scim(user)
    if user.manager not in ids:
        raise NotFound(f"user {user.user_name!r} names a manager who is not among the users")
    return user_to_scim(user, ids[user.manager])


def _pairs(users: Sequence[User], groups: Sequence[Group]) -> Iterator[tuple[int, int]]:
    index = {user.user_name: n for n, user in enumerate(users)}
    for g, group in enumerate(groups):
        unknown = [member for member in group.members if member not in index]
        if unknown:
            raise NotFound(
                f"group {group.display_name!r} names members who are not among the users: "
                + ", ".join(sorted(unknown)[:5])
            )
        for user in sorted(index[member] for member in group.members):
            yield g, user
