"""Sending one SCIM request with retries: the one place where httpx's exceptions are caught.

Every request waits for its slot from the run's adaptive rate (`rate.AdaptiveRate`), which
learns the store's limit from its 429s. A throttled request is sent again, after the
Retry-After when the store gives one, for as long as the run is making progress: it gives
up only when the store has let no request through for THROTTLE_BUDGET_S seconds. A 5xx, a
timeout or a dropped connection is retried with backoff up to `retries` more times. What
comes back is the last response, or a `NoResponse` naming what went wrong; the backend
decides what a status means for a read or a write. A connection refused before the target
ever answered is not retried: the target is not there, and waiting would only delay
saying so.
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
from scimform.backends.rate import AdaptiveRate
from scimform.errors import ScimformError

SCIM_JSON = "application/scim+json"
THROTTLED = 429
# Throttling is given up on only when no request has gone through for this long.
THROTTLE_BUDGET_S = 120.0


class NoResponse(ScimformError):
    """No response came back after every retry: `reason` says what happened instead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Sender:
    """Sends requests through an httpx client with retries, the run's adaptive rate
    (`rate_limit` its ceiling) and a request count."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        rate_limit: float | None,
        retries: int,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        throttle_budget: float = THROTTLE_BUDGET_S,
    ) -> None:
        self.client = client
        self.retries = retries
        self.throttle_budget = throttle_budget
        self.rate = AdaptiveRate(rate_limit, clock=clock, sleep=sleep)
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random()
        self._lock = threading.Lock()
        self._sent = 0
        self._answered = False

    @property
    def sent(self) -> int:
        """Requests sent so far, retries included."""
        return self._sent

    @property
    def throttled(self) -> int:
        """Requests the store answered 429."""
        return self.rate.throttles

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
        faults = 0  # 5xx answers and lost connections so far; 429s are budgeted by time
        while True:
            sent_at = self.rate.acquire()
            try:
                response = self._once(method, path, params, content, headers)
            except httpx.RequestError as exc:
                if faults == self.retries or (
                    isinstance(exc, httpx.ConnectError) and not self._answered
                ):
                    raise NoResponse(_reason(exc)) from None
                self._sleep(retry.backoff(faults, self._rng))
                faults += 1
                continue
            status = response.status_code
            if status == THROTTLED:
                asked = self._asked(response)
                self.rate.throttled(sent_at, told_to_wait=asked is not None)
                if self._clock() - self.rate.last_progress >= self.throttle_budget:
                    return response
                # Without Retry-After, the learned rate alone spaces the next try.
                self._sleep(asked or 0.0)
                continue
            self.rate.accepted(progress=status < 500)
            if faults == self.retries or status not in retry.RETRY_STATUSES:
                return response
            self._sleep(self._wait(response, faults))
            faults += 1

    def _once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
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
        asked = self._asked(response)
        return retry.backoff(attempt, self._rng) if asked is None else asked

    def _asked(self, response: httpx.Response) -> float | None:
        asked = retry.retry_after(response.headers.get("Retry-After"))
        if asked is None:
            return None
        # A little jitter on top, so that parallel requests told the same wait do not all
        # come back in the same instant.
        return asked + self._rng.uniform(0, 0.1 * max(asked, 0.1))


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
