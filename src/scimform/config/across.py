"""The rules over the whole config, told from per-file indexes that they find nothing in
users.

Uniqueness, references and look-alike names need every file; but what they look at in
one file's users is a few keys, kept per file (`UsersIndex`, made once per file version
when a `LoadCache` keeps the file). Joined, the indexes tell in a few C calls the usual
case: every key unique, every name referred to declared, no name with a hidden
character, in decomposed form or mixing scripts, no two userNames alike. Then the rules
run over groups, tokens and scope only; otherwise they run in full, as without the
indexes, so the findings are the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from scimform.config.declared import Declarations, DeclaredUser
from scimform.config.group_rules import references_declared, user_references
from scimform.config.rules import unique_keys
from scimform.config.text_rules import clean_user, look_alike_keys


@dataclass(frozen=True, slots=True)
class UsersIndex:
    """What the rules over the whole config look at in some users: the keys they must
    be unique on (userName, email, externalId: see rules.unique_keys), each userName's
    skeleton and key, the groups (casefolded) and managers (user keys) they refer to,
    and whether every name is clean (text_rules.clean_user)."""

    count: int
    names: tuple[str, ...]
    emails: tuple[str, ...]
    external_ids: tuple[str, ...]
    look_alikes: tuple[tuple[str, str], ...]
    groups: frozenset[str]
    managers: frozenset[str]
    clean: bool


def index_users(users: Sequence[DeclaredUser]) -> UsersIndex:
    """The index of `users`."""
    keys = [unique_keys(u) for u in users]
    references = [user_references(u) for u in users]
    return UsersIndex(
        count=len(users),
        names=tuple(name for name, _, _ in keys),
        emails=tuple(email for _, email, _ in keys if email is not None),
        external_ids=tuple(found for _, _, found in keys if found is not None),
        look_alikes=tuple(look_alike_keys(u) for u in users),
        groups=frozenset(chain.from_iterable(groups for groups, _ in references)),
        managers=frozenset(manager for _, manager in references if manager is not None),
        clean=all(clean_user(u) for u in users),
    )


def users_clean(decl: Declarations, indexes: Sequence[UsersIndex]) -> bool:
    """Whether the rules over the whole config find nothing in `decl.users`, told from
    the indexes of all of them (False when some user is in none)."""
    if sum(index.count for index in indexes) != len(decl.users):
        return False
    if not all(index.clean for index in indexes):
        return False
    for keys in (
        [i.names for i in indexes],
        [i.emails for i in indexes],
        [i.external_ids for i in indexes],
    ):
        if not _unique(chain.from_iterable(keys)):
            return False
    pairs = set(chain.from_iterable(index.look_alikes for index in indexes))
    if len(pairs) != len({look for look, _ in pairs}):
        return False
    groups = frozenset().union(*(index.groups for index in indexes))
    managers = frozenset().union(*(index.managers for index in indexes))
    return references_declared(decl, groups, managers)


def _unique(keys: Iterable[str]) -> bool:
    listed = list(keys)
    return len(set(listed)) == len(listed)
