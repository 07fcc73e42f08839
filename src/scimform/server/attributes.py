"""The attributes AWS IAM Identity Center accepts, as one table.

The same table validates request bodies, resolves PATCH paths and is published under
`/Schemas`, so what the store says it accepts and what it really accepts cannot drift apart.
Attributes AWS refuses are absent (and named in `REFUSED_USER_ATTRIBUTES`, for a clear
message). Multi-valued attributes keep their SCIM shape (a list) but hold at most one value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["string", "boolean", "complex", "reference"]

MAX_STRING = 1024


@dataclass(frozen=True, slots=True)
class Attr:
    """One attribute: its canonical name, type, and the rules AWS applies to it."""

    name: str
    kind: Kind = "string"
    multi: bool = False
    # AWS holds one value of a multi-valued user attribute; a group POST takes 100 members.
    max_items: int = 1
    required: bool = False
    max_len: int = MAX_STRING
    sub: tuple[Attr, ...] = ()
    # AWS refuses `< > ; : %` in name-like attributes (reported by Okta's support pages).
    plain: bool = False
    # An email must be sent with `primary: true`.
    primary_required: bool = False
    case_exact: bool = False
    uniqueness: Literal["none", "server"] = "none"
    # Common attributes (externalId) are validated here but not published in a schema.
    common: bool = False
    description: str = ""

    def child(self, name: str) -> Attr | None:
        """The sub-attribute called `name` (attribute names are case-insensitive)."""
        return find(self.sub, name)


def find(attrs: tuple[Attr, ...], name: str) -> Attr | None:
    """The attribute called `name` in `attrs`, compared case-insensitively as SCIM requires."""
    folded = name.casefold()
    for attr in attrs:
        if attr.name.casefold() == folded:
            return attr
    return None


EXTERNAL_ID = Attr("externalId", max_len=256, case_exact=True, common=True)

NAME = Attr(
    "name",
    "complex",
    required=True,
    sub=(
        Attr("formatted"),
        Attr("familyName", required=True, plain=True),
        Attr("givenName", required=True, plain=True),
        Attr("middleName", plain=True),
        Attr("honorificPrefix", plain=True),
        Attr("honorificSuffix", plain=True),
    ),
)

USER_ATTRIBUTES: tuple[Attr, ...] = (
    Attr("userName", required=True, max_len=128, plain=True, uniqueness="server"),
    NAME,
    Attr("displayName", required=True, plain=True),
    Attr("nickName", plain=True),
    Attr("profileUrl", "reference"),
    Attr("title"),
    Attr("userType"),
    Attr("preferredLanguage"),
    Attr("locale"),
    Attr("timezone"),
    Attr("active", "boolean"),
    Attr(
        "emails",
        "complex",
        multi=True,
        primary_required=True,
        sub=(Attr("value", required=True), Attr("type"), Attr("primary", "boolean")),
    ),
    Attr("phoneNumbers", "complex", multi=True, sub=(Attr("value", required=True), Attr("type"))),
    Attr(
        "addresses",
        "complex",
        multi=True,
        sub=(
            Attr("formatted"),
            Attr("streetAddress"),
            Attr("locality"),
            Attr("region"),
            Attr("postalCode"),
            Attr("country"),
        ),
    ),
    Attr(
        "roles",
        "complex",
        multi=True,
        sub=(Attr("value", required=True), Attr("type"), Attr("primary", "boolean")),
    ),
    EXTERNAL_ID,
)

ENTERPRISE_ATTRIBUTES: tuple[Attr, ...] = (
    Attr("employeeNumber"),
    Attr("costCenter"),
    Attr("organization"),
    Attr("division"),
    Attr("department"),
    Attr("manager", "complex", sub=(Attr("value", required=True, case_exact=True),)),
)

MEMBER = Attr(
    "members",
    "complex",
    multi=True,
    max_items=100,
    sub=(Attr("value", required=True, case_exact=True), Attr("type")),
)

GROUP_ATTRIBUTES: tuple[Attr, ...] = (
    Attr("displayName", required=True, uniqueness="server"),
    MEMBER,
    EXTERNAL_ID,
)

# Named so that a client sending them learns that AWS refuses them, not that they are typos.
REFUSED_USER_ATTRIBUTES = frozenset(
    {"password", "ims", "photos", "x509certificates", "entitlements"}
)
RESERVED_NAMES = frozenset({"administrator", "awsadministrators"})
REFUSED_CHARACTERS = frozenset("<>;:%")
# Attributes a client may echo back from a read; the store owns them, so they are ignored.
READ_ONLY = frozenset({"id", "meta"})
