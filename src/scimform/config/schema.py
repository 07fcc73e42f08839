"""pydantic models of the YAML files a config directory holds.

`scimform.yaml` is a `SettingsFile`; every other `*.yaml` is a `ResourceFile`. Field names
are snake_case in Python and camelCase (AWS's names) in YAML, except the settings keys,
which are snake_case in YAML too. Unknown keys are errors (extra="forbid"). Strings are
strict: a YAML number where a string belongs is an error, because YAML would silently turn
a postal code such as 01234 into 1234.
"""

from __future__ import annotations

import re
from datetime import date
from fnmatch import fnmatchcase
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator
from pydantic.alias_generators import to_camel

SETTINGS_FILE = "scimform.yaml"
SCHEMA_BASE_URL = "https://scimform.dev/schemas"

_DURATION = re.compile(r"^(\d+)d$")


class _Camel(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class _Snake(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- resource files -------------------------------------------------------------------


class AddressSpec(_Camel):
    """A postal address (AWS accepts one per user)."""

    street_address: StrictStr | None = None
    locality: StrictStr | None = None
    region: StrictStr | None = None
    postal_code: StrictStr | None = None
    country: StrictStr | None = None
    formatted: StrictStr | None = None


class UserSpec(_Camel):
    """A user in the direct form: AWS's attribute names, one value each."""

    user_name: StrictStr
    external_id: StrictStr | None = None
    given_name: StrictStr | None = None
    middle_name: StrictStr | None = None
    family_name: StrictStr | None = None
    display_name: StrictStr | None = None
    nick_name: StrictStr | None = None
    title: StrictStr | None = None
    user_type: StrictStr | None = None
    preferred_language: StrictStr | None = None
    locale: StrictStr | None = None
    timezone: StrictStr | None = None
    profile_url: StrictStr | None = None
    active: StrictBool = True
    email: StrictStr | None = None
    email_type: StrictStr | None = None
    phone: StrictStr | None = None
    phone_type: StrictStr | None = None
    address: AddressSpec | None = None
    employee_number: StrictStr | None = None
    cost_center: StrictStr | None = None
    organization: StrictStr | None = None
    division: StrictStr | None = None
    department: StrictStr | None = None
    manager: StrictStr | None = Field(default=None, description="The manager's userName.")
    groups: list[StrictStr] = Field(default_factory=list, description="Groups (displayNames).")
    github: StrictStr | None = Field(
        default=None,
        description="The user's GitHub login: their reviews count as theirs when a group they "
        "own changes. Never sent to AWS.",
    )
    targets: list[StrictStr] | None = Field(
        default=None,
        min_length=1,
        description="The targets (names under `targets:` in scimform.yaml) this user goes to; "
        "default: every target.",
    )


class GroupSpec(_Camel):
    """A group: its members by userName, and former names for a rename."""

    display_name: StrictStr
    external_id: StrictStr | None = None
    members: list[StrictStr] = Field(default_factory=list)
    previously: list[StrictStr] = Field(default_factory=list)
    sensitive: StrictBool = Field(
        default=False,
        description="Changes to this group are access changes: plan comments show them first, "
        "and they need `approvals.sensitive` approvals.",
    )
    owners: list[StrictStr] = Field(
        default_factory=list,
        description="userNames of declared users with a `github:` login; a change to the "
        "group's members, name or existence needs an approving review by one of them.",
    )
    targets: list[StrictStr] | None = Field(
        default=None,
        min_length=1,
        description="The targets (names under `targets:` in scimform.yaml) this group goes "
        "to; default: every target. Each member must go to each of them too.",
    )


Duration = Annotated[
    StrictStr | int,
    Field(description='Days, as a number or as "60d".'),
]


def duration_days(value: str | int) -> int:
    """Days in a duration written as 60 or "60d"."""
    if isinstance(value, int):
        return value
    match = _DURATION.match(value)
    if match is None:
        raise ValueError(f'not a duration: {value!r}; write days, such as "60d"')
    return int(match.group(1))


class TokenSpec(_Snake):
    """A SCIM access token that should exist."""

    id: StrictStr
    created: date
    expires: date
    used_by: StrictStr | None = None


class TokensSpec(_Snake):
    """The expected SCIM access tokens and the rotation policy."""

    target: StrictStr | None = Field(
        default=None,
        description="With several targets: the target whose tokens these are (one block per "
        "target). A block without it serves every target that has no block of its own.",
    )
    warn_before_expiry: Duration = "60d"
    rotate_before_expiry: Duration = "30d"
    expected: list[TokenSpec] = Field(default_factory=list)

    @field_validator("warn_before_expiry", "rotate_before_expiry")
    @classmethod
    def _check_duration(cls, value: str | int) -> str | int:
        if duration_days(value) < 0:
            raise ValueError("a duration cannot be negative")
        return value


class ResourceFile(_Snake):
    """Any `*.yaml` in the config directory other than scimform.yaml."""

    users: list[UserSpec] = Field(default_factory=list)
    groups: list[GroupSpec] = Field(default_factory=list)
    tokens: TokensSpec | None = None


# --- scimform.yaml ---------------------------------------------------------------------


class TargetSpec(_Snake):
    """Where the live store is, and where its token comes from."""

    url: StrictStr = Field(
        default="local:.scimform/store.db",
        description="local:PATH for the embedded store, or the SCIM endpoint URL.",
    )
    token: StrictStr | None = Field(
        default=None,
        description="env:NAME or file:PATH; never the token itself.",
        pattern=r"^(env|file):.+$",
    )


class SourceSpec(_Snake):
    """An IdP export to read users from."""

    path: StrictStr
    format: Literal["csv", "json"] | None = Field(
        default=None, description="Inferred from the file name when omitted."
    )
    groups_separator: StrictStr = Field(
        default=";",
        min_length=1,
        description="Between the group displayNames of a text `groups` field (a CSV column).",
    )


class ScopeSpec(_Snake):
    """Provision only the members of these groups."""

    groups: list[StrictStr] = Field(default_factory=list)


class IgnoreSpec(_Snake):
    """Live objects scimform never touches, by glob on displayName / userName."""

    groups: list[StrictStr] = Field(default_factory=lambda: ["AWS*"])
    users: list[StrictStr] = Field(default_factory=list)

    def ignores_user(self, user_name: str) -> bool:
        """Whether a live user with this userName matches an ignore glob."""
        return any(fnmatchcase(user_name, glob) for glob in self.users)

    def ignores_group(self, display_name: str) -> bool:
        """Whether a live group with this displayName matches an ignore glob."""
        return any(fnmatchcase(display_name, glob) for glob in self.groups)


class OwnershipSpec(_Snake):
    """What scimform may delete."""

    prune: StrictBool = False
    ignore: IgnoreSpec = Field(default_factory=IgnoreSpec)


class SafetySpec(_Snake):
    """Thresholds above which a plan is unsafe and needs --force."""

    max_delete_pct: float = Field(default=10, ge=0, le=100)
    max_update_pct: float = Field(default=30, ge=0, le=100)
    min_existing: int = Field(
        default=10, ge=0, description="Below this many live objects the thresholds do not apply."
    )


class ApprovalsSpec(_Snake):
    """How many approving reviews, from people other than the pull request's author, a
    change needs (`scimform ci check-approvals`)."""

    default: int = Field(default=1, ge=0, le=10, description="For any access change.")
    sensitive: int = Field(
        default=2, ge=2, le=10, description="For a change to a group marked `sensitive: true`."
    )


class NamedTargetSpec(_Snake):
    """One of several targets: its endpoint and token, and optionally its own scope,
    ownership and safety (each falls back to the top-level one when omitted)."""

    url: StrictStr = Field(
        description="local:PATH for the embedded store, or the SCIM endpoint URL."
    )
    token: StrictStr | None = Field(
        default=None,
        description="env:NAME or file:PATH; never the token itself.",
        pattern=r"^(env|file):.+$",
    )
    scope: ScopeSpec | None = None
    ownership: OwnershipSpec | None = None
    safety: SafetySpec | None = None

    def endpoint(self) -> TargetSpec:
        """The url and token, as the single `target:` holds them."""
        return TargetSpec(url=self.url, token=self.token)


class SettingsFile(_Snake):
    """scimform.yaml."""

    # `target:` or `targets:`, not both (the loader says so at file:line: targets.both).
    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"not": {"required": ["target", "targets"]}}
    )

    target: TargetSpec = Field(default_factory=TargetSpec)
    targets: dict[StrictStr, NamedTargetSpec] | None = Field(
        default=None,
        description="Several named targets (sandbox, production, ...) in place of `target:`. "
        "Names: a lowercase letter, then lowercase letters, digits, - or _ (at most 32).",
        # The loader checks names itself (targets.bad-name, at the name); editors get it here.
        json_schema_extra={"propertyNames": {"pattern": "^[a-z][a-z0-9_-]{0,31}$"}},
    )
    mapping: dict[StrictStr, StrictStr] | None = Field(
        default=None, description="AWS attribute -> template over IdP record fields."
    )
    sources: list[SourceSpec] = Field(default_factory=list)
    scope: ScopeSpec | None = None
    ownership: OwnershipSpec = Field(default_factory=OwnershipSpec)
    safety: SafetySpec = Field(default_factory=SafetySpec)
    require_external_id: StrictBool = False
    approvals: ApprovalsSpec = Field(default_factory=ApprovalsSpec)


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of the two file kinds, keyed by the file name they are written to."""
    out: dict[str, dict[str, Any]] = {}
    for name, model in (
        ("scimform.schema.json", SettingsFile),
        ("resources.schema.json", ResourceFile),
    ):
        schema = model.model_json_schema(by_alias=True)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"{SCHEMA_BASE_URL}/{name}"
        out[name] = schema
    return out
