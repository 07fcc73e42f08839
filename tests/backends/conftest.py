"""Fixtures for the backend tests: a ScimBackend on a live server, and document builders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from scimform.backends.auth import BearerToken
from scimform.backends.scim import ScimBackend
from scimform.wire import GROUP_SCHEMA, USER_SCHEMA

Doc = dict[str, Any]


def _user_doc(user_name: str, **extra: Any) -> Doc:
    """A valid SCIM User document."""
    doc: Doc = {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Alice", "familyName": "Liddell"},
        "displayName": "Alice Liddell",
    }
    doc.update(extra)
    return doc


def _group_doc(display_name: str, **extra: Any) -> Doc:
    """A valid SCIM Group document."""
    return {"schemas": [GROUP_SCHEMA], "displayName": display_name, **extra}


@pytest.fixture
def user_doc() -> Callable[..., Doc]:
    """`user_doc(userName, **attributes)`: a valid SCIM User document."""
    return _user_doc


@pytest.fixture
def group_doc() -> Callable[..., Doc]:
    """`group_doc(displayName, **attributes)`: a valid SCIM Group document."""
    return _group_doc


class Sleeps:
    """Records the waits a backend asks for instead of sleeping; `now` is a clock that
    only these waits move (waits of zero are not recorded)."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.elapsed = 0.0

    def __call__(self, seconds: float) -> None:
        if seconds > 0:
            self.waits.append(seconds)
            self.elapsed += seconds

    def now(self) -> float:
        return self.elapsed


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def backend_for(sleeps: Sleeps) -> Iterator[Callable[..., ScimBackend]]:
    """`backend_for(server, **options)`: a ScimBackend on a live server with its token,
    recording sleeps; closed at teardown."""
    made: list[ScimBackend] = []

    def make(server: Any, **options: Any) -> ScimBackend:
        client = httpx.Client(base_url=server.url, auth=BearerToken(server.token))
        backend = ScimBackend(client, sleep=sleeps, clock=sleeps.now, **options)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


@pytest.fixture
def backend(scim_server: Any, backend_for: Callable[..., ScimBackend]) -> ScimBackend:
    """A backend on a fresh live server."""
    return backend_for(scim_server)
