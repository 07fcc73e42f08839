"""Attribute by attribute: which attributes of a matched pair differ, and why that matters.

Field diffs name attributes by their friendly names (model.ATTRIBUTES; `address.<part>`
for the address) and carry their SCIM paths for apply.
"""

from __future__ import annotations

from operator import attrgetter

from scimform.engine.changes import ADDRESS_PREFIX, FieldDiff, Value
from scimform.model import ADDRESS_FIELDS, ATTRIBUTES, Group, User

_PLAIN = tuple(a for a in ATTRIBUTES if a.field != "manager")
MANAGER = next(a for a in ATTRIBUTES if a.field == "manager")
_compared = attrgetter(*(a.field for a in _PLAIN), "address")


def same_values(wanted: User, found: User) -> bool:
    """True when every attribute but the manager is equal: the fast path of a no-op diff."""
    return bool(_compared(wanted) == _compared(found))


def user_fields(wanted: User, found: User, same_manager: bool) -> list[FieldDiff]:
    """The attributes of a live user that differ from the desired one. Managers compare by
    identity, which the caller knows (`same_manager`), not by name."""
    out = [
        FieldDiff(name=a.friendly, path=a.scim, before=before, after=after)
        for a in _PLAIN
        if (before := getattr(found, a.field)) != (after := getattr(wanted, a.field))
    ]
    if wanted.address != found.address:
        out += _address_fields(wanted, found)
    if not same_manager:
        out.append(_diff(MANAGER.friendly, MANAGER.scim, found.manager, wanted.manager))
    return out


def _address_fields(wanted: User, found: User) -> list[FieldDiff]:
    out = []
    for part in ADDRESS_FIELDS:
        before = getattr(found.address, part.field) if found.address else None
        after = getattr(wanted.address, part.field) if wanted.address else None
        if before != after:
            out.append(_diff(ADDRESS_PREFIX + part.friendly, part.scim, before, after))
    return out


def group_attributes(group: Group) -> dict[str, Value]:
    """A group's attributes as a change shows them (members are listed separately)."""
    out: dict[str, Value] = {"displayName": group.display_name}
    if group.external_id is not None:
        out["externalId"] = group.external_id
    return out


def group_fields(wanted: Group, found: Group) -> list[FieldDiff]:
    """The attributes of a live group that differ from the desired one."""
    out = []
    if wanted.display_name != found.display_name:
        out.append(_diff("displayName", "displayName", found.display_name, wanted.display_name))
    if wanted.external_id != found.external_id:
        out.append(_diff("externalId", "externalId", found.external_id, wanted.external_id))
    return out


def update_reason(fields: list[FieldDiff], name_attribute: str, deactivates: bool) -> str:
    """Why an object is updated, in words: renamed from X, deactivated, attributes differ."""
    parts = [f"renamed from {f.before}" for f in fields if f.name == name_attribute]
    if deactivates:
        parts.append("active: false in the config")
    others = [f for f in fields if f.name != name_attribute]
    if any(f.name != "active" or not deactivates for f in others):
        parts.append("attributes differ")
    return "; ".join(parts)


def _diff(name: str, path: str, before: Value, after: Value) -> FieldDiff:
    return FieldDiff(name=name, path=path, before=before, after=after)
