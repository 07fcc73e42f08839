"""Where a store's memberships can be read from, and whether an empty answer can be trusted.

Some stores list each group's members in its document; AWS never does (`"members": []`)
and answers only the filters (`groups.value eq` on /Users, `members.value eq` on
/Groups). When any listed group document carries a member, the documents are the source:
no filter is needed, and none is trusted over them (a store may list members in its
groups without filling `User.groups`, and then answer `groups.value eq` with nothing).
When none does, the filters are the source, but only once they are shown to be answered:
a group the filters call empty is checked against its own document, and a document that
lists members the filters did not is a store that cannot be read reliably. That is one
clear error naming what the store lacks, never "no members".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from scimform.errors import LiveReadError


class GroupDocuments(Protocol):
    """The reads the check of the filters needs."""

    def group_document(self, group_id: str) -> dict[str, Any]: ...

    def filters_supported(self) -> bool: ...


def carried_members(docs: Iterable[dict[str, Any]]) -> dict[str, list[str]] | None:
    """Each group's member user ids from the group documents, or None when no document
    carries a member (AWS): then the documents say nothing about membership."""
    found = {doc["id"]: _user_members(doc) for doc in docs}
    return found if any(found.values()) else None


def require_filters(backend: GroupDocuments) -> None:
    """LiveReadError when the store says it answers no filter: with no members in its
    group documents either, its memberships cannot be read at all."""
    if not backend.filters_supported():
        raise LiveReadError(
            "the live store's group documents carry no members and its configuration says "
            "it supports no filters (groups.value eq, members.value eq), so its memberships "
            "cannot be read; scimform needs one or the other"
        )


def verify_empty(
    backend: GroupDocuments,
    members: Mapping[str, list[str]],
    wanted: Mapping[str, int],
    names: Mapping[str, str],
) -> None:
    """Check one group the filters called empty (one the config wants members in, if
    any) against its own document; LiveReadError when the document lists members."""
    empty = [group_id for group_id, found in members.items() if not found]
    if not empty:
        return
    probe = max(sorted(empty), key=lambda group_id: wanted.get(group_id, 0) > 0)
    listed = _user_members(backend.group_document(probe))
    if listed:
        raise LiveReadError(
            f'group "{names.get(probe, probe)}" lists {len(listed)} members in its '
            "document, but the store answered the membership filter (groups.value eq / "
            "members.value eq) with none: it does not fill User.groups or answer that "
            "filter, so its memberships cannot be read reliably"
        )


def _user_members(doc: dict[str, Any]) -> list[str]:
    members = doc.get("members")
    if members is None:
        return []
    if not isinstance(members, list) or not all(
        isinstance(m, dict) and isinstance(m.get("value"), str) for m in members
    ):
        raise LiveReadError(
            f"the live store sent group {doc.get('id')} with members that are not SCIM"
        )
    # AWS groups do not nest; a store whose groups do is read for its user members only.
    return [m["value"] for m in members if str(m.get("type", "User")).casefold() == "user"]
