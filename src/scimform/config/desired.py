"""Declared users, groups and tokens -> the canonical DesiredState.

Membership is written on either side (a user's `groups:`, a group's `members:`) and merged
into one set per group, with names resolved to the spelling the user was declared with.
With `scope.groups`, only those groups and their members are provisioned: every other user
is listed in `out_of_scope`, and every other group is left out, as AWS does with users and
groups not assigned to the application. Duplicates (already reported) keep the first.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from operator import attrgetter
from typing import Any

from scimform.config.declared import Declarations, DeclaredGroup, DeclaredUser, Finding, info
from scimform.config.reuse import UserRecords
from scimform.config.schema import SettingsFile, UserSpec, duration_days
from scimform.model import (
    Address,
    DesiredState,
    ExpectedToken,
    Group,
    TokenPolicy,
    User,
    name_order,
    user_key,
)

# User's fields in order, read off a UserSpec (same names) in one call each side of
# `address`; then `manager` (resolved), and `id` left to its default. Positional
# construction keeps 100,000 users cheap.
_FIELDS = [f.name for f in fields(User)]
_ADDRESS_AT = _FIELDS.index("address")
assert _FIELDS[-2:] == ["manager", "id"], "User's field order changed: update _user"
_before_address = attrgetter(*_FIELDS[:_ADDRESS_AT])
_after_address = attrgetter(*_FIELDS[_ADDRESS_AT + 1 : -2])


def build_desired(
    decl: Declarations, settings: SettingsFile, records: UserRecords | None = None
) -> tuple[DesiredState, list[Finding]]:
    """The desired state, and the findings that say who scope leaves out. `records` keeps
    the users' records between loads (see config.reuse)."""
    users: dict[str, DeclaredUser] = {}
    for user in decl.users:
        users.setdefault(user_key(user.spec.user_name), user)
    groups: dict[str, DeclaredGroup] = {}
    for group in decl.groups:
        groups.setdefault(group.spec.display_name.casefold(), group)
    members = _members(users, groups)
    managers = {key: u.spec.user_name for key, u in users.items()}
    findings: list[Finding] = []
    left_out: list[str] = []
    if settings.scope is not None:
        findings, left_out = _apply_scope(settings.scope.groups, users, groups, members)
    tokens, policy = _tokens(decl)
    made = (_user(u.spec, managers, records) for u in users.values())
    desired = DesiredState(
        users=tuple(sorted(made, key=_user_order)),
        groups=tuple(sorted((_group(g, members[k]) for k, g in groups.items()), key=_group_order)),
        tokens=tokens,
        token_policy=policy,
        out_of_scope=tuple(sorted(left_out, key=name_order)),
    )
    return desired, findings


def _members(
    users: dict[str, DeclaredUser], groups: dict[str, DeclaredGroup]
) -> dict[str, set[str]]:
    declared = {u.spec.user_name for u in users.values()}
    members: dict[str, set[str]] = {}
    for key, group in groups.items():
        listed = set(group.spec.members)
        found = members[key] = listed & declared  # names written as declared: the usual case
        if len(found) < len(listed):
            for name in listed - found:
                user = users.get(user_key(name))
                if user is not None:
                    found.add(user.spec.user_name)
    for user in users.values():
        for name in user.spec.groups:
            listed_in = members.get(name.casefold())
            if listed_in is not None:
                listed_in.add(user.spec.user_name)
    return members


def _apply_scope(
    names: list[str],
    users: dict[str, DeclaredUser],
    groups: dict[str, DeclaredGroup],
    members: dict[str, set[str]],
) -> tuple[list[Finding], list[str]]:
    """Narrow users and groups to the scope, in place; one info finding per left-out user
    or group, and the userNames left out."""
    wanted = {name.casefold() for name in names}
    shown = ", ".join(names) or "(none)"
    in_scope = {user_key(m) for key in wanted & groups.keys() for m in members[key]}
    findings = [
        info(
            "scope.out-of-scope",
            f'user "{u.spec.user_name}" is in none of the scope groups '
            f"({shown}), so it is not provisioned",
            u.site,
            "add the user to a scope group if AWS should have it",
        )
        for key, u in users.items()
        if key not in in_scope
    ]
    findings += [
        info(
            "scope.group-out-of-scope",
            f'group "{g.spec.display_name}" is not in scope ({shown}), so it is not provisioned',
            g.site,
            "add it to scope.groups in scimform.yaml if AWS should have it",
        )
        for key, g in groups.items()
        if key not in wanted
    ]
    left_out = [users.pop(k).spec.user_name for k in [k for k in users if k not in in_scope]]
    for key in [k for k in groups if k not in wanted]:
        del groups[key]
    return findings, left_out


def _user(spec: UserSpec, names: dict[str, str], records: UserRecords | None) -> User:
    # The manager as the user was declared, whatever case the reference used.
    manager = spec.manager
    if manager is not None:
        manager = names.get(user_key(manager), manager)
    if records is None:
        return _record(spec, manager)
    return records.get(spec, manager, _record)


def _record(spec: UserSpec, manager: str | None) -> User:
    address = None
    if spec.address is not None:
        address = Address(**spec.address.model_dump())
    values: tuple[Any, ...] = (*_before_address(spec), address, *_after_address(spec), manager)
    return User(*values)


def _user_order(user: User) -> tuple[str, str]:
    return name_order(user.user_name)


def _group_order(group: Group) -> tuple[str, str]:
    return name_order(group.display_name)


def _group(group: DeclaredGroup, members: set[str]) -> Group:
    spec = group.spec
    return Group(
        display_name=spec.display_name,
        external_id=spec.external_id,
        members=frozenset(members),
        previously=tuple(spec.previously),
        sensitive=spec.sensitive,
    )


def _tokens(decl: Declarations) -> tuple[tuple[ExpectedToken, ...], TokenPolicy]:
    if not decl.tokens:
        return (), TokenPolicy()
    spec = decl.tokens[0].spec
    policy = TokenPolicy(
        warn_before_expiry=timedelta(days=duration_days(spec.warn_before_expiry)),
        rotate_before_expiry=timedelta(days=duration_days(spec.rotate_before_expiry)),
    )
    tokens = tuple(ExpectedToken(t.id, t.created, t.expires, t.used_by) for t in spec.expected)
    return tokens, policy
