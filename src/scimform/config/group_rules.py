"""The rules for groups, memberships, managers and scope.

Members, managers and a user's `groups:` must name things the config declares; group
displayNames are unique; a `previously:` name (a rename) may collide with no current name
and no other group's former name; scope names declared groups.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence, Set
from functools import cached_property

from scimform.config.declared import (
    Declarations,
    DeclaredGroup,
    DeclaredUser,
    Finding,
    Site,
    error,
    warning,
)
from scimform.config.limits import is_reserved, string_value
from scimform.config.names import Suggester, case_note, duplicates
from scimform.config.schema import ScopeSpec
from scimform.diagnostics import Severity
from scimform.model import user_key


class _Known:
    """Declared userNames and group displayNames, case-insensitively, including those the
    schema rejected (their own diagnostic already says what is wrong with them)."""

    def __init__(self, decl: Declarations) -> None:
        self.groups = {g.spec.display_name.casefold() for g in decl.groups}
        self.groups |= {n.casefold() for n in decl.rejected_groups if n}
        self._decl = decl
        self._user_names: Suggester | None = None
        self._group_names: Suggester | None = None

    @cached_property
    def exact_users(self) -> set[str]:
        """The userNames as declared: made on first use (references need none)."""
        return {u.spec.user_name for u in self._decl.users}

    @cached_property
    def users(self) -> set[str]:
        """The user keys: made on first use, as the usual case needs only exact names."""
        users = {user_key(name) for name in self.exact_users}
        return users | {user_key(n) for n in self._decl.rejected_users if n}  # "": no name

    def user_hint(self, name: str) -> str:
        if self._user_names is None:  # built on first use: most configs never need it
            self._user_names = Suggester(u.spec.user_name for u in self._decl.users)
        return self._user_names.hint(name, "declare the user, or remove this name")

    def group_hint(self, name: str) -> str:
        if self._group_names is None:
            self._group_names = Suggester(g.spec.display_name for g in self._decl.groups)
        return self._group_names.hint(name, "declare the group under groups:, or remove it")


def check_groups(decl: Declarations) -> list[Finding]:
    """Group values and uniqueness, members, renames, and what users refer to."""
    known = _Known(decl)
    findings = _group_findings(decl, known)
    for user in decl.users:
        findings.extend(_references(user, known))
    return findings


def check_group_items(decl: Declarations) -> list[Finding]:
    """`check_groups` less what users refer to: all it finds when `references_declared`."""
    return _group_findings(decl, _Known(decl))


def user_references(user: DeclaredUser) -> tuple[frozenset[str], str | None]:
    """The group names (casefolded) and the manager (its user key) a user refers to."""
    manager = user.spec.manager
    groups = frozenset(name.casefold() for name in user.spec.groups)
    return groups, user_key(manager) if manager is not None else None


def references_declared(decl: Declarations, groups: Set[str], managers: Set[str]) -> bool:
    """Whether the groups and managers users refer to (see `user_references`) are all
    declared: then `check_groups` finds nothing in users."""
    known = _Known(decl)
    return groups <= known.groups and (not managers or managers <= known.users)


def _group_findings(decl: Declarations, known: _Known) -> list[Finding]:
    findings: list[Finding] = []
    for group in decl.groups:
        findings.extend(_values(group))
        findings.extend(_members(group, known))
    findings.extend(_unique(decl.groups))
    findings.extend(_previously(decl.groups))
    return findings


def _values(group: DeclaredGroup) -> Iterator[Finding]:
    spec, site = group.spec, group.site
    yield from string_value(spec.display_name, ("displayName",), site, "group")
    if spec.external_id is not None:
        yield from string_value(spec.external_id, ("externalId",), site, "group")
    if is_reserved(spec.display_name):
        yield error(
            "group.reserved-name",
            f'"{spec.display_name}" is a name AWS reserves',
            site.at("displayName"),
            "choose another displayName: Administrator and AWSAdministrators are reserved",
        )


def _members(group: DeclaredGroup, known: _Known) -> Iterator[Finding]:
    members = group.spec.members
    listed = set(members)
    if len(listed) == len(members) and listed <= known.exact_users:
        return  # the usual case, decided in C: every member declared, written as declared
    keys = [user_key(m) for m in members]
    for index, key in enumerate(keys):
        if key not in known.users:
            name = members[index]
            yield error(
                "group.unknown-member",
                f'group "{group.spec.display_name}" lists "{name}", who is not declared',
                group.site.at("members", index),
                known.user_hint(name),
                refers_to=name,
            )
    if len(set(keys)) != len(keys):
        yield from _repeated_members(group, keys)


def _repeated_members(group: DeclaredGroup, keys: list[str]) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            yield warning(
                "group.duplicate-member",
                f'"{group.spec.members[index]}" is listed twice in this group',
                group.site.at("members", index),
                "remove the second entry",
            )
        seen.add(key)


def _unique(groups: Sequence[DeclaredGroup]) -> list[Finding]:
    names = ((g.spec.display_name.casefold(), g.spec.display_name, g.site) for g in groups)
    found = duplicates(
        names, "displayName", "group.duplicate-display-name", "group displayName",
        "group displayNames must be unique; merge the two or rename one", case_note,
    )  # fmt: skip
    ids = ((g.spec.external_id, g.spec.external_id, g.site) for g in groups if g.spec.external_id)
    return found + duplicates(
        ids, "externalId", "group.duplicate-external-id", "group externalId",
        "each group needs an externalId of its own",
    )  # fmt: skip


def _previously(groups: Sequence[DeclaredGroup]) -> Iterator[Finding]:
    current = {g.spec.display_name.casefold(): g for g in groups}
    claimed: dict[str, Site] = {}
    for group in groups:
        for index, old in enumerate(group.spec.previously):
            key, site = old.casefold(), group.site.at("previously", index)
            other = current.get(key)
            if other is not None:
                whose = "its own name" if other is group else "another group's current name"
                yield error(
                    "group.previously-collides",
                    f'former name "{old}" is {whose}',
                    site,
                    "a former name must be free: remove it, or rename the other group",
                )
            elif key in claimed:
                yield Finding(
                    Severity.ERROR,
                    "group.previously-collides",
                    f'former name "{old}" is claimed by two groups',
                    site,
                    "a former name can belong to one group only",
                    claimed[key],
                )
            else:
                claimed[key] = site


def _references(user: DeclaredUser, known: _Known) -> Iterator[Finding]:
    spec, site = user.spec, user.site
    for index, name in enumerate(spec.groups):
        if name.casefold() not in known.groups:
            yield error(
                "user.unknown-group",
                f'user "{spec.user_name}" is in group "{name}", which is not declared',
                site.at("groups", index),
                known.group_hint(name),
                refers_to=name,
            )
    if spec.manager is not None and user_key(spec.manager) not in known.users:
        yield error(
            "user.unknown-manager",
            f'manager "{spec.manager}" of "{spec.user_name}" is not a declared user',
            site.at("manager"),
            known.user_hint(spec.manager),
            refers_to=spec.manager,
        )


def check_scope(scope: ScopeSpec | None, site: Site, decl: Declarations) -> list[Finding]:
    """scope.groups must name declared groups."""
    if scope is None:
        return []
    if not scope.groups:
        return [
            warning(
                "scope.empty",
                "scope.groups is empty, so no one is provisioned",
                site.at("groups"),
                "list the groups whose members AWS should get",
            )
        ]
    known = _Known(decl)
    return [
        error(
            "scope.unknown-group",
            f'scope names group "{name}", which is not declared',
            site.at("groups", index),
            known.group_hint(name),
            refers_to=name,
        )
        for index, name in enumerate(scope.groups)
        if name.casefold() not in known.groups
    ]
