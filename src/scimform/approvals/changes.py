"""The access changes a pull request makes: what its config at the head declares that its
config at the base did not, from the configs alone (no store, no token).

Users and groups are paired by the engine's identity rule (a rename is a rename, not a
delete and a create); membership is compared by person, so renaming a member is not a
member change. Each change keeps both sides of its group, because who may approve it is
decided by the group as it was before the change (its owners then, not the ones the
pull request names).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from scimform.config.schema import ApprovalsSpec
from scimform.history.changes import group_pairs, user_pairs
from scimform.model import ADDRESS_FIELDS, ATTRIBUTES, Address, DesiredState, Group, User


class Kind(enum.Enum):
    """What an access change does."""

    ADD_MEMBER = "add member"
    REMOVE_MEMBER = "remove member"
    CREATE_GROUP = "create group"
    RENAME_GROUP = "rename group"
    DELETE_GROUP = "delete group"
    CHANGE_GROUP = "change group"
    CREATE_USER = "create user"
    DELETE_USER = "delete user"
    CHANGE_USER = "change user"
    CHANGE_RULES = "change the approval rules"


GROUP_KINDS = frozenset(
    {Kind.ADD_MEMBER, Kind.REMOVE_MEMBER, Kind.RENAME_GROUP, Kind.DELETE_GROUP, Kind.CHANGE_GROUP}
)


@dataclass(frozen=True, slots=True)
class AccessChange:
    """One change: its kind, the group or user it is to (`subject`, the name at the head,
    or at the base when deleted), the user it concerns (a member, or the user itself), a
    short detail, and the group before and after (None where it does not exist)."""

    kind: Kind
    subject: str
    user: str | None = None
    detail: str = ""
    before: Group | None = None
    after: Group | None = None

    def describe(self) -> str:
        """The change in words, e.g. `add member alice@corp.example to group "admins"`."""
        if self.kind is Kind.CHANGE_RULES:
            return f"{self.kind.value} ({self.detail})"
        if self.kind in (Kind.ADD_MEMBER, Kind.REMOVE_MEMBER):
            to = "to" if self.kind is Kind.ADD_MEMBER else "from"
            return f'{self.kind.value} {self.user} {to} group "{self.subject}"'
        verb, _, noun = self.kind.value.partition(" ")
        said = f'{verb} {noun} "{self.subject}"'
        return f"{said} ({self.detail})" if self.detail else said


def access_changes(base: DesiredState, head: DesiredState) -> list[AccessChange]:
    """Every access change from `base` to `head`: users first, then groups, by name."""
    changes: list[AccessChange] = []
    renamed: dict[str, str] = {}  # a userName at the base -> at the head
    old_logins, new_logins = dict(base.github), dict(head.github)
    for was, now in user_pairs(base.users, head.users):
        if was is not None and now is not None:
            renamed[was.user_name] = now.user_name
        changes.extend(_user_change(was, now, old_logins, new_logins))
    pairs = group_pairs(base.groups, head.groups)
    for before, after in pairs:
        changes.extend(_group_changes(before, after, renamed))
    changes.extend(_owner_logins(pairs, old_logins, renamed, new_logins))
    return changes


def rules_change(base: ApprovalsSpec, head: ApprovalsSpec) -> AccessChange | None:
    """The change to scimform.yaml's `approvals:`, if any."""
    if base == head:
        return None
    said = [
        f"{name}: {getattr(base, name)} -> {getattr(head, name)}"
        for name in ApprovalsSpec.model_fields
        if getattr(base, name) != getattr(head, name)
    ]
    return AccessChange(Kind.CHANGE_RULES, "approvals", detail=", ".join(said))


def _owner_logins(
    pairs: list[tuple[Group | None, Group | None]],
    old: dict[str, str],
    renamed: dict[str, str],
    new: dict[str, str],
) -> list[AccessChange]:
    """A change of an owner's github: login changes whose reviews count for the groups
    they owned: one change to each such group, for its owners to approve."""
    out = []
    for before, after in pairs:
        if before is None or after is None:
            continue
        for owner in before.owners:
            if old.get(owner) != new.get(renamed.get(owner, owner)):
                detail = f"github: login of owner {owner}"
                out.append(
                    AccessChange(Kind.CHANGE_GROUP, after.display_name, None, detail, before, after)
                )
    return out


def _user_change(
    was: User | None, now: User | None, old: dict[str, str], new: dict[str, str]
) -> list[AccessChange]:
    if was is None and now is not None:
        return [AccessChange(Kind.CREATE_USER, now.user_name, now.user_name)]
    if now is None and was is not None:
        return [AccessChange(Kind.DELETE_USER, was.user_name, was.user_name)]
    assert was is not None and now is not None
    changed = _fields(was, now)
    if old.get(was.user_name) != new.get(now.user_name):
        changed.append("github")
    if not changed:
        return []
    detail = ", ".join(changed)
    if was.user_name != now.user_name:
        detail = f"was {was.user_name}; {detail}"
    return [AccessChange(Kind.CHANGE_USER, now.user_name, now.user_name, detail)]


def _fields(was: User, now: User) -> list[str]:
    found = [a.friendly for a in ATTRIBUTES if getattr(was, a.field) != getattr(now, a.field)]
    old_address, new_address = was.address or Address(), now.address or Address()
    found += [
        f"address.{a.friendly}"
        for a in ADDRESS_FIELDS
        if getattr(old_address, a.field) != getattr(new_address, a.field)
    ]
    return found


def _group_changes(
    before: Group | None, after: Group | None, renamed: dict[str, str]
) -> list[AccessChange]:
    if after is None:
        assert before is not None
        count = len(before.members)
        detail = f"{count} member{'' if count == 1 else 's'}"
        return [AccessChange(Kind.DELETE_GROUP, before.display_name, None, detail, before)]
    name = after.display_name
    out: list[AccessChange] = []
    if before is None:
        out.append(AccessChange(Kind.CREATE_GROUP, name, after=after))
    else:
        if before.display_name != name:
            detail = f"was {before.display_name}"
            out.append(AccessChange(Kind.RENAME_GROUP, name, None, detail, before, after))
        settings = _settings(before, after, renamed)
        if settings:
            out.append(AccessChange(Kind.CHANGE_GROUP, name, None, settings, before, after))
    had = {renamed.get(m, m) for m in (before.members if before else ())}
    for kind, members in (
        (Kind.ADD_MEMBER, after.members - had),
        (Kind.REMOVE_MEMBER, had - after.members),
    ):
        for member in sorted(members):
            out.append(AccessChange(kind, name, member, before=before, after=after))
    return out


def _settings(before: Group, after: Group, renamed: dict[str, str]) -> str:
    """What changed in a group besides its name and members, in words (an owner renamed
    is the same owner)."""
    said = []
    if before.external_id != after.external_id:
        said.append("externalId")
    if before.sensitive != after.sensitive:
        said.append(f"sensitive: {str(after.sensitive).lower()}")
    had = {renamed.get(o, o) for o in before.owners}
    added, removed = sorted(set(after.owners) - had), sorted(had - set(after.owners))
    if added or removed:
        said.append("owners: " + " ".join([*(f"+{o}" for o in added), *(f"-{o}" for o in removed)]))
    return "; ".join(said)
