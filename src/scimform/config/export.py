"""A config written from a live state: how `scimform import` adopts an existing store.

The files are `scimform.yaml` (the target, and the token reference, never a token),
`users.yaml` and `groups.yaml` (split into `users/users-0001.yaml`... when a store is too
large for one file to stay well under the loader's size limit), in fmt's canonical layout,
so that the config validates, `fmt --check` finds nothing to change, and a plan against
the same store has no changes.
Groups matching `ownership.ignore` (AWS* by default: Control Tower's) are left out, as
scimform leaves them alone; users are all written, including members of ignored groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from scimform.config.export_text import resource_texts
from scimform.config.fmt import format_text
from scimform.config.schema import SETTINGS_FILE, IgnoreSpec
from scimform.model import (
    ADDRESS_FIELDS,
    ATTRIBUTES,
    Group,
    LiveState,
    User,
    name_order,
    user_key,
)

# The resource files of a store that fits in one file each.
USERS_FILE = "users.yaml"
GROUPS_FILE = "groups.yaml"
_HEADER = "# Written by `scimform import` from {source}.\n"


@dataclass(frozen=True)
class ExportedConfig:
    """The files of an exported config (name -> text) and what was left out."""

    files: dict[str, str]
    users: int
    groups: int
    ignored_groups: int


def export_config(
    live: LiveState,
    target_url: str,
    token_ref: str | None,
    *,
    source: str,
    ignore: IgnoreSpec | None = None,
) -> ExportedConfig:
    """The config that declares exactly `live` (less the ignored groups); `source` says
    in the files' header where it was read from (never a token)."""
    ignore = ignore or IgnoreSpec()
    header = _HEADER.format(source=source)
    target: dict[str, str] = {"url": target_url}
    if token_ref is not None:
        target["token"] = token_ref
    files = {SETTINGS_FILE: _settings_text(header, target)}
    users = [u for u in live.users if not ignore.ignores_user(u.user_name)]
    groups = [g for g in live.groups if not ignore.ignores_group(g.display_name)]
    kept = {user_key(u.user_name) for u in users}
    if users:
        ordered = sorted(users, key=lambda u: name_order(u.user_name))
        files |= _named("users", resource_texts(header, "users", [user_entry(u) for u in ordered]))
    if groups:
        ordered_groups = sorted(groups, key=lambda g: name_order(g.display_name))
        entries = [group_entry(g, kept) for g in ordered_groups]
        files |= _named("groups", resource_texts(header, "groups", entries))
    return ExportedConfig(files, len(users), len(groups), len(live.groups) - len(groups))


def user_entry(user: User) -> dict[str, Any]:
    """A user as the direct YAML form writes it: set attributes only, `active` only when
    false, the address as a nested mapping."""
    entry: dict[str, Any] = {}
    for attribute in ATTRIBUTES:
        value = getattr(user, attribute.field)
        if value is not None and not (attribute.field == "active" and value is True):
            entry[attribute.friendly] = value
    if user.address is not None:
        address = {a.friendly: getattr(user.address, a.field) for a in ADDRESS_FIELDS}
        entry["address"] = {k: v for k, v in address.items() if v is not None}
    return entry


def group_entry(group: Group, users: set[str]) -> dict[str, Any]:
    """A group with its members by userName (only members who are written as users)."""
    entry: dict[str, Any] = {"displayName": group.display_name}
    if group.external_id is not None:
        entry["externalId"] = group.external_id
    members = sorted((m for m in group.members if user_key(m) in users), key=name_order)
    if members:
        entry["members"] = members
    return entry


def _named(kind: str, texts: list[str]) -> dict[str, str]:
    """`users.yaml` for one file; `users/users-0001.yaml`... for several."""
    if len(texts) == 1:
        return {f"{kind}.yaml": texts[0]}
    return {f"{kind}/{kind}-{n:04d}.yaml": text for n, text in enumerate(texts, start=1)}


def _settings_text(header: str, target: dict[str, str]) -> str:
    body = yaml.safe_dump({"target": target}, sort_keys=False, allow_unicode=True)
    return format_text(header + body, settings=True)
