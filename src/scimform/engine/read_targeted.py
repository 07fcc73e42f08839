"""Reading only the part of the live store a change touches (a targeted plan).

Given a Scope (engine.targeted), the reader:
1. looks up every key of the scope on its own (`userName eq`, `externalId eq`,
   `displayName eq` for each name and former name), so that a rename finds the old name,
   a removal finds the object it removes, and a create finds a live object already
   holding its name, whoever that is;
2. reads the groups each user found is in (`members.value eq`);
3. reads the members of every group found that the plan may change or delete (the groups
   `managed_group_ids` names, as the full read does), as user documents;
4. looks up the users still unknown that the part of the config compared names: members
   of its groups (someone added to a group) and managers, until every name resolves;
   and reads by id the live managers of the users read, so that each has its name.

Everything else in the store is not read. Reads run on `concurrency` threads; any failure
is a LiveReadError, never a smaller live state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from scimform.engine.match import managed_group_ids, match, user_names
from scimform.engine.policy import Ownership
from scimform.engine.targeted import Scope, desired_part
from scimform.errors import LiveReadError
from scimform.model import DesiredState, Group, LiveState, User
from scimform.wire import group_from_scim, manager_id_of, user_from_scim

Doc = dict[str, Any]


class TargetedReader(Protocol):
    """The reads of a SCIM backend that `read_targeted` needs."""

    def find_user(
        self, *, user_name: str | None = None, external_id: str | None = None
    ) -> Doc | None: ...

    def find_group(
        self, *, display_name: str | None = None, external_id: str | None = None
    ) -> Doc | None: ...

    def get_user(self, user_id: str) -> Doc | None: ...

    def group_members(self, group_id: str) -> list[Doc]: ...

    def user_groups(self, user_id: str) -> list[Doc]: ...


def read_targeted(
    backend: TargetedReader,
    desired: DesiredState,
    scope: Scope,
    *,
    concurrency: int = 8,
    ownership: Ownership | None = None,
) -> LiveState:
    """The live objects a plan of the change `scope` describes needs; LiveReadError when
    any read fails."""
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        try:
            return _Read(backend, desired, scope, pool, ownership).run()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


_T = TypeVar("_T")
_R = TypeVar("_R")


class _Read:
    def __init__(
        self,
        backend: TargetedReader,
        desired: DesiredState,
        scope: Scope,
        pool: ThreadPoolExecutor,
        ownership: Ownership | None,
    ) -> None:
        self.backend = backend
        self.desired = desired
        self.scope = scope
        self.pool = pool
        self.ownership = ownership
        self.users: dict[str, Doc] = {}
        self.groups: dict[str, Doc] = {}
        self.members: dict[str, list[str]] = {}
        self.asked: set[tuple[str, str]] = set()
        self.declared = {u.user_name.casefold(): u for u in desired.users}

    def run(self) -> LiveState:
        self._lookup_scope()
        touched_users = sorted(self.users)
        for docs in self._each(self.backend.user_groups, touched_users):
            self._add(self.groups, docs)
        part = desired_part(self.desired, self._state(), self.scope)
        managed = managed_group_ids(part.groups, self._state().groups, self.ownership)
        ids = sorted(managed)
        for group_id, docs in zip(ids, self._each(self.backend.group_members, ids), strict=True):
            self._add(self.users, docs)
            self.members[group_id] = [doc["id"] for doc in docs]
        # Each round asks for keys not asked before, so the rounds end.
        while self._resolve_names():
            pass
        self._read_managers()
        return self._state(managed)

    # --- reads ---------------------------------------------------------------------------

    def _lookup_scope(self) -> None:
        scope = self.scope
        users = [("userName", n) for n in scope.user_names]
        users += [("externalId", x) for x in scope.user_external_ids]
        groups = [("displayName", n) for n in scope.group_names]
        groups += [("externalId", x) for x in scope.group_external_ids]
        self.asked |= {(k, v.casefold() if k == "userName" else v) for k, v in users}
        self._add(self.users, self._each(self._find_user, users))
        self._add(self.groups, self._each(self._find_group, groups))

    def _find_user(self, key: tuple[str, str]) -> Doc | None:
        attribute, value = key
        if attribute == "userName":
            return self.backend.find_user(user_name=value)
        return self.backend.find_user(external_id=value)

    def _find_group(self, key: tuple[str, str]) -> Doc | None:
        attribute, value = key
        if attribute == "displayName":
            return self.backend.find_group(display_name=value)
        return self.backend.find_group(external_id=value)

    def _resolve_names(self) -> bool:
        """Look up the users the compared config names but the read has not found; False
        when there are none left to ask for."""
        keys = [self._keys_of(name) for name in self._unresolved()]
        wanted = [k for k in keys if k is not None]
        if not wanted:
            return False
        for user_name, external_id in wanted:
            self.asked.add(("userName", user_name.casefold()))
            if external_id:
                self.asked.add(("externalId", external_id))
        self._add(self.users, self._each(self._find_either, wanted))
        return True

    def _read_managers(self) -> None:
        """Read, by id, the managers of the users read that were not read themselves, so
        that every manager has its name (a PUT carries the manager on by it)."""
        asked: set[str] = set()
        while True:
            wanted = sorted({manager_id_of(doc) or "" for doc in self.users.values()} - {""})
            wanted = [m for m in wanted if m not in self.users and m not in asked]
            if not wanted:
                return
            asked.update(wanted)
            self._add(self.users, self._each(self.backend.get_user, wanted))

    def _find_either(self, keys: tuple[str, str | None]) -> Doc | None:
        user_name, external_id = keys
        return self.backend.find_user(user_name=user_name, external_id=external_id)

    def _unresolved(self) -> list[str]:
        live = self._state()
        part = desired_part(self.desired, live, self.scope)
        known = {u.user_name.casefold() for u in live.users}
        matched = match(part.users, live.users, user_names).matched
        known |= {d.user_name.casefold() for d, _ in matched}
        named = {m for g in part.groups for m in g.members}
        named |= {u.manager for u in part.users if u.manager}
        return sorted(n for n in named if n.casefold() not in known)

    def _keys_of(self, name: str) -> tuple[str, str | None] | None:
        """The keys to look a named user up by (its declared externalId too), or None when
        every one of them was asked for already (nobody has them)."""
        declared = self.declared.get(name.casefold())
        external_id = declared.external_id if declared is not None else None
        if ("userName", name.casefold()) in self.asked and (
            not external_id or ("externalId", external_id) in self.asked
        ):
            return None
        return name, external_id

    def _each(self, read: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
        return list(self.pool.map(read, items))

    @staticmethod
    def _add(into: dict[str, Doc], docs: Iterable[Doc | list[Doc] | None]) -> None:
        for found in docs:
            for doc in found if isinstance(found, list) else [found]:
                if doc is not None:
                    into[doc["id"]] = doc

    # --- the live state ------------------------------------------------------------------

    def _state(self, members_read: frozenset[str] = frozenset()) -> LiveState:
        names = {id: _user_name(doc) for id, doc in self.users.items()}
        users = tuple(_user(doc, names) for doc in self.users.values())
        groups = tuple(
            _group(doc, self.members.get(id) if id in members_read else None, names)
            for id, doc in self.groups.items()
        )
        return LiveState(users=users, groups=groups, members_read=members_read)


# What a document the store sent can raise on conversion when it is not the SCIM it claims.
_MALFORMED = (KeyError, TypeError, AttributeError, IndexError, ValueError)


def _user_name(doc: Doc) -> str:
    name = doc.get("userName")
    if not isinstance(name, str):
        raise LiveReadError(f"the live store sent user {doc['id']} without a userName")
    return name


def _user(doc: Doc, names: dict[str, str]) -> User:
    manager_id = manager_id_of(doc)
    manager = names.get(manager_id) if manager_id else None
    try:
        return user_from_scim(doc, manager)
    except _MALFORMED:
        raise LiveReadError(
            f"the live store sent user {doc['id']} in a shape that is not SCIM"
        ) from None


def _group(doc: Doc, member_ids: list[str] | None, names: dict[str, str]) -> Group:
    try:
        if not isinstance(doc["displayName"], str):
            raise TypeError
        group = group_from_scim(doc)
    except _MALFORMED:
        raise LiveReadError(
            f"the live store sent group {doc['id']} without a displayName"
        ) from None
    if member_ids is None:
        return group
    return Group(
        group.display_name,
        group.external_id,
        frozenset(names[i] for i in member_ids),
        group.previously,
        group.id,
    )
