from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scimform.errors import Conflict, NotFound
from scimform.model import Group, User
from scimform.store import Store
from scimform.store.seed import load_org, seed_store
from scimform.synthetic import synthetic_org
from scimform.wire import group_from_scim, user_from_scim, user_to_scim


def _everything(store: Store, lister: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        items, after = lister(after=after)
        out.extend(items)
        if after is None:
            return out


def _live_org(store: Store) -> tuple[list[User], list[Group]]:
    users = _everything(store, store.list_users)
    names = {u["id"]: u["userName"] for u in users}
    groups = []
    for doc in _everything(store, store.list_groups):
        members = _everything(
            store, lambda after, g=doc["id"]: store.list_users(group_id=g, after=after)
        )
        groups.append(group_from_scim(doc, frozenset(names[m["id"]] for m in members)))
    return [replace(user_from_scim(u), id=None) for u in users], [
        replace(g, id=None) for g in groups
    ]


def test_the_seeded_store_holds_exactly_the_synthetic_org(store: Store) -> None:
    added = seed_store(store, users=120, groups=9, memberships=400, seed=5)
    assert added == {"users": 120, "groups": 9, "memberships": 400}
    assert store.counts() == added
    assert _live_org(store) == synthetic_org(120, 9, 400, seed=5)


def test_documents_are_what_wire_makes(store: Store) -> None:
    seed_store(store, users=3, groups=1, memberships=2)
    people, _ = synthetic_org(3, 1, 2)
    for user, doc in zip(people, _everything(store, store.list_users), strict=True):
        stored = {k: v for k, v in doc.items() if k not in ("id", "meta")}
        assert stored == user_to_scim(user)


def test_seeding_a_path_creates_the_store(tmp_path: Path) -> None:
    path = tmp_path / "new" / "store.db"
    assert seed_store(path, 10, 2, 5) == {"users": 10, "groups": 2, "memberships": 5}
    with Store.open(path) as store:
        assert store.counts() == {"users": 10, "groups": 2, "memberships": 5}


def test_seeding_is_all_or_nothing(store: Store) -> None:
    seed_store(store, 10, 2, 5)
    with pytest.raises(Conflict):
        seed_store(store, 20, 3, 7)
    assert store.counts() == {"users": 10, "groups": 2, "memberships": 5}
    # Another seed gives other externalIds but the same userNames: still a clash.
    with pytest.raises(Conflict):
        seed_store(store, 10, 0, 0, seed=1)


def test_managers_are_resolved_to_ids(store: Store) -> None:
    boss = User("boss@corp.example", "B", "Oss", "B Oss")
    worker = User("w@corp.example", "W", "Orker", "W Orker", manager="boss@corp.example")
    load_org(store, [boss, worker], [])
    (boss_doc,), _ = store.list_users(user_name="boss@corp.example")
    (worker_doc,), _ = store.list_users(manager_id=boss_doc["id"])
    assert worker_doc["userName"] == "w@corp.example"


def test_unknown_names_are_refused(store: Store) -> None:
    orphan = User("w@corp.example", "W", "Orker", "W Orker", manager="ghost@corp.example")
    with pytest.raises(NotFound, match="manager"):
        load_org(store, [orphan], [])
    with pytest.raises(NotFound, match="ghost"):
        load_org(store, [], [Group("team", members=frozenset({"ghost"}))])
    assert store.counts() == {"users": 0, "groups": 0, "memberships": 0}
