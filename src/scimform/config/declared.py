"""What the config declares, before the rules run: each user, group and token block with
the place it was written, and findings that point at those places.

A `Site` is a file plus a key path inside it, e.g. ("users", 3, "email"), or a known line
for records read from CSV or JSON exports. Findings carry sites rather than line numbers so
that positions are looked up only for the few files that have something to report.
"""

from __future__ import annotations

from dataclasses import dataclass

from scimform.config.schema import GroupSpec, TokensSpec, UserSpec
from scimform.config.yamlio import KeyPath
from scimform.diagnostics import Severity


@dataclass(frozen=True, slots=True)
class Site:
    """Where something was written: a file, a key path, or a line known up front."""

    file: str
    path: KeyPath = ()
    line: int | None = None

    def at(self, *parts: str | int) -> Site:
        """The site of a key or list item below this one."""
        return Site(self.file, self.path + parts, self.line)


@dataclass(frozen=True, slots=True)
class Finding:
    """A diagnostic whose position is still a site; `first` names the earlier place of a
    duplicate, and is written into the message once positions are known. `refers_to` is
    the user or group name an unknown-reference finding could not find."""

    severity: Severity
    code: str
    message: str
    site: Site
    hint: str | None = None
    first: Site | None = None
    refers_to: str | None = None


def error(
    code: str, message: str, site: Site, hint: str | None = None, *, refers_to: str | None = None
) -> Finding:
    """An error finding."""
    return Finding(Severity.ERROR, code, message, site, hint, refers_to=refers_to)


def warning(code: str, message: str, site: Site, hint: str | None = None) -> Finding:
    """A warning finding."""
    return Finding(Severity.WARNING, code, message, site, hint)


def info(code: str, message: str, site: Site, hint: str | None = None) -> Finding:
    """An informational finding."""
    return Finding(Severity.INFO, code, message, site, hint)


@dataclass(frozen=True, slots=True)
class DeclaredUser:
    """A user that passed the schema, in the direct form (after mapping, if any).

    `broken` names the keys left out because they were invalid (already reported), so
    that the rules do not also call them missing."""

    spec: UserSpec
    site: Site
    broken: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class DeclaredGroup:
    """A group that passed the schema; `broken` as for users."""

    spec: GroupSpec
    site: Site
    broken: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class DeclaredTokens:
    """A `tokens:` block that passed the schema. `positions` holds the place in the file
    of each expected token kept, when some had to be left out; empty means all were kept."""

    spec: TokensSpec
    site: Site
    positions: tuple[int, ...] = ()

    def token_site(self, index: int) -> Site:
        """Where the expected token at `index` of `spec.expected` was written."""
        return self.site.at("expected", self.positions[index] if self.positions else index)


@dataclass(slots=True)
class Declarations:
    """Everything read from the files, in reading order, plus what was wrong on the way.

    `rejected_users` holds the userNames of users the schema rejected, so that groups naming
    them do not also get an "unknown member" error for the same mistake.
    """

    users: list[DeclaredUser]
    groups: list[DeclaredGroup]
    tokens: list[DeclaredTokens]
    findings: list[Finding]
    rejected_users: set[str]
    rejected_groups: set[str]

    @classmethod
    def empty(cls) -> Declarations:
        """Nothing declared yet."""
        return cls([], [], [], [], set(), set())

    def merge(self, other: Declarations) -> None:
        """Append another file's declarations to these."""
        self.users.extend(other.users)
        self.groups.extend(other.groups)
        self.tokens.extend(other.tokens)
        self.findings.extend(other.findings)
        self.rejected_users |= other.rejected_users
        self.rejected_groups |= other.rejected_groups
