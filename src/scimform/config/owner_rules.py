"""The rules for who may approve access: group `owners:` and users' `github:` logins.

An owner must be a declared user with a `github:` login (the approval policy knows people
on GitHub by their login alone); a login must be one GitHub could have given, and belongs
to one user only (GitHub logins are case-insensitive).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from scimform.config.declared import Declarations, DeclaredGroup, DeclaredUser, Finding, error
from scimform.config.declared import warning as warn
from scimform.config.names import Suggester, duplicates
from scimform.model import user_key

# GitHub's rule: 1 to 39 letters, digits or single hyphens, neither first nor last.
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")


def valid_login(login: str) -> bool:
    """Whether GitHub could have given this login."""
    return _LOGIN.fullmatch(login) is not None


def check_owners(decl: Declarations) -> list[Finding]:
    """Every github: login valid and unique; every owner a declared user with one."""
    findings: list[Finding] = []
    for user in decl.users:
        findings.extend(_login(user))
    findings.extend(_unique_logins(decl.users))
    if any(g.spec.owners for g in decl.groups):
        users = {user_key(u.spec.user_name): u for u in decl.users}
        rejected = {user_key(name) for name in decl.rejected_users if name}
        names = Suggester(u.spec.user_name for u in decl.users)
        for group in decl.groups:
            findings.extend(_owners(group, users, rejected, names))
    return findings


def _login(user: DeclaredUser) -> Iterator[Finding]:
    login = user.spec.github
    if login is None or valid_login(login):
        return
    hint = "write the GitHub login alone: letters, digits and single hyphens, up to 39"
    bare = login.rstrip("/").rsplit("/", 1)[-1].lstrip("@")
    if bare != login and valid_login(bare):
        hint = f"write the login alone, without @ or a URL: github: {bare}"
    yield error(
        "user.invalid-github",
        f'"{login}" is not a GitHub login (user "{user.spec.user_name}")',
        user.site.at("github"),
        hint,
    )


def _unique_logins(users: Sequence[DeclaredUser]) -> list[Finding]:
    logins = ((u.spec.github.casefold(), u.spec.github, u.site) for u in users if u.spec.github)
    return duplicates(
        logins, "github", "user.duplicate-github", "GitHub login",
        "a GitHub login belongs to one person: give each user their own (logins are "
        "case-insensitive)",
    )  # fmt: skip


def _owners(
    group: DeclaredGroup,
    users: dict[str, DeclaredUser],
    rejected: set[str],
    names: Suggester,
) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, name in enumerate(group.spec.owners):
        key, site = user_key(name), group.site.at("owners", index)
        user = users.get(key)
        if key in seen:
            yield warn(
                "group.duplicate-owner",
                f'"{name}" is listed twice as an owner',
                site,
                "remove the second entry",
            )
        elif user is None and key not in rejected:
            yield error(
                "group.unknown-owner",
                f'group "{group.spec.display_name}" names owner "{name}", who is not declared',
                site,
                names.hint(name, "owners are userNames of declared users; declare the user"),
                refers_to=name,
            )
        elif user is not None and not user.spec.github:
            yield error(
                "group.owner-without-github",
                f'owner "{name}" of group "{group.spec.display_name}" has no github: login, '
                "so no review of theirs can count",
                site,
                f'give user "{user.spec.user_name}" a `github:` key with their GitHub login',
            )
        seen.add(key)
