"""Changes: what a plan would do to one live object, in a form renderers and apply share.

A change names its object by kind and key (userName or displayName), says what happens to
it (an Action), carries the live SCIM `id` when the object exists, the attribute values
before and after, the attributes that differ, the members added and removed (groups only)
and a display-only reason. These are pydantic models because a saved plan is a boundary.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from scimform.engine.keys import Key, folded
from scimform.engine.keys import Kind as Kind  # re-exported: changes are of a kind
from scimform.model import ADDRESS_FIELDS, ATTRIBUTES, Address, User

Value = str | bool | None

# Attribute names in a change's before/after: the friendly names of model.ATTRIBUTES, and
# "address.<part>" for the parts of the one address AWS accepts.
ADDRESS_PREFIX = "address."


class Action(enum.Enum):
    """What a change or an apply step does. SCIM forces two beyond create/update/delete:
    member changes are their own PATCHes (never a replace of the member list), and an
    object whose name is held by a different identity must be deleted before its
    replacement can be created."""

    CREATE = "create"
    UPDATE = "update"
    DEACTIVATE = "deactivate"
    REPLACE = "replace"
    DELETE = "delete"
    ADD_MEMBERS = "add_members"
    REMOVE_MEMBERS = "remove_members"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldDiff(_Frozen):
    """One attribute that differs: its friendly name, its SCIM path, and both values."""

    name: str
    path: str
    before: Value
    after: Value


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member by userName, with the live SCIM id when the user exists already (None for a
    user this plan creates: apply learns the id from the create).

    A plain dataclass, not a pydantic model: a plan of a large org carries a million of
    them, and pydantic validates a dataclass field in its core, fifty times faster."""

    user_name: str
    id: str | None = None


class Change(_Frozen):
    """One object and what the plan does to it. A group's change lists the members it
    gains and loses; a destroyed user's lists the groups it loses with it, so that a plan
    never hides who loses access."""

    kind: Kind
    key: str
    action: Action
    reason: str
    id: str | None = None
    before: dict[str, Value] | None = None
    after: dict[str, Value] | None = None
    fields: tuple[FieldDiff, ...] = ()
    members_added: tuple[MemberRef, ...] = ()
    members_removed: tuple[MemberRef, ...] = ()
    members_unchanged: int = 0
    # A destroyed user: the groups (of those read) it is a member of, and so loses.
    groups_lost: tuple[str, ...] = ()

    @field_validator("before", "after")
    @classmethod
    def _canonical_order(cls, values: dict[str, Value] | None) -> dict[str, Value] | None:
        # Sorted keys make a plan's JSON, and so its hash, the same however it was made.
        return None if values is None else dict(sorted(values.items()))

    @property
    def ident(self) -> Key:
        """The object's key: its kind and name, compared ignoring case."""
        return Key(self.kind, self.key)

    @property
    def creates(self) -> bool:
        """True when an object comes into existence (create, or the new half of replace)."""
        return self.action in (Action.CREATE, Action.REPLACE)

    @property
    def destroys(self) -> bool:
        """True when a live object goes away (delete, or the old half of replace)."""
        return self.action in (Action.DELETE, Action.REPLACE)

    @property
    def changes_attributes(self) -> bool:
        """True for an in-place update that changes at least one attribute."""
        return self.action in (Action.UPDATE, Action.DEACTIVATE) and bool(self.fields)

    def sort_key(self) -> tuple[int, str, str, str]:
        """Users before groups, then by name (case-insensitively first), then action."""
        return (
            0 if self.kind is Kind.USER else 1,
            folded(self.key),
            self.key,
            self.action.value,
        )


class LeftAlone(_Frozen):
    """Live objects the config does not declare that the plan leaves alone: because prune
    is off, or because they match `ownership.ignore`; counted, and the first
    `NAMED_LEFT_ALONE` of each kind named, so that a reader sees who they are."""

    users: int = 0
    groups: int = 0
    ignored_users: int = 0
    ignored_groups: int = 0
    user_names: tuple[str, ...] = ()
    group_names: tuple[str, ...] = ()


NAMED_LEFT_ALONE = 20


_ADDRESS_NAMES = {a.field: ADDRESS_PREFIX + a.friendly for a in ADDRESS_FIELDS}


def user_attributes(user: User) -> dict[str, Value]:
    """A user's set attributes by friendly name (unset ones left out; `active` always in)."""
    out: dict[str, Value] = {}
    for attribute in ATTRIBUTES:
        value = getattr(user, attribute.field)
        if value is not None:
            out[attribute.friendly] = value
    if user.address is not None:
        for field, name in _ADDRESS_NAMES.items():
            value = getattr(user.address, field)
            if value is not None:
                out[name] = value
    return out


def user_from_attributes(values: dict[str, Value], id: str | None = None) -> User:
    """The user a change's `after` (or `before`) describes: the inverse of user_attributes."""
    kwargs: dict[str, Any] = {
        a.field: values[a.friendly] for a in ATTRIBUTES if a.friendly in values
    }
    address: dict[str, Any] = {f: values[n] for f, n in _ADDRESS_NAMES.items() if n in values}
    if address:
        kwargs["address"] = Address(**address)
    return User(**kwargs, id=id)
