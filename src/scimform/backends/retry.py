"""How long to wait before a retry: backoff, and Retry-After.

A wait honours the store's Retry-After when present; otherwise a 5xx or a lost connection
backs off exponentially with jitter (between half the cap and the cap), which spreads
parallel requests out instead of having them retry in lockstep. (A 429 without
Retry-After waits for the learned rate instead: `rate.AdaptiveRate`.)
"""

from __future__ import annotations

import random
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
