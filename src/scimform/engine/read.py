"""Reading the live state: every user and group, and the members of the managed groups.

Users and groups are listed (the backend pages them). Members are read only for the groups
the config manages (`managed_group_ids`), from where the store keeps them
(`member_source`): from the group documents when they carry members; else through the
filters, per group (`groups.value eq`, one page per 100 members) or per user
(`members.value eq`, about one page per user), whichever needs fewer requests, estimated
from the desired member counts, and an empty answer is checked before it is trusted.
Managers are resolved from ids to userNames.
Reads run on `concurrency` threads; the first failure stops the read and is raised as a
LiveReadError, so a partial live state is never returned.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from scimform.engine.collector import few_collections
from scimform.engine.match import group_names, managed_group_ids, match
from scimform.engine.member_source import (
    GroupDocuments,
    carried_members,
    require_filters,
    verify_empty,
)
from scimform.engine.policy import Ownership
from scimform.errors import LiveReadError
from scimform.model import DesiredState, Group, LiveState, User
from scimform.wire import group_from_scim, manager_id_of, user_from_scim

PAGE_SIZE = 100


class LiveReader(GroupDocuments, Protocol):
    """The reads of a SCIM backend that `read_live` needs."""

    def iter_users(self) -> Iterator[dict[str, Any]]: ...

    def iter_groups(self) -> Iterator[dict[str, Any]]: ...

    def group_member_ids(self, group_id: str) -> list[str]: ...

    def user_group_ids(self, user_id: str) -> list[str]: ...


def read_live(
    backend: LiveReader,
    desired: DesiredState,
    *,
    concurrency: int = 8,
    ownership: Ownership | None = None,
) -> LiveState:
    """The live state a plan for `desired` needs (with `ownership`, also the members of the
    groups the plan may delete); LiveReadError when any read fails."""
    with few_collections(), ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        try:
            return _read(backend, desired, pool, ownership)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _read(
    backend: LiveReader,
    desired: DesiredState,
    pool: ThreadPoolExecutor,
    ownership: Ownership | None,
) -> LiveState:
    group_docs = list(backend.iter_groups())
    groups = [_group(doc) for doc in group_docs]
    managed = managed_group_ids(desired.groups, groups, ownership)
    carried = carried_members(group_docs)
    del group_docs
    if carried is not None:
        user_docs = list(backend.iter_users())
        members = {group_id: carried.get(group_id, []) for group_id in managed}
    else:
        user_docs, members = _read_by_filters(backend, desired, groups, managed, pool)
    names = {doc["id"]: _user_name(doc) for doc in user_docs}
    return LiveState(
        users=tuple(_user(doc, names) for doc in user_docs),
        groups=tuple(_with_members(g, members.get(g.id or ""), names) for g in groups),
        members_read=managed,
    )


def _read_by_filters(
    backend: LiveReader,
    desired: DesiredState,
    groups: list[Group],
    managed: frozenset[str],
    pool: ThreadPoolExecutor,
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The users, and the members of the managed groups read through the filters (when
    there are managed groups, the filters are first known to be supported)."""
    if managed:
        require_filters(backend)
    pages = group_pages(desired.groups, groups, managed)
    user_docs: list[dict[str, Any]] = []
    by_group: list[tuple[str, Future[list[str]]]] | None = None
    for doc in backend.iter_users():
        user_docs.append(doc)
        if by_group is None and len(user_docs) >= pages:
            # Reading per group is now known to cost no more than per user: start it
            # while the rest of the users are listed.
            by_group = _start_by_group(backend, managed, pool)
    if by_group is None and pages <= len(user_docs):
        by_group = _start_by_group(backend, managed, pool)
    if by_group is not None:
        members = {group_id: future.result() for group_id, future in by_group}
    else:
        members = _members_by_user(backend, [doc["id"] for doc in user_docs], managed, pool)
    wanted = _wanted(desired.groups, groups, managed)
    verify_empty(backend, members, wanted, {g.id: g.display_name for g in groups if g.id})
    return user_docs, members


def group_pages(desired: Sequence[Group], live: Sequence[Group], managed: frozenset[str]) -> int:
    """The requests reading members group by group is expected to cost: one page per 100
    members, at least one per group, the desired member count standing in for the live
    one (unknown until read). Reading user by user costs one page per user."""
    matched = [(d, g) for d, g in match(desired, live, group_names).matched if g.id in managed]
    # A group read only because the plan may delete it: one page, as far as anyone knows.
    unmatched = len(managed) - len(matched)
    return unmatched + sum(max(1, -(-len(d.members) // PAGE_SIZE)) for d, _ in matched)


def _wanted(
    desired: Sequence[Group], live: Sequence[Group], managed: frozenset[str]
) -> dict[str, int]:
    """How many members the config gives each managed live group."""
    matched = match(desired, live, group_names).matched
    return {g.id: len(d.members) for d, g in matched if g.id in managed}


def _start_by_group(
    backend: LiveReader, managed: frozenset[str], pool: ThreadPoolExecutor
) -> list[tuple[str, Future[list[str]]]]:
    # A failure surfaces when its result is taken; read_live's shutdown then cancels the
    # reads that have not started.
    return [(gid, pool.submit(backend.group_member_ids, gid)) for gid in sorted(managed)]


def _members_by_user(
    backend: LiveReader, user_ids: list[str], managed: frozenset[str], pool: ThreadPoolExecutor
) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {group_id: [] for group_id in managed}
    results = pool.map(backend.user_group_ids, user_ids)
    for user_id, group_ids in zip(user_ids, results, strict=True):
        for group_id in group_ids:
            if group_id in members:
                members[group_id].append(user_id)
    return members


# What a document the store sent can raise on conversion when it is not the SCIM it claims.
_MALFORMED = (KeyError, TypeError, AttributeError, IndexError, ValueError)


def _user_name(doc: dict[str, Any]) -> str:
    name = doc.get("userName")
    if not isinstance(name, str):
        raise LiveReadError(f"the live store sent user {doc['id']} without a userName")
    return name


def _user(doc: dict[str, Any], names: dict[str, str]) -> User:
    manager_id = manager_id_of(doc)
    try:
        return user_from_scim(doc, names.get(manager_id) if manager_id else None)
    except _MALFORMED:
        raise LiveReadError(
            f"the live store sent user {doc['id']} in a shape that is not SCIM"
        ) from None


def _group(doc: dict[str, Any]) -> Group:
    try:
        if not isinstance(doc["displayName"], str):
            raise TypeError
        return group_from_scim(doc)
    except _MALFORMED:
        raise LiveReadError(
            f"the live store sent group {doc['id']} without a displayName"
        ) from None


def _with_members(group: Group, member_ids: list[str] | None, names: dict[str, str]) -> Group:
    if member_ids is None:
        return group
    try:
        # map() over the dict's own lookup: a million members, no Python call each.
        members = frozenset(map(names.__getitem__, member_ids))
    except KeyError as missing:
        # A member the user listing did not have: the store changed while it was read,
        # and a plan made from that mix could undo someone else's change.
        raise LiveReadError(
            f"user {missing.args[0]} is a member of a group but was not in the user listing; "
            "the live store changed while it was read, so plan again"
        ) from None
    return Group(group.display_name, group.external_id, members, group.previously, group.id)
