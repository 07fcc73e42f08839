"""Declared users, groups and tokens -> the canonical DesiredState.

Membership is written on either side (a user's `groups:`, a group's `members:`) and merged
into one set per group, with names resolved to the spelling the user was declared with.
With `scope.groups`, only those groups and their members are provisioned: every other user
is listed in `out_of_scope`, and every other group is left out, as AWS does with users and
groups not assigned to the application. Duplicates (already reported) keep the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, fields
from datetime import timedelta
from itertools import chain
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

from scimform.config.declared import Declarations, DeclaredGroup, DeclaredUser, Finding, info
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

if TYPE_CHECKING:
    from scimform.config.reuse import UserRecords

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
    groups = _by_name(decl.groups)
    members = _members(users, groups)
    managers = {key: u.spec.user_name for key, u in users.items()}
    github = _github(users)  # before scope: an owner need not be provisioned
    findings: list[Finding] = []
    left_out: list[str] = []
    if settings.scope is not None:
        findings, left_out = _apply_scope(settings.scope.groups, users, groups, members)
    tokens, policy = _tokens(decl)
    made = (_user(u.spec, managers, records) for u in users.values())
    desired = DesiredState(
        users=tuple(sorted(made, key=_user_order)),
        groups=tuple(
            sorted((_group(g, members[k], managers) for k, g in groups.items()), key=_group_order)
        ),
        tokens=tokens,
        token_policy=policy,
        out_of_scope=tuple(sorted(left_out, key=name_order)),
        github=github,
    )
    return desired, findings


def _github(users: dict[str, DeclaredUser]) -> tuple[tuple[str, str], ...]:
    """Handles of every declared user, scope or not: an owner need not be provisioned."""
    return tuple(sorted((u.spec.user_name, u.spec.github) for u in users.values() if u.spec.github))


@dataclass(frozen=True, slots=True)
class UsersPiece:
    """Some users (one file's) as `build_desired_from` needs them, made once: by key,
    their userNames, those that name groups, those that name a manager, and the records
    of the others with their order (a record with a manager depends on other files)."""

    by_key: dict[str, DeclaredUser]
    names: frozenset[str]
    grouped: tuple[DeclaredUser, ...]
    managed: tuple[DeclaredUser, ...]
    made: tuple[tuple[tuple[str, str], User], ...]


def users_piece(users: Sequence[DeclaredUser]) -> UsersPiece:
    """The piece of `users`, whose keys are unique."""
    alone = [u.spec for u in users if u.spec.manager is None]
    return UsersPiece(
        by_key={user_key(u.spec.user_name): u for u in users},
        names=frozenset(u.spec.user_name for u in users),
        grouped=tuple(u for u in users if u.spec.groups),
        managed=tuple(u for u in users if u.spec.manager is not None),
        made=tuple((name_order(s.user_name), _record(s, None)) for s in alone),
    )


def build_desired_from(
    decl: Declarations, pieces: Sequence[UsersPiece], records: UserRecords | None = None
) -> DesiredState:
    """What `build_desired` builds, from the pieces of all of `decl.users` in order, when
    every user key is unique (config.across.users_clean) and no scope is set: the pieces
    are merged, and only records with a manager are made again."""
    users: dict[str, DeclaredUser] = {}
    for piece in pieces:
        users.update(piece.by_key)
    groups = _by_name(decl.groups)
    declared = frozenset().union(*(piece.names for piece in pieces))
    grouped = chain.from_iterable(piece.grouped for piece in pieces)
    members = _members(users, groups, declared, grouped)
    made = [pair for piece in pieces for pair in piece.made]
    managed = [user for piece in pieces for user in piece.managed]
    if managed:
        managers = {key: u.spec.user_name for key, u in users.items()}
        made += [(name_order(u.spec.user_name), _user(u.spec, managers, records)) for u in managed]
    tokens, policy = _tokens(decl)
    owned = any(g.spec.owners for g in groups.values())
    names = {key: u.spec.user_name for key, u in users.items()} if owned else {}
    return DesiredState(
        users=tuple(user for _, user in sorted(made, key=itemgetter(0))),
        groups=tuple(
            sorted((_group(g, members[k], names) for k, g in groups.items()), key=_group_order)
        ),
        tokens=tokens,
        token_policy=policy,
        github=_github(users),
    )


def _by_name(declared: Sequence[DeclaredGroup]) -> dict[str, DeclaredGroup]:
    groups: dict[str, DeclaredGroup] = {}
    for group in declared:
        groups.setdefault(group.spec.display_name.casefold(), group)
    return groups


def _members(
    users: dict[str, DeclaredUser],
    groups: dict[str, DeclaredGroup],
    declared: Set[str] | None = None,
    grouped: Iterable[DeclaredUser] | None = None,
) -> dict[str, set[str]]:
    """Each group's members; `declared` (the userNames) and `grouped` (the users that
    name groups) when known, else found from `users`."""
    if declared is None:
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
    for user in users.values() if grouped is None else grouped:
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


def _group(group: DeclaredGroup, members: set[str], names: dict[str, str]) -> Group:
    spec = group.spec
    # Owners as they were declared, whatever case the reference used; each once.
    owners = dict.fromkeys(names.get(user_key(o), o) for o in spec.owners)
    return Group(
        display_name=spec.display_name,
        external_id=spec.external_id,
        members=frozenset(members),
        previously=tuple(spec.previously),
        sensitive=spec.sensitive,
        owners=tuple(sorted(owners, key=name_order)),
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
