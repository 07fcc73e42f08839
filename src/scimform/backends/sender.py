"""Sending one SCIM request with retries: the one place where httpx's exceptions are caught.

A request is retried on 429 and 5xx, on timeouts and on dropped connections, waiting as
`retry` says, up to `retries` more times. What comes back is the last response, or a
`NoResponse` naming what went wrong; the backend decides what a status means for a read or
a write. A connection refused before the target ever answered is not retried: the target
is not there, and waiting would only delay saying so.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import orjson

from scimform.backends import excerpt, retry
from scimform.backends.local import DOCUMENT
from scimform.errors import ScimformError

SCIM_JSON = "application/scim+json"


class NoResponse(ScimformError):
    """No response came back after every retry: `reason` says what happened instead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Sender:
    """Sends requests through an httpx client with retries, a pace and a request count."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        rate_limit: float | None,
        retries: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.retries = retries
        self._sleep = sleep
        self._pace = retry.Pace(rate_limit, sleep) if rate_limit else None
        self._rng = random.Random()
        self._lock = threading.Lock()
        self._sent = 0
        self._answered = False

    @property
    def sent(self) -> int:
        """Requests sent so far, retries included."""
        return self._sent

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> httpx.Response:
        """The response to `method path`, retried while it is worth retrying; NoResponse when
        the last attempt got none."""
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": SCIM_JSON} if content is not None else None
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self._once(method, path, params, content, headers)
            except httpx.RequestError as exc:
                reason = _reason(exc)
                if last or (isinstance(exc, httpx.ConnectError) and not self._answered):
                    raise NoResponse(reason) from None
                self._sleep(retry.backoff(attempt, self._rng))
                continue
            if last or response.status_code not in retry.RETRY_STATUSES:
                return response
            self._sleep(self._wait(response, attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
        if self._pace is not None:
            self._pace.wait()
        with self._lock:
            self._sent += 1
        request = self.client.build_request(
            method, path, params=params, content=content, headers=headers
        )
        response = self.client.send(request, stream=True)
        if DOCUMENT in response.extensions:
            response.close()  # the document came beside it; its bytes are never needed
        else:
            response.read()
        self._answered = True
        return response

    def _wait(self, response: httpx.Response, attempt: int) -> float:
        asked = retry.retry_after(response.headers.get("Retry-After"))
        if asked is not None:
            # A little jitter on top, so that parallel requests told the same wait do not
            # all come back in the same instant.
            return asked + self._rng.uniform(0, 0.1 * max(asked, 0.1))
        return retry.backoff(attempt, self._rng)


def _reason(exc: httpx.RequestError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "the request timed out"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect to the target"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "the target URL's scheme is not supported"
    if isinstance(exc, httpx.DecodingError):
        return "the response could not be decoded"
    return "the connection was dropped before a response came back"


def document(response: httpx.Response) -> Any:
    """The response's JSON document, or None when it has none or it is not JSON."""
    if DOCUMENT in response.extensions:
        return response.extensions[DOCUMENT]
    try:
        # orjson: a large read decodes a page of 100 users per request.
        return orjson.loads(response.content)
    except ValueError:
        return None


def take_document(response: httpx.Response) -> Any:
    """Like `document`, and the response lets go of an in-process document: httpx binds a
    response and its stream in a reference cycle, which only the cyclic collector frees,
    so a page held by it would outlive its use and push every page of a large read
    through the collector's oldest generation."""
    if DOCUMENT in response.extensions:
        return response.extensions.pop(DOCUMENT)
    return document(response)


def detail_of(response: httpx.Response) -> str:
    """What the store said about a failed request, on one line of at most 200 characters:
    AWS's `detail` (or another JSON error's message), else the first meaningful text of
    the body (an HTML error page by its title), else the reason phrase."""
    said = excerpt.json_said(document(response))
    if said is None and DOCUMENT not in response.extensions:
        said = excerpt.text_said(response.text, response.headers.get("content-type", ""))
    return excerpt.one_line(said or "") or response.reason_phrase
