"""Fixtures shared by the whole suite.

`scim_server` serves a fresh store (provisioning enabled, one token) through the real ASGI
app under a real uvicorn server on 127.0.0.1 (a free port), and takes it down afterwards.
`scim_server_factory` starts more, with realism knobs or an admin key. Later plan/apply
tests point at `server.url` with `server.token`.

Starting and stopping uvicorn costs about 0.2 s, so one uvicorn server runs for the whole
session and each test's app is mounted on it under its own prefix (`/m<n>`), which the
mount strips: the app sees exactly the requests `scimform serve` would give it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimform.server.app import ScimApp
from scimform.server.knobs import Knobs
from scimform.server.runner import serve_in_background
from scimform.store import Store

SCIM_CONTENT_TYPE = "application/scim+json"


@dataclass(frozen=True)
class LiveServer:
    """A running SCIM server: `url` is the SCIM base (…/<tenant>/scim/v2), `root` where the
    app is served (the admin API is `root + "/_admin/v1"`), `token` a valid bearer token."""

    url: str
    root: str
    token: str
    store: Store
    app: ScimApp
    db: Path

    def client(self, token: str | None = None, **options: object) -> httpx.Client:
        """An httpx client for the SCIM base URL, sending `token` (default: the valid one)."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        headers["Content-Type"] = SCIM_CONTENT_TYPE
        return httpx.Client(base_url=self.url, headers=headers, **options)  # type: ignore[arg-type]


StartServer = Callable[..., LiveServer]
_Asgi = Callable[..., Any]


class _Mounts:
    """Routes `/m<n>/...` to the app mounted as `m<n>`, with the prefix removed."""

    def __init__(self) -> None:
        self.apps: dict[str, _Asgi] = {}
        self.numbers = itertools.count()

    async def __call__(self, scope: MutableMapping[str, Any], receive: _Asgi, send: _Asgi) -> None:
        if scope["type"] != "http":
            return
        name, _, rest = scope["path"][1:].partition("/")
        app = self.apps.get(name)
        if app is None:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"no such mount"})
            return
        await app({**scope, "path": "/" + rest, "raw_path": None}, receive, send)


@pytest.fixture(scope="session")
def _shared_uvicorn() -> Iterator[tuple[str, _Mounts]]:
    mounts = _Mounts()
    with serve_in_background(mounts) as origin:
        yield origin, mounts


@pytest.fixture
def scim_server_factory(
    tmp_path: Path, _shared_uvicorn: tuple[str, _Mounts]
) -> Iterator[StartServer]:
    """Start servers: `start(knobs=None, admin_key=None, enable=True, wrap=None)`; all stop
    at teardown. `wrap(app)` returns the ASGI app to mount in place of the SCIM app (a
    concurrent writer acting just before a request, say)."""
    origin, mounts = _shared_uvicorn
    numbers = itertools.count()
    with ExitStack() as stack:

        def start(
            knobs: Knobs | None = None,
            admin_key: str | None = None,
            enable: bool = True,
            wrap: Callable[[_Asgi], _Asgi] | None = None,
        ) -> LiveServer:
            db = tmp_path / f"store-{next(numbers)}.db"
            store = stack.enter_context(Store.open(db))
            token = ""
            if enable:
                made = store.enable_provisioning()
                assert made is not None
                token = made[1]
            app = ScimApp(store, knobs=knobs, admin_key=admin_key)
            name = f"m{next(mounts.numbers)}"
            mounts.apps[name] = app if wrap is None else wrap(app)
            stack.callback(mounts.apps.pop, name)
            root = f"{origin}/{name}"
            url = f"{root}/{app.tenant}/scim/v2"
            return LiveServer(url, root, token, store, app, db)

        yield start


@pytest.fixture
def scim_server(scim_server_factory: StartServer) -> LiveServer:
    """A running SCIM server over a fresh store with one valid token."""
    return scim_server_factory()
