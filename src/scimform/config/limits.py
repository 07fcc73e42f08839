"""AWS's limits on attribute values, shared by the user and group rules."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scimform.config.declared import Finding, Site, error, warning
from scimform.model import ATTRIBUTES, REQUIRED_USER_FIELDS, RESERVED_NAMES

MAX_EXTERNAL_ID = 256
MAX_STRING = 1024
# Okta reports AWS rejecting these in attribute values; AWS documents nothing, so: a warning.
RISKY = re.compile(r"[<>;:%]")
_RESERVED = {name.casefold() for name in RESERVED_NAMES}
# Keys a user or group cannot do without, so "remove it" is no advice for them.
_REQUIRED = frozenset(a.friendly for a in ATTRIBUTES if a.field in REQUIRED_USER_FIELDS)


def is_reserved(name: str) -> bool:
    """Whether AWS reserves this user or group name (compared without regard to case)."""
    return name.casefold() in _RESERVED


def string_value(value: str, path: tuple[str, ...], site: Site, kind: str) -> Iterator[Finding]:
    """The rules every string attribute obeys: not empty, not too long, no risky characters."""
    key = ".".join(path)
    if not value:
        yield error(
            f"{kind}.empty-value",
            f'"{key}" is empty; AWS rejects empty strings',
            site.at(*path),
            f"give it a value: AWS requires {key}"
            if key in _REQUIRED
            else "remove the key instead of leaving it empty",
        )
        return
    limit = MAX_EXTERNAL_ID if key == "externalId" else MAX_STRING
    if len(value) > limit:
        yield error(
            f"{kind}.value-too-long",
            f'"{key}" is {len(value)} characters; AWS allows at most {limit}',
            site.at(*path),
            "shorten it",
        )
    if key != "profileUrl" and RISKY.search(value):
        yield warning(
            f"{kind}.risky-character",
            f'"{key}" contains one of < > ; : %, which AWS may reject',
            site.at(*path),
            "remove the character if provisioning this value fails",
        )
