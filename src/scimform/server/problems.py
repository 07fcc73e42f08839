"""SCIM responses and the error bodies AWS IAM Identity Center sends.

AWS's error body differs from RFC 7644 in three ways a faithful store must keep: an extra
`schema` key beside `schemas`, `status` as a string, and `exceptionRequestId` and `timeStamp`
instead of `scimType`. Where AWS has a known wording, the detail uses it word for word; where
the generic "unparsable" sentence is all AWS says, the reason follows it, so that someone
testing against this store learns what to fix.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scimform.errors import ScimProblem
from scimform.wire import ERROR_SCHEMA

UNPARSABLE = "Request is unparsable, syntactically incorrect, or violates schema."
DUPLICATE = "Refused to create a new, duplicate resource."
PATH_LESS = (
    'Current PATCH support allows omitting "path" attribute only for Add and Replace '
    "operations modifying a single attribute."
)
REPLACE_MEMBERS = "Replacing group memberships is not supported."
THROTTLED = "Too many requests exceeded the limits."
INTERNAL = "The server encountered an internal error."
BUSY = (
    "The service is busy: another writer held the store's write lock too long; "
    "nothing was changed, try again."
)


def bad_request(reason: str | None = None) -> ScimProblem:
    """A 400 with AWS's generic sentence, followed by the specific reason when there is one."""
    return ScimProblem(400, f"{UNPARSABLE} {reason}" if reason else UNPARSABLE)


@dataclass(frozen=True, slots=True)
class ScimResponse:
    """What the service answers: an HTTP status, a JSON body (None for 204) and headers."""

    status: int
    body: dict[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def error_body(status: int, detail: str, now: datetime | None = None) -> dict[str, Any]:
    """The error document AWS sends, `schema` key and string status included. A detail
    that quotes the request keeps any lone surrogate in it as an escape, so that the
    body can always be encoded."""
    stamp = (now or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "schemas": [ERROR_SCHEMA],
        "schema": [ERROR_SCHEMA],
        "status": str(status),
        "detail": detail.encode("utf-8", "backslashreplace").decode("utf-8"),
        "exceptionRequestId": str(uuid.uuid4()),
        "timeStamp": stamp,
    }


def error_response(
    status: int, detail: str, headers: Mapping[str, str] | None = None
) -> ScimResponse:
    """An error response with AWS's body."""
    return ScimResponse(status, error_body(status, detail), dict(headers or {}))


def problem_response(problem: ScimProblem) -> ScimResponse:
    """The response a refused request gets."""
    return error_response(problem.status, problem.detail, problem.headers)


def not_found(resource: str, resource_id: str) -> ScimProblem:
    """A 404 for an id the store does not hold."""
    return ScimProblem(404, f"{resource} {resource_id} not found.")


def not_supported(what: str, headers: Mapping[str, str] | None = None) -> ScimProblem:
    """The 400 (ValidationException) AWS documents for an unsupported operation."""
    problem = bad_request(f"{what} is not supported by AWS IAM Identity Center.")
    problem.headers.update(headers or {})
    return problem
