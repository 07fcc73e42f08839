"""Fixtures for the SCIM server tests: a client on a live server and document builders."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
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


@pytest.fixture
def served_by_cli(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A fresh store made and served the way a user does it: `scimform server enable
    --token-file` then a `scimform serve --port 0` subprocess; yields (SCIM endpoint, token)
    and stops the server afterwards."""
    scimform = str(Path(sys.executable).parent / "scimform")
    db, token_file = tmp_path / "cli-store.db", tmp_path / "token"
    subprocess.run(
        [scimform, "server", "enable", "--db", str(db), "--token-file", str(token_file)],
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [scimform, "serve", "--db", str(db), "--port", "0", "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint = ""
        while not endpoint:
            line = process.stdout.readline()
            assert line, "scimform serve exited before it listened"
            endpoint = next(iter(re.findall(r"http://\S+/scim/v2", line)), "")
        _wait_until_answering(endpoint)
        yield endpoint, token_file.read_text().strip()
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _wait_until_answering(endpoint: str) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            httpx.get(f"{endpoint}/ServiceProviderConfig", timeout=1)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "scimform serve never answered"
            time.sleep(0.05)
