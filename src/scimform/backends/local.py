"""The `local:` transport: httpx requests answered in process by the embedded store's SCIM
service, the same code `scimform serve` runs behind HTTP. Not a mock: it is how a `local:`
target gets AWS's exact behaviour without a server.

No bearer token is checked here: whoever can open the store file already holds it all.
So none is made either: a store created here has provisioning on and no token, and gets
its first token from `scimform server enable` if it is ever served.

A store file that does not exist yet is read as empty and created by the first write, so
that `plan` never leaves a store (or its directory) behind, and `apply` makes it.

The answer's JSON document also travels beside the response as the `DOCUMENT` extension,
and its bytes are made only if someone reads the body: the backend takes the document
as it is, which spares encoding and decoding every page of a large read in process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from scimform.errors import StoreError
from scimform.server.problems import ScimResponse, error_response
from scimform.server.service import ScimService
from scimform.store import Store

BASE_URL = "http://scimform.local/scim/v2"
DOCUMENT = "scimform.document"
_PREFIX = "/scim/v2"


class _LazyJson(httpx.SyncByteStream):
    """A JSON body encoded only when it is read."""

    def __init__(self, document: Any) -> None:
        self._document = document

    def __iter__(self) -> Iterator[bytes]:
        yield json.dumps(self._document, separators=(",", ":")).encode()

    def close(self) -> None:
        # httpx binds a response and its stream in a reference cycle, which only the
        # cyclic collector frees: a closed stream lets go of its document at once.
        self._document = None


_READS = frozenset({"GET", "HEAD"})


class LocalTransport(httpx.BaseTransport):
    """Hands each request to `ScimService.handle`; closing it closes the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.service = ScimService(store)
        self._missing: Path | None = None
        self._empty: Store | None = None
        self._lock = threading.Lock()

    @classmethod
    def at(cls, path: Path) -> LocalTransport:
        """The transport for the store file at `path`. A missing file is not created
        here: it reads as an empty store, and the first write creates it."""
        if path.exists():
            return cls(Store.open(path))
        transport = cls(Store.open(":memory:"))
        transport._missing = path
        return transport

    @property
    def created(self) -> bool:
        """Whether the store file exists (it may not, until the first write)."""
        return self._missing is None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(_PREFIX) or "/"
        query = dict(request.url.params.multi_items())
        if self._missing is not None and request.method not in _READS:
            try:
                self._create()
            except StoreError as exc:
                # 507 (cannot store), not a 5xx that is retried: trying again will not help.
                answer = error_response(507, str(exc))
                return httpx.Response(answer.status, json=answer.body, request=request)
        answer = self._answer(request.method, path, query, request.read() or None)
        headers = dict(answer.headers)
        if answer.body is None:
            return httpx.Response(answer.status, headers=headers, request=request)
        headers["Content-Type"] = "application/json"
        return httpx.Response(
            answer.status,
            headers=headers,
            stream=_LazyJson(answer.body),
            extensions={DOCUMENT: answer.body},
            request=request,
        )

    def _answer(
        self, method: str, path: str, query: dict[str, str], body: bytes | None
    ) -> ScimResponse:
        try:
            return self.service.handle(method, path, query, body)
        except StoreError as exc:
            # What the served store would send for the same failure (a busy or damaged
            # file): a 5xx, which the backend retries and then reports.
            return error_response(503, str(exc))

    def _create(self) -> None:
        with self._lock:
            if self._missing is None:
                return
            store = Store.open(self._missing)
            try:
                store.enable_provisioning(first_token=False)
            except BaseException:
                store.close()
                raise
            # The empty stand-in stays open until close: a read in another thread may
            # still be using it.
            self._empty, self.store = self.store, store
            self.service = ScimService(store)
            self._missing = None

    def close(self) -> None:
        self.store.close()
        if self._empty is not None:
            self._empty.close()
