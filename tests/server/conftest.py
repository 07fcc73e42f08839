"""Fixtures for the SCIM server tests: a client on a live server, document builders, and
`scimform serve` run as a subprocess of the console script."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import builders
import httpx
import pytest

Doc = dict[str, Any]
# A running `scimform serve`: the process, its SCIM endpoint and the lines it printed.
Serving = tuple[subprocess.Popen[str], str, list[str]]

SCIMFORM = str(Path(sys.executable).parent / "scimform")


@pytest.fixture
def user_doc() -> Callable[..., Doc]:
    """Build a valid SCIM User document: `user_doc(userName, **attributes)`."""
    return builders.user_doc


@pytest.fixture
def group_doc() -> Callable[..., Doc]:
    """Build a valid SCIM Group document: `group_doc(displayName, **attributes)`."""
    return builders.group_doc


@pytest.fixture
def patch() -> Callable[..., Doc]:
    """Build a PatchOp body from operations."""
    return builders.patch_doc


@pytest.fixture
def scim(scim_server: Any) -> Iterator[httpx.Client]:
    """An httpx client with a valid token on a fresh live server."""
    with scim_server.client() as client:
        yield client


@pytest.fixture
def make_user(scim: httpx.Client) -> Callable[..., Doc]:
    """Create a user over HTTP and return the stored document."""

    def make(user_name: str = "alice@corp.example", **extra: Any) -> Doc:
        response = scim.post("/Users", json=builders.user_doc(user_name, **extra))
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
        body = builders.group_doc(display_name, members=[{"value": m} for m in members], **extra)
        response = scim.post("/Groups", json=body)
        assert response.status_code == 201, response.text
        created: Doc = response.json()
        return created

    return make


@contextmanager
def _serve(*args: str) -> Iterator[Serving]:
    process = subprocess.Popen(
        [SCIMFORM, "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        printed: list[str] = []
        assert process.stdout is not None
        while not printed or not printed[-1].startswith("Press Ctrl+C"):
            line = process.stdout.readline()
            assert line, f"serve exited: {process.communicate()[1]}"
            printed.append(line.rstrip("\n"))
        endpoint = next(
            re.findall(r"http://\S+/scim/v2", line)[0] for line in printed if "/scim/v2" in line
        )
        _wait_listening(endpoint)
        yield process, endpoint, printed
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _wait_listening(endpoint: str) -> None:
    host, port = re.findall(r"http://([^:/]+):(\d+)", endpoint)[0]
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "serve never listened"
            time.sleep(0.05)


@pytest.fixture
def serve_cli() -> Callable[..., AbstractContextManager[Serving]]:
    """`serve_cli(*ARGS)`: start `scimform serve --port 0 ARGS` as a subprocess of the
    console script; the context yields the process, the SCIM endpoint and the lines it
    printed up to "Press Ctrl+C", once it listens. The process is killed on exit whatever
    happens."""
    return _serve


@pytest.fixture
def served_by_cli(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A fresh store made and served the way a user does it: `scimform server enable
    --token-file` then `scimform serve --port 0`; yields (SCIM endpoint, token) and stops
    the server afterwards."""
    db, token_file = tmp_path / "cli-store.db", tmp_path / "token"
    subprocess.run(
        [SCIMFORM, "server", "enable", "--db", str(db), "--token-file", str(token_file)],
        check=True,
        capture_output=True,
    )
    with _serve("--db", str(db), "--log-level", "warning") as (_, endpoint, _):
        yield endpoint, token_file.read_text().strip()
