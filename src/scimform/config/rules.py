"""AWS IAM Identity Center's rules for users and tokens, checked on declared records.

Each rule says what AWS would refuse (or what would go wrong later) before any request is
made: required names, one valid primary email, lengths and reserved names, unique
userNames (case-insensitively), emails and externalIds, and at most two tokens valid for a
year at most. Group rules are in `group_rules`; the names a reviewer could misread
(invisible characters, NFC, mixed scripts, look-alikes) in `text_rules`. All findings are
returned, never raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from operator import attrgetter

from scimform.config.declared import (
    Declarations,
    DeclaredTokens,
    DeclaredUser,
    Finding,
    Site,
    error,
)
from scimform.config.declared import warning as warn
from scimform.config.group_rules import check_group_items, check_groups, check_scope
from scimform.config.limits import MAX_EXTERNAL_ID, RISKY, is_reserved, string_value
from scimform.config.names import case_note, duplicates
from scimform.config.owner_rules import check_owners
from scimform.config.schema import SettingsFile
from scimform.config.text_rules import check_group_text, check_text
from scimform.diagnostics import Severity
from scimform.model import ADDRESS_FIELDS, ATTRIBUTES, MAX_TOKENS, user_key

MAX_USER_NAME = 128
# A token id is short; something this long is the secret itself, pasted by mistake.
MAX_TOKEN_ID = 128

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_WHITESPACE = re.compile(r"\s")
_REQUIRED = (
    ("given_name", "givenName", "user.missing-given-name"),
    ("family_name", "familyName", "user.missing-family-name"),
    ("display_name", "displayName", "user.missing-display-name"),
)
# (field, key path below the user) for every string attribute; profileUrl is a URL, where
# ":" and "%" are normal, so the risky-character warning skips it.
_STRINGS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (a.field, (a.friendly,)) for a in ATTRIBUTES if a.field not in ("active", "profile_url")
)
_string_values = attrgetter(*(field for field, _ in _STRINGS))
_ADDRESS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (a.field, ("address", a.friendly)) for a in ADDRESS_FIELDS
)


def check(decl: Declarations, settings: SettingsFile, settings_site: Site) -> list[Finding]:
    """Every rule over everything declared."""
    return check_users(decl.users, settings) + check_across(decl, settings, settings_site)


def check_users(users: Iterable[DeclaredUser], settings: SettingsFile) -> list[Finding]:
    """The rules that look at one user alone; what they find depends on the user and on
    `user_rules_key(settings)`, nothing else (so history reuses them per file)."""
    require_external_id, mapped = user_rules_key(settings)
    return [f for user in users for f in _user(user, require_external_id, mapped)]


def user_rules_key(settings: SettingsFile) -> tuple[bool, bool]:
    """The settings `check_users` depends on."""
    return settings.require_external_id, settings.mapping is not None


def check_across(
    decl: Declarations, settings: SettingsFile, settings_site: Site, *, users_clean: bool = False
) -> list[Finding]:
    """The rules over the whole config: uniqueness, references, names, tokens, scope.
    `users_clean` says these rules are known to find nothing in users (config.across
    proves it from per-file indexes), so only groups, tokens and scope are checked."""
    if users_clean:
        findings = check_group_items(decl)
        findings.extend(check_group_text(decl))
    else:
        findings = _unique_users(decl.users)
        findings.extend(check_groups(decl))
        findings.extend(check_text(decl))
    findings.extend(check_owners(decl))  # owners are users: never proven clean per file
    findings.extend(check_tokens(decl.tokens))
    findings.extend(check_scope(settings.scope, settings_site.at("scope"), decl))
    return findings


def unique_keys(user: DeclaredUser) -> tuple[str, str | None, str | None]:
    """The keys `check_across` wants unique among users: the userName as AWS compares
    it, the email casefolded and the externalId (None when the user has none)."""
    spec = user.spec
    email = spec.email.casefold() if spec.email else None
    return user_key(spec.user_name), email, spec.external_id or None


def _user(user: DeclaredUser, require_external_id: bool, mapped: bool) -> Iterator[Finding]:
    spec, site = user.spec, user.site
    name = spec.user_name
    broken = user.broken
    # Under a mapping a user is an IdP record: the fix is in the field the template reads
    # (in the export, for a source record), not a new key named after AWS's attribute.
    fill = "fill in the field its mapping template reads, or add a fallback ({a|b})"
    if site.line is not None:
        fill = "fill in the field its mapping template reads in the export, or add a fallback"
    for field, key, code in _REQUIRED:
        if getattr(spec, field) is None and key not in broken:
            hint = fill if mapped else f"add {key}:"
            yield error(code, f'user "{name}" has no {key}; AWS requires one', site, hint)
    yield from _user_name(name, site.at("userName"))
    if spec.email is None and "email" not in broken:
        yield error(
            "user.missing-email",
            f'user "{name}" has no email; AWS needs exactly one',
            site,
            fill if mapped else "add email: with the user's primary address",
        )
    elif spec.email and not _EMAIL.match(spec.email):
        yield error(
            "user.invalid-email",
            f'"{spec.email}" is not a valid email address',
            site.at("email"),
            "write it as name@domain.example",
        )
    if spec.external_id is None and "externalId" not in broken:
        make = error if require_external_id else warn
        yield make(
            "user.missing-external-id",
            f'user "{name}" has no externalId',
            site,
            "add the stable id from your identity provider (e.g. its object id): "
            "scimform matches users on it, so renames keep their AWS assignments",
        )
    yield from _strings(user)


def _user_name(name: str, site: Site) -> Iterator[Finding]:
    if len(name) > MAX_USER_NAME:
        yield error(
            "user.user-name-too-long",
            f"userName is {len(name)} characters; AWS allows at most {MAX_USER_NAME}",
            site,
            "use a shorter userName, such as the email address",
        )
    if _WHITESPACE.search(name):
        yield error(
            "user.user-name-whitespace",
            f'userName "{name}" contains whitespace',
            site,
            "AWS rejects spaces, tabs and line breaks in a userName: remove them",
        )
    if is_reserved(name):
        yield error(
            "user.reserved-name",
            f'"{name}" is a name AWS reserves',
            site,
            "choose another userName: Administrator and AWSAdministrators are reserved",
        )


def _strings(user: DeclaredUser) -> Iterator[Finding]:
    spec = user.spec
    values = [v for v in _string_values(spec) if v is not None]
    if spec.address is None and spec.profile_url is None and not _suspect(values):
        return  # the usual case, decided in a few C calls
    pairs: list[tuple[tuple[str, ...], str | None]]
    pairs = [(path, getattr(spec, field)) for field, path in _STRINGS]
    if spec.address is not None:
        pairs += [(path, getattr(spec.address, field)) for field, path in _ADDRESS]
    if spec.profile_url is not None:
        pairs.append((("profileUrl",), spec.profile_url))
    for path, value in pairs:
        if value is not None:
            yield from string_value(value, path, user.site, "user")


def _suspect(values: list[str]) -> bool:
    """Whether any value may break a string rule (empty, long, risky character)."""
    return (
        "" in values
        or max(map(len, values), default=0) > MAX_EXTERNAL_ID
        or bool(RISKY.search("\n".join(values)))
    )


def _unique_users(users: Sequence[DeclaredUser]) -> list[Finding]:
    names = ((user_key(u.spec.user_name), u.spec.user_name, u.site) for u in users)
    found = duplicates(
        names, "userName", "user.duplicate-user-name", "userName",
        "userNames must be unique; remove or rename one", case_note,
    )  # fmt: skip
    emails = ((u.spec.email.casefold(), u.spec.email, u.site) for u in users if u.spec.email)
    found += duplicates(
        emails, "email", "user.duplicate-email", "email",
        "each user needs an email of their own", case_note,
    )  # fmt: skip
    ids = ((u.spec.external_id, u.spec.external_id, u.site) for u in users if u.spec.external_id)
    found += duplicates(
        ids, "externalId", "user.duplicate-external-id", "externalId",
        "externalId identifies one person in your identity provider",
    )  # fmt: skip
    return found


def check_tokens(blocks: Sequence[DeclaredTokens]) -> list[Finding]:
    """One tokens block per target (or one for all); at most two tokens in each; each
    valid no longer than a year."""
    by_target: dict[str | None, list[DeclaredTokens]] = {}
    for block in blocks:
        by_target.setdefault(block.spec.target, []).append(block)
    findings: list[Finding] = []
    for group in by_target.values():
        findings.extend(_token_block(group))
    return findings


def _token_block(blocks: Sequence[DeclaredTokens]) -> list[Finding]:
    findings = [
        Finding(
            Severity.ERROR,
            "tokens.declared-twice",
            "tokens: is declared in more than one place"
            + (f' for target "{b.spec.target}"' if b.spec.target else ""),
            b.site,
            "keep the expected tokens and their policy in one file",
            blocks[0].site,
        )
        for b in blocks[1:]
    ]
    expected = [(t, b.token_site(i)) for b in blocks for i, t in enumerate(b.spec.expected)]
    if len(expected) > MAX_TOKENS:
        findings.append(
            error(
                "tokens.too-many",
                f"{len(expected)} tokens are expected; AWS allows {MAX_TOKENS}",
                expected[MAX_TOKENS][1],
                "delete the old token once its replacement works",
            )
        )
    for token, site in expected:
        findings.extend(_token(token.id, token.created, token.expires, site))
    ids = ((t.id, t.id, site) for t, site in expected if len(t.id) <= MAX_TOKEN_ID)
    findings += duplicates(
        ids, "id", "tokens.duplicate-id", "token id", "each token has its own id"
    )
    return findings


def _token(token_id: str, created: date, expires: date, site: Site) -> Iterator[Finding]:
    if len(token_id) > MAX_TOKEN_ID:
        yield error(
            "tokens.id-is-secret",
            "this id is far too long for a token id: it looks like the token itself",
            site.at("id"),
            "write the token's id from the AWS console here, never the token; "
            "and revoke that token, since it is now in a file",
        )
    if expires <= created:
        yield error(
            "tokens.expires-before-created",
            "the token expires before it is created",
            site.at("expires"),
            "check the two dates",
        )
    elif expires > one_year_after(created):
        yield error(
            "tokens.expiry-too-late",
            f"expires {expires} is more than a year after created {created}; AWS "
            "tokens are valid for one year",
            site.at("expires"),
            f"use the expiry the AWS console shows, at most {one_year_after(created)}",
        )


def one_year_after(day: date) -> date:
    """The same day a year later (1 March for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)
