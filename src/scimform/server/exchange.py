"""One HTTP exchange over the raw ASGI calls: request headers, query and a size-limited
body in; a JSON response, or a deliberately lost one, out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from scimform.server.problems import ScimResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 1024 * 1024


class TooLarge(Exception):
    """The request body is over the limit."""


class ClientGone(Exception):
    """The client disconnected before its request body arrived."""


class Exchange:
    """One HTTP request and its response, over the raw ASGI calls."""

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self._receive = receive
        self._send = send
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.status = 0
        self.started = False
        self.note = ""
        self._headers = {k.decode("latin-1"): v for k, v in scope["headers"]}

    def header(self, name: str) -> str | None:
        """A request header by lower-case name."""
        value = self._headers.get(name)
        return None if value is None else value.decode("latin-1")

    def query(self) -> dict[str, str]:
        """The query parameters (the last one wins when a name repeats)."""
        raw = self.scope.get("query_string", b"").decode("latin-1")
        return dict(parse_qsl(raw, keep_blank_values=True))

    def declared_too_large(self) -> bool:
        """Whether Content-Length already says the body is over the limit."""
        length = self.header("content-length")
        return length is not None and length.isdigit() and int(length) > MAX_BODY

    async def body(self) -> bytes:
        """The request body; TooLarge past MAX_BODY, ClientGone if the client left."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                raise TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def respond(self, response: ScimResponse) -> None:
        """Send a response; JSON body unless there is none (204)."""
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()
        ]
        payload = b""
        if response.body is not None:
            # orjson: a page of 100 users is encoded for every request of a large read.
            # Encoded before anything is sent: should it fail, the app can still answer.
            payload = orjson.dumps(response.body)
            headers.append((b"content-type", b"application/json"))
        headers.append((b"content-length", str(len(payload)).encode("ascii")))
        self.status = response.status
        self.started = True
        await self._send({"type": "http.response.start", "status": self.status, "headers": headers})
        await self._send({"type": "http.response.body", "body": payload})

    async def drop(self) -> None:
        """Lose the response: headers go out, the body never does, the connection closes
        (the server closes a connection whose response the app left incomplete)."""
        self.started = True
        headers = [(b"content-type", b"application/json"), (b"content-length", b"2")]
        await self._send({"type": "http.response.start", "status": 500, "headers": headers})
