"""read_live against the real embedded server over HTTP, and failure paths with fakes."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from scimform.backends.auth import BearerToken
from scimform.backends.scim import ScimBackend
from scimform.engine.read import read_live
from scimform.errors import LiveReadError
from scimform.model import DesiredState, Group, User
from scimform.store.seed import load_org
from scimform.wire import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA


def _person(n: int, manager: str | None = None) -> User:
    name = f"user{n:03d}@corp.example"
    return User(name, "Given", "Family", "Given Family", external_id=f"ext-{n}", manager=manager)


@pytest.fixture
def backend(scim_server: Any) -> Iterator[ScimBackend]:
    client = httpx.Client(base_url=scim_server.url, auth=BearerToken(scim_server.token))
    backend = ScimBackend(client, sleep=lambda _: None)
    yield backend
    backend.close()


def _org(scim_server: Any) -> tuple[list[User], list[Group]]:
    boss = _person(0)
    people = [boss] + [_person(n, manager=boss.user_name) for n in range(1, 150)]
    names = [u.user_name for u in people]
    groups = [
        Group("big", "g-big", frozenset(names[:130])),
        Group("small", "g-small", frozenset(names[5:8])),
        Group("AWSControlTowerAdmins", None, frozenset(names[:2])),
    ]
    load_org(scim_server.store, people, groups)
    return people, groups


def test_reads_users_groups_managers_and_managed_members(
    scim_server: Any, backend: ScimBackend
) -> None:
    people, groups = _org(scim_server)
    desired = DesiredState(users=tuple(people), groups=tuple(groups[:2]))
    live = read_live(backend, desired)
    assert {u.user_name for u in live.users} == {u.user_name for u in people}
    by_name = {u.user_name: u for u in live.users}
    assert by_name["user001@corp.example"].manager == "user000@corp.example"
    assert by_name["user000@corp.example"].manager is None
    live_groups = {g.display_name: g for g in live.groups}
    assert live_groups["big"].members == groups[0].members
    assert live_groups["small"].members == groups[1].members
    # Not managed: its members are not read, and the state says so.
    assert live_groups["AWSControlTowerAdmins"].members == frozenset()
    assert live_groups["AWSControlTowerAdmins"].id not in live.members_read
    assert live.members_read == {live_groups["big"].id, live_groups["small"].id}
    # The configuration, 2 user pages + 1 group page + by group: 2 pages for "big", 1
    # for "small".
    assert backend.requests == 1 + 2 + 1 + 3


def test_reads_members_user_by_user_when_that_is_cheaper(
    scim_server: Any, backend: ScimBackend
) -> None:
    people = [_person(n) for n in range(3)]
    names = frozenset(u.user_name for u in people)
    groups = [Group(f"team-{n}", None, names) for n in range(8)]
    load_org(scim_server.store, people, groups)
    live = read_live(backend, DesiredState(users=tuple(people), groups=tuple(groups)))
    assert all(g.members == names for g in live.groups)
    assert len(live.members_read) == 8
    # The configuration, one user page, one group page, one per user.
    assert backend.requests == 1 + 1 + 1 + 3


def test_a_group_renamed_by_previously_is_managed(scim_server: Any, backend: ScimBackend) -> None:
    people = [_person(1)]
    load_org(scim_server.store, people, [Group("old", None, frozenset([people[0].user_name]))])
    renamed = Group("new", None, frozenset(), previously=("old",))
    live = read_live(backend, DesiredState(users=tuple(people), groups=(renamed,)))
    assert live.groups[0].members == {people[0].user_name}


class _Fake:
    """A backend whose membership read of one group fails, or names an unlisted user."""

    def __init__(self, failing: str | None = None, stranger: str | None = None) -> None:
        self.failing, self.stranger = failing, stranger

    def iter_users(self) -> Iterator[dict[str, Any]]:
        for n in range(30):  # more users than groups: reading per group is cheaper
            yield {"schemas": [USER_SCHEMA], "id": f"u{n}", "userName": f"n{n}"}

    def iter_groups(self) -> Iterator[dict[str, Any]]:
        for n in range(20):
            yield {"schemas": [GROUP_SCHEMA], "id": f"g{n}", "displayName": f"team-{n}"}

    def group_member_ids(self, group_id: str) -> list[str]:
        if group_id == self.failing:
            raise LiveReadError("reading /Users failed: 500 boom")
        return [self.stranger] if self.stranger else ["u1"]

    def user_group_ids(self, user_id: str) -> list[str]:
        raise AssertionError("reading per group is cheaper here")

    def group_document(self, group_id: str) -> dict[str, Any]:
        return {"schemas": [GROUP_SCHEMA], "id": group_id, "members": []}

    def filters_supported(self) -> bool:
        return True


def _desired() -> DesiredState:
    groups = tuple(Group(f"team-{n}", None, frozenset({"a"})) for n in range(20))
    return DesiredState(users=(User("a", "A", "A", "A"),), groups=groups)


@pytest.mark.parametrize("make", [lambda: _Fake(failing="g7"), lambda: _Fake(stranger="u99")])
def test_any_failed_read_fails_the_whole_read(make: Callable[[], _Fake]) -> None:
    with pytest.raises(LiveReadError):
        read_live(make(), _desired(), concurrency=4)


def test_enterprise_manager_of_an_unknown_id_is_no_manager(
    scim_server: Any, backend: ScimBackend
) -> None:
    doc = {
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "userName": "a@corp.example",
        "name": {"givenName": "A", "familyName": "B"},
        "displayName": "A B",
        ENTERPRISE_SCHEMA: {"manager": {"value": "no-such-id"}},
    }
    scim_server.store.create_user(doc)
    live = read_live(backend, DesiredState())
    assert live.users[0].manager is None


class _Malformed(_Fake):
    def __init__(self, users: list[dict[str, Any]], groups: list[dict[str, Any]]) -> None:
        super().__init__()
        self.users, self.groups = users, groups

    def iter_users(self) -> Iterator[dict[str, Any]]:
        yield from self.users

    def iter_groups(self) -> Iterator[dict[str, Any]]:
        yield from self.groups


@pytest.mark.parametrize(
    ("users", "groups", "message"),
    [
        ([{"id": "u1"}], [], "user u1 without a userName"),
        ([{"id": "u1", "userName": "a", "name": "flat"}], [], "user u1 in a shape"),
        ([], [{"id": "g1", "displayName": None}], "group g1 without a displayName"),
    ],
)
def test_a_malformed_document_is_a_read_error(
    users: list[dict[str, Any]], groups: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(LiveReadError, match=message):
        read_live(_Malformed(users, groups), DesiredState())


def test_the_collector_thresholds_are_restored_after_a_read() -> None:
    before = gc.get_threshold()
    read_live(_Fake(), _desired(), concurrency=2)
    assert gc.get_threshold() == before
    with pytest.raises(LiveReadError):
        read_live(_Fake(failing="g3"), _desired(), concurrency=2)
    assert gc.get_threshold() == before
