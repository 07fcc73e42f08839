"""The one exception tree of scimform.

ScimformError                 anything scimform raises on purpose; the CLI maps it to exit 1
├── ConfigError               the config could not be loaded; carries the diagnostics
├── TargetError               the target URL or token reference is unusable
├── StoreError                the embedded store refused or failed an operation
│   ├── Conflict              a unique key (userName, externalId, displayName) is taken
│   ├── NotFound              no object with that id
│   └── TokenLimit            a third token was asked for (AWS allows two)
├── LiveReadError             a read of the live store failed; the live state is unknown
├── ApplyError                an apply stopped with failed changes
├── UnsafePlanError           a plan exceeds the safety thresholds (needs --force)
└── StalePlanError            the live store changed since the saved plan was made

Transport exceptions (httpx) are translated into these in exactly one place, the SCIM
backend. Messages never contain a token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scimform.diagnostics import Diagnostics


class ScimformError(Exception):
    """Base of every error scimform raises on purpose."""


class ConfigError(ScimformError):
    """The config has errors; `diagnostics` says where and why."""

    def __init__(self, message: str, diagnostics: Diagnostics) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


class TargetError(ScimformError):
    """The target or its token reference cannot be used."""


class StoreError(ScimformError):
    """The embedded store refused or failed an operation."""


class Conflict(StoreError):
    """A unique key is already taken."""


class NotFound(StoreError):
    """No object with that id exists."""


class TokenLimit(StoreError):
    """The store already holds the most tokens AWS allows."""


class LiveReadError(ScimformError):
    """Reading the live store failed, so the live state is unknown."""


class ApplyError(ScimformError):
    """An apply finished with failed changes."""


class UnsafePlanError(ScimformError):
    """The plan exceeds a safety threshold."""


class StalePlanError(ScimformError):
    """The live store changed since the saved plan was made."""
