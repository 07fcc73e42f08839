"""PATCH on a group, as AWS allows it: only `displayName`, `externalId` and `members`; at most
100 member values per request; no `replace` of members and no removal of all members.

The request becomes a `GroupChange` (the new document, if it changed, and the membership
steps in request order) that the service applies in one store transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from scimform.errors import ScimProblem
from scimform.server.attributes import EXTERNAL_ID, GROUP_ATTRIBUTES, MEMBER
from scimform.server.documents import check_display_name, check_value
from scimform.server.patch import Operation, Target, parse_operations, resolve
from scimform.server.problems import REPLACE_MEMBERS, bad_request

MAX_MEMBER_VALUES = 100


@dataclass(frozen=True, slots=True)
class MemberStep:
    """Add or remove these users, in the order the request gave."""

    action: Literal["add", "remove"]
    user_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GroupChange:
    """What a group PATCH does: a new document (None when unchanged) and membership steps."""

    doc: dict[str, Any] | None
    steps: tuple[MemberStep, ...] = field(default=())


def plan_group_patch(stored: dict[str, Any], body: Any) -> GroupChange:
    """The change a PATCH `body` makes to the group `stored`, or a 400 AWS would send."""
    operations = parse_operations(body)
    original = {k: v for k, v in stored.items() if k not in ("id", "meta", "members")}
    doc = dict(original)
    steps: list[MemberStep] = []
    for operation in operations:
        target = resolve(operation.path, GROUP_ATTRIBUTES)
        assert target.attr is not None  # groups have no extension
        if target.attr.name == "members":
            steps.append(_member_step(operation, target))
        else:
            _set_attribute(doc, operation, target)
    if sum(len(step.user_ids) for step in steps) > MAX_MEMBER_VALUES:
        raise bad_request(f"a request may hold at most {MAX_MEMBER_VALUES} member values.")
    return GroupChange(doc if doc != original else None, tuple(steps))


def _set_attribute(doc: dict[str, Any], operation: Operation, target: Target) -> None:
    assert target.attr is not None
    name = target.attr.name
    if target.sub is not None or target.match is not None:
        raise bad_request(f"{name} has no sub-attributes.")
    if operation.op == "remove":
        if name == "displayName":
            raise bad_request("displayName cannot be removed.")
        doc.pop(name, None)
    elif name == "displayName":
        doc[name] = check_display_name(operation.value)
    else:
        value = check_value(EXTERNAL_ID, operation.value, name)
        if value is None:
            doc.pop(name, None)
        else:
            doc[name] = value


def _member_step(operation: Operation, target: Target) -> MemberStep:
    if operation.op == "replace":
        raise ScimProblem(400, REPLACE_MEMBERS)
    if target.sub is not None:
        raise bad_request("members.<sub-attribute> cannot be patched; patch members.")
    if operation.op == "add":
        if target.match is not None:
            raise bad_request("add members with path members and a list of values.")
        return MemberStep("add", _member_ids(operation.value))
    if target.match is not None:
        ids = tuple(value for name, value in target.match if name == "value")
        if len(ids) != 1 or not isinstance(ids[0], str):
            raise bad_request('remove one member with members[value eq "<user id>"].')
        return MemberStep("remove", ids)
    if operation.value is None or operation.value == []:
        raise bad_request(
            "removing all members of a group is not supported; remove members by value."
        )
    return MemberStep("remove", _member_ids(operation.value))


def _member_ids(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    members = check_value(MEMBER, items, "members") or []
    return tuple(member["value"] for member in members)
