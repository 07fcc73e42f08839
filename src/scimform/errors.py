"""The one exception tree of scimform.

ScimformError                 anything scimform raises on purpose; the CLI exits with its
│                             `exit_code` (1, or 3 for an unsafe plan) after one clear line
├── ConfigError               the config could not be loaded; carries the diagnostics
├── SourceError               an IdP export cannot be read (file and line)
├── TemplateError             a mapping template cannot be parsed (diagnostic code, hint)
├── TargetError               the target URL or token reference is unusable
│   ├── TokenRefused          the target answered 401: the token is expired, deleted or wrong
│   └── UnknownTarget         --target (or a saved plan) names no target of the config
├── StoreError                the embedded store refused or failed an operation
│   ├── Conflict              a unique key (userName, externalId, displayName) is taken
│   ├── NotFound              no object with that id
│   ├── TokenLimit            a third token was asked for (AWS allows two)
│   ├── StoreBusy             another writer held the store past the busy timeout; retry
│   └── BadCursor             a list cursor this store did not issue for this list
├── LiveReadError             a read of the live store failed; the live state is unknown
├── ChangeFailed              a write to the live store failed after its retries
├── MissingId                 a step refers to an object that has no SCIM id (not created)
├── ApplyError                an apply stopped with failed changes
├── UnsafePlanError           a plan exceeds the safety thresholds (needs --force); exit 3
├── StalePlanError            the live store changed since the saved plan was made
├── InvalidPlanError          a saved plan cannot be read or trusted (edited, unsigned)
├── AuditError                the audit trail cannot be written or read
├── Cancelled                 the user did not approve; nothing was changed
├── CheckFailed               a check found problems (validate, fmt --check, ...), shown
├── ScimProblem               a request the embedded SCIM server refuses (status, AWS's detail)
├── TokenApiError             the token API (embedded store or admin API) failed an operation
└── TokenSinkError            the new SCIM token could not be handed to its sink

Transport exceptions (httpx) are translated into these in exactly one place, the SCIM
backend. Messages never contain a token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from pydantic import ValidationError

    from scimform.diagnostics import Diagnostics


class ScimformError(Exception):
    """Base of every error scimform raises on purpose. `exit_code` is what the CLI exits
    with; `reported` is True when the details were already shown (diagnostics, a result
    table), so the CLI adds nothing but the exit."""

    exit_code = 1
    reported = False

    def already_reported(self) -> ScimformError:
        """This error, marked as shown to the user already (the CLI only exits)."""
        self.reported = True
        return self


class ConfigError(ScimformError):
    """The config has errors; `diagnostics` says where and why."""

    def __init__(self, message: str, diagnostics: Diagnostics) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


class SourceError(ScimformError):
    """An IdP export that cannot be read; `line` is None when the whole file is at fault.
    The loader turns it into a diagnostic."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.reason = message


class TemplateError(ScimformError):
    """A mapping template that cannot be parsed: `code` is the diagnostic code, `hint` what
    to do. The loader turns it into a diagnostic."""

    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.code = code
        self.hint = hint


class TargetError(ScimformError):
    """The target or its token reference cannot be used."""


class TokenRefused(TargetError):
    """The target refused the SCIM token (401)."""


class UnknownTarget(TargetError):
    """A target name (--target, or a saved plan's) that the config does not declare."""


class StoreError(ScimformError):
    """The embedded store refused or failed an operation."""


class Conflict(StoreError):
    """A unique key is already taken."""


class NotFound(StoreError):
    """No object with that id exists."""


class BadCursor(StoreError):
    """A list cursor that is tampered with, or was issued for another list or store."""


class TokenLimit(StoreError):
    """The store already holds the most tokens AWS allows."""


class StoreBusy(StoreError):
    """Another writer held the store's write lock past the busy timeout: nothing was done,
    and the same request may succeed when tried again."""


class LiveReadError(ScimformError):
    """Reading the live store failed, so the live state is unknown."""


class ChangeFailed(ScimformError):
    """A write to the live store failed after its retries: `status` is the HTTP status
    (None when no response came back) and `detail` what the store said."""

    def __init__(self, message: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class MissingId(ScimformError):
    """An object a step refers to has no SCIM id (the step that creates it did not run)."""


class ApplyError(ScimformError):
    """An apply finished with failed changes."""


class UnsafePlanError(ScimformError):
    """The plan exceeds a safety threshold; `breaches` says which, in words."""

    exit_code = 3

    def __init__(self, message: str, breaches: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.breaches = breaches


class StalePlanError(ScimformError):
    """The live store changed since the saved plan was made."""


class InvalidPlanError(ScimformError):
    """A saved plan that cannot be read, or cannot be trusted: edited after it was made,
    its counts not those of its changes, or unsigned where a signature is required."""


class AuditError(ScimformError):
    """The audit trail cannot be written (so nothing is applied) or read."""


class Cancelled(ScimformError):
    """The user did not approve the changes; nothing was changed."""


class CheckFailed(ScimformError):
    """A check found problems (validate, fmt --check, schema --check, tokens status) and
    has shown them: the CLI only exits 1."""

    reported = True


class ScimProblem(ScimformError):
    """A SCIM request the embedded server refuses: the HTTP `status`, AWS's `detail` and any
    response `headers`. The SCIM service turns it into AWS's error body; it never travels
    further."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


class TokenApiError(ScimformError):
    """Listing, creating, deleting or checking a SCIM token through a token API failed."""


class TokenSinkError(ScimformError):
    """Handing a new SCIM token to its sink (a file or a command) failed."""


def first_problem(exc: ValidationError, whole: str = "the file") -> str:
    """A boundary model's first validation error in words: `where: what` (`whole` names
    the place when the error is about the document itself)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or whole
    return f"{where}: {first['msg']}"
