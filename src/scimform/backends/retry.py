"""When and how long to wait: backoff between retries, Retry-After, and a client-side pace.

AWS throttles at a few tens of requests per second and may or may not send Retry-After
with its 429, so a wait honours the header when present and otherwise backs off
exponentially with full jitter (random between zero and the cap), which spreads parallel
clients out instead of having them retry in lockstep.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

# Statuses worth another try: throttled, or the server failed without doing anything.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BASE_DELAY = 0.25
MAX_DELAY = 8.0
# A Retry-After longer than this is capped: a plan should not hang for minutes.
MAX_RETRY_AFTER = 60.0


def backoff(attempt: int, rng: random.Random) -> float:
    """Seconds to wait before retry number `attempt` (0-based): full jitter under a cap
    that doubles each time, from BASE_DELAY up to MAX_DELAY."""
    cap = min(MAX_DELAY, BASE_DELAY * 2**attempt)
    return rng.uniform(cap / 2, cap)


def retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None when
    absent or unreadable; never negative, at most MAX_RETRY_AFTER."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - now()
        except (TypeError, ValueError):
            return None
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


class Pace:
    """Spaces requests evenly at `rate` per second across threads: each caller is given the
    next free slot and sleeps until it."""

    def __init__(
        self,
        rate: float,
        sleep: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate limit must be a positive number of requests per second")
        self._interval = 1.0 / rate
        self._sleep = sleep
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until this caller's slot comes."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            self._sleep(slot - now)
