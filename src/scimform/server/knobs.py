"""Realism knobs for tests and benchmarks, all off by default.

- `latency_ms`: added to every SCIM request.
- `rate_limit`: requests per second (a token bucket with one second of burst); above it the
  store answers 429 "Too many requests exceeded the limits.", with a `Retry-After` header
  unless `retry_after` is off (whether AWS sends one is unknown; clients must cope with both).
- `faults`: kind -> rate (0..1) of injected faults, drawn from a generator seeded with
  `fault_seed`, so that a run can be repeated. Kinds: "500" (an internal error, nothing
  done), "429" (throttled, nothing done), "reset" (the connection drops before the request
  is handled) and "lost" (the request is handled and committed, then the connection drops
  before the response: the client cannot tell that it succeeded).
- `classic_cap`: how many results a list without cursor holds; 50 reproduces the older
  AWS deployments that hid every user after the 50th.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from scimform.server.discovery import PAGE_SIZE

FAULT_KINDS = ("500", "429", "reset", "lost")
LEGACY_CLASSIC_CAP = 50


@dataclass(frozen=True)
class Knobs:
    """How the served store deviates from an idle, healthy AWS endpoint."""

    latency_ms: float = 0.0
    rate_limit: float | None = None
    retry_after: bool = True
    faults: Mapping[str, float] = field(default_factory=dict)
    fault_seed: int = 0
    classic_cap: int = PAGE_SIZE

    def __post_init__(self) -> None:
        if self.latency_ms < 0:
            raise ValueError("latency must not be negative")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ValueError("the rate limit must be a positive number of requests per second")
        for kind, rate in self.faults.items():
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}; use one of {', '.join(FAULT_KINDS)}")
            if not 0 <= rate <= 1:
                raise ValueError(f"the rate of fault {kind} must be between 0 and 1")
        if sum(self.faults.values()) > 1:
            raise ValueError("the fault rates add up to more than 1")
        if not 1 <= self.classic_cap <= PAGE_SIZE:
            raise ValueError(f"the classic list cap must be between 1 and {PAGE_SIZE}")


def parse_fault(text: str) -> tuple[str, float]:
    """A `KIND=RATE` option value, e.g. `500=0.05` or `lost=1%`; ValueError when malformed."""
    kind, sep, raw = text.partition("=")
    if not sep:
        raise ValueError(f"{text!r} is not KIND=RATE (e.g. 500=0.05)")
    raw = raw.strip()
    rate = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    return kind.strip(), rate


class RateLimiter:
    """A token bucket: `rate` requests per second, bursts of up to one second's worth."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._tokens = self.capacity
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0.0 when the request may go ahead, else how many seconds until it could."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate


def retry_after_seconds(wait: float) -> str:
    """The Retry-After header value for a wait, in whole seconds, at least one."""
    return str(max(1, math.ceil(wait)))


class FaultDice:
    """Draws the fault (or None) for each request, repeatably for a given seed."""

    def __init__(self, faults: Mapping[str, float], seed: int) -> None:
        self._faults = [(kind, rate) for kind, rate in sorted(faults.items()) if rate > 0]
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def roll(self) -> str | None:
        """The fault to inject into the next request, if any."""
        if not self._faults:
            return None
        with self._lock:
            draw = self._random.random()
        for kind, rate in self._faults:
            if draw < rate:
                return kind
            draw -= rate
        return None
