"""Fixtures for the SCIM server tests: a client on a live server and document builders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from scimform.wire import GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA

Doc = dict[str, Any]


def _user_doc(user_name: str = "alice@corp.example", **extra: Any) -> Doc:
    doc: Doc = {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Alice", "familyName": "Liddell"},
        "displayName": "Alice Liddell",
    }
    doc.update(extra)
    return doc


def _group_doc(display_name: str = "platform-admins", **extra: Any) -> Doc:
    return {"schemas": [GROUP_SCHEMA], "displayName": display_name, **extra}


def _patch(*operations: Doc) -> Doc:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


@pytest.fixture
def user_doc() -> Callable[..., Doc]:
    """Build a valid SCIM User document: `user_doc(userName, **attributes)`."""
    return _user_doc


@pytest.fixture
def group_doc() -> Callable[..., Doc]:
    """Build a valid SCIM Group document: `group_doc(displayName, **attributes)`."""
    return _group_doc


@pytest.fixture
def patch() -> Callable[..., Doc]:
    """Build a PatchOp body from operations."""
    return _patch


@pytest.fixture
def scim(scim_server: Any) -> Iterator[httpx.Client]:
    """An httpx client with a valid token on a fresh live server."""
    with scim_server.client() as client:
        yield client


@pytest.fixture
def make_user(scim: httpx.Client) -> Callable[..., Doc]:
    """Create a user over HTTP and return the stored document."""

    def make(user_name: str = "alice@corp.example", **extra: Any) -> Doc:
        response = scim.post("/Users", json=_user_doc(user_name, **extra))
        assert response.status_code == 201, response.text
        created: Doc = response.json()
        return created

    return make


@pytest.fixture
def make_group(scim: httpx.Client) -> Callable[..., Doc]:
    """Create a group over HTTP (members by user id) and return the stored document."""

    def make(
        display_name: str = "platform-admins", members: tuple[str, ...] = (), **extra: Any
    ) -> Doc:
        body = _group_doc(display_name, members=[{"value": m} for m in members], **extra)
        response = scim.post("/Groups", json=body)
        assert response.status_code == 201, response.text
        created: Doc = response.json()
        return created

    return make
