"""HTTP/1.1 parsing for the SCIM server: uvicorn's httptools protocol, with limits on the
request line and headers, and AWS's JSON error body for a request that cannot be parsed.

uvicorn answers a request it cannot parse with a plain-text 400, and its httptools parser
takes request lines and headers of any size. Here the request line (method, target and
version) may hold MAX_REQUEST_LINE bytes and the headers MAX_HEADER_BYTES together, and
every refusal is the error body every other 400 has: `schemas` and `schema`, string
status, `exceptionRequestId`, `timeStamp`. AWS publishes no such limits; these are
generous for SCIM (a target is a path, a filter and a cursor) and small enough to bound
what one connection can make the server hold.
"""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from scimform.server.problems import UNPARSABLE, error_body

MAX_REQUEST_LINE = 16 * 1024
MAX_HEADER_BYTES = 64 * 1024
_NOT_HTTP = f"{UNPARSABLE} The request is not valid HTTP/1.1."


class RequestTooLarge(Exception):
    """The request line or the headers are over their limit."""


class ScimHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with size limits and AWS's error body for a 400."""

    _refusal: str | None = None
    _header_bytes = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._refusal = None
        self._header_bytes = 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_REQUEST_LINE:
            self._refuse(f"The request target is longer than {MAX_REQUEST_LINE} bytes.")

    def on_header(self, name: bytes, value: bytes) -> None:
        # httptools may hand over a long header in pieces; each piece counts.
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > MAX_HEADER_BYTES:
            self._refuse(f"The request headers are larger than {MAX_HEADER_BYTES} bytes.")
        super().on_header(name, value)

    def _refuse(self, reason: str) -> None:
        self._refusal = f"{UNPARSABLE} {reason}"
        # Raised inside the parser's callback: httptools reports it as a parse error, and
        # uvicorn answers with send_400_response and closes the connection.
        raise RequestTooLarge(reason)

    def send_400_response(self, msg: str) -> None:
        payload = orjson.dumps(error_body(400, self._refusal or _NOT_HTTP))
        lines = [b"HTTP/1.1 400 Bad Request\r\n"]
        lines.extend(name + b": " + value + b"\r\n" for name, value in self._default_headers())
        lines.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(payload)).encode("ascii") + b"\r\n",
                b"connection: close\r\n\r\n",
                payload,
            ]
        )
        self.transport.write(b"".join(lines))
        self.transport.close()

    def _default_headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.server_state.default_headers)
