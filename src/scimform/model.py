"""Canonical records: the one shape of a user, group and token that every step after the
config loader works with, whether it came from YAML, an IdP export or the live store.

Desired records name members and managers by userName. Live records also carry the SCIM
`id` the store gave them; desired records leave it None.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from operator import attrgetter

import orjson


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address; AWS accepts one per user."""

    street_address: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    formatted: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    """A person as AWS IAM Identity Center holds them."""

    user_name: str
    given_name: str
    family_name: str
    display_name: str
    external_id: str | None = None
    middle_name: str | None = None
    nick_name: str | None = None
    title: str | None = None
    user_type: str | None = None
    preferred_language: str | None = None
    locale: str | None = None
    timezone: str | None = None
    profile_url: str | None = None
    active: bool = True
    email: str | None = None
    email_type: str | None = None
    phone: str | None = None
    phone_type: str | None = None
    address: Address | None = None
    employee_number: str | None = None
    cost_center: str | None = None
    organization: str | None = None
    division: str | None = None
    department: str | None = None
    manager: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """A group; `members` are userNames, `previously` former displayNames (renames);
    `sensitive` marks its changes as access changes for reviewers and `owners` (userNames)
    the people whose approval its changes need (both config only)."""

    display_name: str
    external_id: str | None = None
    members: frozenset[str] = frozenset()
    previously: tuple[str, ...] = ()
    id: str | None = None
    sensitive: bool = False
    owners: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Membership:
    """One user in one group, by displayName and userName."""

    group: str
    user: str


@dataclass(frozen=True, slots=True)
class ExpectedToken:
    """A SCIM access token the config says should exist."""

    id: str
    created: date
    expires: date
    used_by: str | None = None


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """When to warn about, and when to rotate, an expiring token."""

    warn_before_expiry: timedelta = timedelta(days=60)
    rotate_before_expiry: timedelta = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class DesiredState:
    """Everything the config declares, after mapping and scope, sorted by key."""

    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    tokens: tuple[ExpectedToken, ...] = ()
    token_policy: TokenPolicy = field(default_factory=TokenPolicy)
    out_of_scope: tuple[str, ...] = ()
    # (userName, GitHub login) of every declared user with a `github:` handle, by userName;
    # config only: never sent to the store, never part of a diff.
    github: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LiveState:
    """Everything read from the live store: users and groups with their SCIM ids, managers
    resolved to userNames, and group members as userNames.

    Members are read only for the groups scimform manages: `members_read` holds the ids of
    the groups whose `members` were read. Any other group's `members` is unknown, never
    empty, and nothing may be concluded from it.
    """

    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    members_read: frozenset[str] = frozenset()

    def fingerprint(self) -> str:
        """sha256 over a canonical form: the same live state always gives the same digest,
        whatever order the store listed it in, and any change to it gives another."""
        users = sorted((_user_row(u) for u in self.users), key=lambda row: (row[0], row[1]))
        groups = sorted(
            (
                [
                    g.id or "",
                    g.display_name,
                    g.external_id,
                    sorted(g.members) if g.id in self.members_read else None,
                ]
                for g in self.groups
            ),
            key=lambda row: (row[0], row[1]),
        )
        # orjson writes the same bytes as compact json.dumps(ensure_ascii=False), ten times
        # faster: the digest of a given live state is unchanged.
        canonical = orjson.dumps([users, groups, sorted(self.members_read)])
        return hashlib.sha256(canonical).hexdigest()


_USER_FIELDS = tuple(f.name for f in fields(User) if f.name not in ("id", "address"))
_user_values = attrgetter(*_USER_FIELDS)
# What dataclasses.astuple gives for an Address (its values are strings), without the deep
# copy it makes of each: a fingerprint reads 100,000 of them.
_address_values = attrgetter(*(f.name for f in fields(Address)))


def _user_row(user: User) -> list[object]:
    address = None if user.address is None else _address_values(user.address)
    return [user.id or "", user.user_name, *_user_values(user), address]


@dataclass(frozen=True, slots=True)
class Attribute:
    """One user attribute under its three names: the User field, the friendly name used in
    the direct YAML form, and the SCIM path used in mappings and plans."""

    field: str
    friendly: str
    scim: str


ADDRESS_FIELDS: tuple[Attribute, ...] = (
    Attribute("street_address", "streetAddress", "addresses[0].streetAddress"),
    Attribute("locality", "locality", "addresses[0].locality"),
    Attribute("region", "region", "addresses[0].region"),
    Attribute("postal_code", "postalCode", "addresses[0].postalCode"),
    Attribute("country", "country", "addresses[0].country"),
    Attribute("formatted", "formatted", "addresses[0].formatted"),
)

_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# Every user attribute scimform manages, in canonical order (also the order `fmt` writes).
ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("user_name", "userName", "userName"),
    Attribute("external_id", "externalId", "externalId"),
    Attribute("given_name", "givenName", "name.givenName"),
    Attribute("middle_name", "middleName", "name.middleName"),
    Attribute("family_name", "familyName", "name.familyName"),
    Attribute("display_name", "displayName", "displayName"),
    Attribute("nick_name", "nickName", "nickName"),
    Attribute("title", "title", "title"),
    Attribute("user_type", "userType", "userType"),
    Attribute("preferred_language", "preferredLanguage", "preferredLanguage"),
    Attribute("locale", "locale", "locale"),
    Attribute("timezone", "timezone", "timezone"),
    Attribute("profile_url", "profileUrl", "profileUrl"),
    Attribute("active", "active", "active"),
    Attribute("email", "email", "emails[primary eq true].value"),
    Attribute("email_type", "emailType", "emails[primary eq true].type"),
    Attribute("phone", "phone", "phoneNumbers[0].value"),
    Attribute("phone_type", "phoneType", "phoneNumbers[0].type"),
    Attribute("employee_number", "employeeNumber", f"{_ENTERPRISE}:employeeNumber"),
    Attribute("cost_center", "costCenter", f"{_ENTERPRISE}:costCenter"),
    Attribute("organization", "organization", f"{_ENTERPRISE}:organization"),
    Attribute("division", "division", f"{_ENTERPRISE}:division"),
    Attribute("department", "department", f"{_ENTERPRISE}:department"),
    Attribute("manager", "manager", f"{_ENTERPRISE}:manager.value"),
)

REQUIRED_USER_FIELDS: tuple[str, ...] = ("user_name", "given_name", "family_name", "display_name")

RESERVED_NAMES: frozenset[str] = frozenset({"Administrator", "AWSAdministrators"})

# AWS allows at most two SCIM access tokens at a time, each valid for one year.
MAX_TOKENS = 2
TOKEN_VALIDITY = timedelta(days=365)


def user_key(user_name: str) -> str:
    """The key two userNames collide on: AWS treats userName uniqueness case-insensitively."""
    return user_name.casefold()


def name_order(name: str) -> tuple[str, str]:
    """The order userNames and displayNames are sorted in everywhere (the desired state,
    `fmt`, `import`): case-insensitively, names that differ only in case by spelling. One
    rule, so that an imported config is already in fmt's order."""
    return (name.casefold(), name)
