"""The `local:` transport: httpx requests answered in process by the embedded store's SCIM
service, the same code `scimform serve` runs behind HTTP. Not a mock: it is how a `local:`
target gets AWS's exact behaviour without a server.

No bearer token is checked here: whoever can open the store file already holds it all.

The answer's JSON document also travels beside the response as the `DOCUMENT` extension,
and its bytes are made only if someone reads the body: the backend takes the document
as it is, which spares encoding and decoding every page of a large read in process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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


class LocalTransport(httpx.BaseTransport):
    """Hands each request to `ScimService.handle`; closing it closes the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.service = ScimService(store)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(_PREFIX) or "/"
        query = dict(request.url.params.multi_items())
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

    def close(self) -> None:
        self.store.close()
