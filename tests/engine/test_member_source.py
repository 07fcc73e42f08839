"""Where read_live takes memberships from, against small fake stores that keep members the
ways real stores do: in group documents (and not in User.groups), or only behind filters
(AWS), or nowhere a reader can see. The real stores are read in tests/engine/test_read.py
(the embedded one) and tests/backends/test_scim2_server.py (scim2-server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scimform.engine.read import read_live
from scimform.errors import LiveReadError
from scimform.model import DesiredState, Group, User
from scimform.wire import GROUP_SCHEMA, USER_SCHEMA

MEMBERS = {"g1": ["u1", "u2"], "g2": []}


class _Store:
    """Users u0..u4, groups g1 and g2, members as in MEMBERS. `in_documents`: group
    documents list their members (listing and GET); `filters`: the filters answer them;
    `listed_members`: the listing carries members (else only GET /Groups/{id} does)."""

    def __init__(
        self,
        *,
        in_documents: bool,
        filters: bool = True,
        listed_members: bool = True,
        supported: bool = True,
    ) -> None:
        self.in_documents, self.filters = in_documents, filters
        self.listed_members, self.supported = listed_members, supported
        self.calls: list[str] = []

    def iter_users(self) -> Iterator[dict[str, Any]]:
        for n in range(5):
            yield {"schemas": [USER_SCHEMA], "id": f"u{n}", "userName": f"n{n}"}

    def _group(self, group_id: str, listed: bool) -> dict[str, Any]:
        doc: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "id": group_id}
        doc["displayName"] = f"team-{group_id}"
        shown = self.in_documents and (listed is False or self.listed_members)
        doc["members"] = [{"value": v, "type": "User"} for v in MEMBERS[group_id]] if shown else []
        return doc

    def iter_groups(self) -> Iterator[dict[str, Any]]:
        for group_id in MEMBERS:
            yield self._group(group_id, listed=True)

    def group_document(self, group_id: str) -> dict[str, Any]:
        self.calls.append(f"GET {group_id}")
        return self._group(group_id, listed=False)

    def group_member_ids(self, group_id: str) -> list[str]:
        self.calls.append(f"groups.value {group_id}")
        return list(MEMBERS[group_id]) if self.filters else []

    def user_group_ids(self, user_id: str) -> list[str]:
        self.calls.append(f"members.value {user_id}")
        if not self.filters:
            return []
        return [g for g, members in MEMBERS.items() if user_id in members]

    def filters_supported(self) -> bool:
        return self.supported


def _desired(members: dict[str, set[str]]) -> DesiredState:
    users = tuple(User(f"n{n}", "G", "F", "G F") for n in range(5))
    groups = tuple(Group(f"team-{g}", None, frozenset(m)) for g, m in members.items())
    return DesiredState(users=users, groups=groups)


def _members(store: _Store, desired: DesiredState) -> dict[str, frozenset[str]]:
    live = read_live(store, desired)
    return {g.display_name: g.members for g in live.groups}


def test_members_come_from_group_documents_that_carry_them_and_no_filter_is_asked() -> None:
    # The config no longer wants n2 in team-g1: a store that keeps members in its group
    # documents, whose filters answer nothing, must still show n2 there to be removed.
    store = _Store(in_documents=True, filters=False)
    found = _members(store, _desired({"g1": {"n1"}, "g2": {"n3"}}))
    assert found == {"team-g1": {"n1", "n2"}, "team-g2": frozenset()}
    assert store.calls == []


def test_filters_are_read_when_documents_carry_none_and_an_empty_group_is_checked_once() -> None:
    store = _Store(in_documents=False)
    found = _members(store, _desired({"g1": {"n1", "n2"}, "g2": {"n3"}}))
    assert found == {"team-g1": {"n1", "n2"}, "team-g2": frozenset()}
    # AWS's documents carry no members: team-g2's emptiness is checked against its own.
    assert [c for c in store.calls if c.startswith("GET")] == ["GET g2"]


def test_a_document_listing_members_the_filters_do_not_answer_is_refused() -> None:
    # The listing leaves members out, GET /Groups/{id} has them, the filters answer none.
    store = _Store(in_documents=True, filters=False, listed_members=False)
    with pytest.raises(LiveReadError) as refused:
        read_live(store, _desired({"g1": {"n1", "n2"}, "g2": set()}))
    message = str(refused.value)
    assert 'group "team-g1" lists 2 members in its document' in message
    assert "cannot be read reliably" in message


def test_a_store_with_neither_members_in_documents_nor_filters_is_refused() -> None:
    store = _Store(in_documents=False, supported=False)
    with pytest.raises(LiveReadError, match="supports no filters"):
        read_live(store, _desired({"g1": {"n1"}}))
    assert store.calls == []
