"""Names a reviewer cannot read right.

A name with an invisible or bidirectional control character, or not in composed form (NFC),
is a different string from the name it looks like: an error. A word that mixes scripts
(`аdmin` with a Cyrillic а) and a name whose TR39 skeleton equals another declared name's
are warnings, since real names can do either. Every message shows the characters involved
as code points, because the names themselves look right.

Checked: each user's userName, displayName, givenName, familyName, email and externalId
(matched byte for byte against the identity provider, so a hidden character breaks the
match) and each group's displayName, externalId and `previously:` names; and references
(members, a user's groups and manager) that are not written exactly as declared, which
explains an "unknown member" that looks declared. Look-alike collisions are searched among
userNames and among group names (current and former), the names AWS keys on; display names
may legitimately repeat.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from operator import attrgetter

from scimform.config.declared import Declarations, DeclaredGroup, DeclaredUser, Finding, Site
from scimform.config.declared import error as _error
from scimform.config.declared import warning as _warning
from scimform.confusables import skeleton
from scimform.diagnostics import Severity
from scimform.glyphs import code_point, describe, foreign, hidden, visible
from scimform.model import user_key

_USER_NAMES = (
    ("user_name", "userName"),
    ("display_name", "displayName"),
    ("given_name", "givenName"),
    ("family_name", "familyName"),
    ("email", "email"),
    ("external_id", "externalId"),
)
_SHOWN = 4  # characters listed in one message
_name_values = attrgetter(*(field for field, _ in _USER_NAMES))


def check_text(decl: Declarations) -> list[Finding]:
    """Every name check over everything declared."""
    findings: list[Finding] = []
    users = {u.spec.user_name for u in decl.users}
    groups = {g.spec.display_name for g in decl.groups}
    for user in decl.users:
        findings.extend(_user(user, groups, users))
    for group in decl.groups:
        findings.extend(_group(group, users))
    findings.extend(_look_alikes(_user_entries(decl.users), "user", "userName"))
    findings.extend(_look_alikes(_group_entries(decl.groups), "group", "group name"))
    return findings


def check_group_text(decl: Declarations) -> list[Finding]:
    """`check_text` less what it finds in users: all it finds when every user is
    `clean_user` and no two userNames' `look_alike_keys` share a skeleton."""
    users = {u.spec.user_name for u in decl.users}
    findings = [f for group in decl.groups for f in _group(group, users)]
    findings.extend(_look_alikes(_group_entries(decl.groups), "group", "group name"))
    return findings


def clean_user(user: DeclaredUser) -> bool:
    """Whether `check_name` finds nothing in any of the user's names and the names it
    refers to, each taken alone (so always when they are printable ASCII): then
    `check_text` finds nothing in the user, whatever else is declared."""
    spec = user.spec
    values = [v for v in (*_name_values(spec), *spec.groups, spec.manager) if v is not None]
    if _plain(values):
        return True
    return not any(f for value in values for f in check_name(value, "", user.site, "user"))


def look_alike_keys(user: DeclaredUser) -> tuple[str, str]:
    """The userName's skeleton and key: `check_text` finds no look-alike userNames when
    no skeleton comes with two keys."""
    return skeleton(user.spec.user_name), user_key(user.spec.user_name)


def _user(user: DeclaredUser, groups: set[str], users: set[str]) -> Iterator[Finding]:
    spec = user.spec
    manager = spec.manager
    refs_declared = groups.issuperset(spec.groups) and (manager is None or manager in users)
    if refs_declared and _plain(_name_values(spec)):
        return iter(())  # the usual case, decided in a few C calls
    values = [(getattr(spec, field), (key,), key) for field, key in _USER_NAMES]
    named: list[_Named] = [(v, path, key) for v, path, key in values if v is not None]
    refs = enumerate(spec.groups)
    named += [(n, ("groups", i), "group") for i, n in refs if n not in groups]
    if manager is not None and manager not in users:
        named.append((manager, ("manager",), "manager"))
    return _checked(named, user.site, "user")


def _group(group: DeclaredGroup, users: set[str]) -> Iterator[Finding]:
    spec = group.spec
    named: list[_Named] = [(spec.display_name, ("displayName",), "displayName")]
    if spec.external_id is not None:
        named.append((spec.external_id, ("externalId",), "externalId"))
    named += [(old, ("previously", i), "former name") for i, old in enumerate(spec.previously)]
    if not users.issuperset(spec.members):  # the usual case, decided in C: all declared
        members = enumerate(spec.members)
        named += [(n, ("members", i), "member") for i, n in members if n not in users]
    return _checked(named, group.site, "group")


# (value, key path below the user or group, what it is in a message)
_Named = tuple[str, tuple[str | int, ...], str]


def _checked(named: list[_Named], site: Site, kind: str) -> Iterator[Finding]:
    if _plain(value for value, _, _ in named):
        return
    for value, path, what in named:
        yield from check_name(value, what, site.at(*path), kind)


def _plain(values: Iterable[str | None]) -> bool:
    """Whether the values are printable ASCII: nothing to check, decided in C."""
    joined = "".join(filter(None, values))
    return joined.isascii() and joined.isprintable()


def check_name(value: str, key: str, site: Site, kind: str) -> Iterator[Finding]:
    """Hidden characters, NFC and mixed scripts in one name; `kind` is `user` or `group`."""
    shown = visible(value)
    marks = [value[i] for i in hidden(value)]
    if marks:
        bidi = any(describe(c) == "a bidirectional control" for c in marks)
        yield _error(
            f"{kind}.invisible-character",
            f'{key} "{shown}" contains {describe(marks[0])}: {_listed(marks)}',
            site,
            "remove it: it does not show, so the name looks like another"
            + (", and it reorders how the text around it is shown" if bidi else ""),
        )
    composed = unicodedata.normalize("NFC", value)
    if composed != value:
        yield _error(
            f"{kind}.not-nfc",
            f'{key} "{shown}" is not in composed form (NFC): it looks like '
            f'"{visible(composed)}" but is another string',
            site,
            f'write it as "{visible(composed)}" in NFC'
            + (f", with {_listed(_new(composed, value))}" if _new(composed, value) else ""),
        )
    mixed = [c for word in value.split() for c in foreign(word)]
    if mixed:
        yield _warning(
            f"{kind}.mixed-script",
            f'{key} "{shown}" mixes scripts in one word: {_listed(mixed)}',
            site,
            "a letter from another script that looks the same makes a different name; "
            "retype it in one script, unless the name is really written so",
        )


def _new(composed: str, value: str) -> list[str]:
    return [c for c in composed if c not in value]


def _listed(chars: Sequence[str]) -> str:
    unique = list(dict.fromkeys(chars))
    more = len(unique) - _SHOWN
    return ", ".join(map(code_point, unique[:_SHOWN])) + (f" and {more} more" if more > 0 else "")


# (name, key as AWS compares it, owner's site, path below it, owner): the owner is the
# declared object, so that a group's former name may look like its current one (a rename
# that fixes a look-alike). Sites are made only for what is reported.
_Entry = tuple[str, str, Site, tuple[str | int, ...], int]
_USER_NAME = ("userName",)
_DISPLAY_NAME = ("displayName",)


def _user_entries(users: Sequence[DeclaredUser]) -> Iterator[_Entry]:
    for n, u in enumerate(users):
        yield u.spec.user_name, user_key(u.spec.user_name), u.site, _USER_NAME, n


def _group_entries(groups: Sequence[DeclaredGroup]) -> Iterator[_Entry]:
    for n, g in enumerate(groups):
        name = g.spec.display_name
        yield name, name.casefold(), g.site, _DISPLAY_NAME, n
        for i, old in enumerate(g.spec.previously):
            yield old, old.casefold(), g.site, ("previously", i), n


def _look_alikes(entries: Iterable[_Entry], kind: str, what: str) -> Iterator[Finding]:
    """A warning at each name whose skeleton an earlier name of another object has; equal
    keys are duplicates, another rule's."""
    listed = list(entries)
    skeletons = [skeleton(name) for name, *_ in listed]
    if len(set(zip(skeletons, (e[1] for e in listed), strict=True))) == len(set(skeletons)):
        return  # every skeleton has one key: the usual case, decided in C
    first: dict[str, _Entry] = {}
    for entry, look in zip(listed, skeletons, strict=True):
        name, key, site, path, owner = entry
        earlier = first.setdefault(look, entry)
        if earlier[1] == key or earlier[4] == owner:
            continue
        yield Finding(
            Severity.WARNING,
            f"{kind}.confusable",
            f'{what} "{visible(name)}" looks like "{visible(earlier[0])}"',
            site.at(*path),
            "two names that read the same are easy to mix up in a review; rename one, "
            "or check that the other is not an impostor",
            earlier[2].at(*earlier[3]),
        )
