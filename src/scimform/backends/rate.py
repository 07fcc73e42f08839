"""Adaptive rate control: one controller per run paces every request, reads and writes
alike, at a rate learned from the store's 429s.

AWS publishes no rate limit, and may throttle without a Retry-After, so the rate is found,
not configured. Until the store first throttles, requests go as fast as the callers send
them (or at the ceiling, `--rate-limit`). A 429 cuts the rate to BETA times the rate at
which the store was accepting requests just before; from there the rate grows back along
a cubic curve (CUBIC, the scheme of TCP and of the AWS SDKs' "adaptive" retry mode):
quickly at first, flat near the rate that was throttled, then probing beyond it, so that
a limit that rises is found again, but never more than LEAD times the rate requests are
actually sent at (a pace that does not space them is not being tested). Each request
reserves its slot, waits for it, then claims it; a cut voids every slot reserved before
it, so that threads waiting on slots spaced at the old pace are spaced again at the new
one, starting one step after the cut: the store has just said it has no room. A 429 to
a request sent before the last cut tells nothing new (TCP, likewise, cuts once per
congestion event, not once per lost packet). When the store says how long to wait
(Retry-After), or requests are held back by waits of their own (a backoff after a 5xx)
rather than by the pace, a few 429s are let be while the rate climbs back: the rate is
cut again then only when more than HOLD_SHARE of the requests sent since the cut were
throttled. A store that throttles a share of requests whatever the rate (faults, or a
limit shared with other clients) is then cut about once per climb, and does not bring
the rate down to the floor one 429 after another. Requests are spaced evenly (a bucket
of one token), never in bursts.

The controller also keeps the time of the last request the store did not throttle: the
sender gives up on throttling only when no request has gone through for a while, so a
throttled request is never a failed change while the run is making progress.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

# The cut on a 429 (the AWS SDKs' value), and the cubic's scale, in parts of the throttled
# rate per s^3: the climb back takes the same time, about 2.5 s, whatever the rate. (The
# SDKs' absolute 0.4 requests/s per s^3 is the same at 20 requests per second, but makes
# slow stores throttle more and fast ones wait longer.)
BETA = 0.7
SCALE = 0.02
# Never slower than this many requests per second.
MIN_RATE = 0.5
# While the rate climbs back after a cut, 429s cut again only when at least HOLD_MIN and
# more than HOLD_SHARE of the requests sent since the cut were throttled.
HOLD_SHARE = 0.25
HOLD_MIN = 5
# Requests sent at this share of the pace or more are going at the pace.
SATURATED = 0.8
# The pace never runs more than this far ahead of the rate requests are sent at: beyond
# it, the pace would not be what spaces them, and a 429 would say nothing about it.
LEAD = 1.25
# The rates at which requests are sent and accepted are counted over this many seconds.
WINDOW_S = 1.0
MIN_WINDOW_S = 0.1
# The learned rate is shown (progress) for this long after the last 429.
SHOWN_S = 10.0


class Slot(NamedTuple):
    """A time reserved for one request, and the number of cuts made before it was."""

    at: float
    cut: int


class AdaptiveRate:
    """The learned request rate of one run, shared by every thread that sends."""

    def __init__(
        self,
        ceiling: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if ceiling is not None and ceiling <= 0:
            raise ValueError("the rate limit must be a positive number of requests per second")
        self._ceiling = ceiling
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0
        self._rate = ceiling
        self._max: float | None = None  # the rate the last cut was made from
        self._cut_at = 0.0
        self._cuts = 0
        self._span = 0.0  # seconds the cubic takes to climb back to _max
        self._sent: deque[float] = deque()
        self._throttled: deque[float] = deque()
        self._accepted: deque[float] = deque()
        self._sent_since_cut = 0
        self._throttled_since_cut = 0
        self._last_429: float | None = None
        self._first: float | None = None  # when the first request was sent
        self.last_progress = clock()
        self.throttles = 0

    @property
    def rate(self) -> float | None:
        """The rate requests are paced at now, or None when they are not paced."""
        with self._lock:
            return self._grown(self._clock())

    def shown(self) -> float | None:
        """The learned rate while the store is throttling (a 429 in the last SHOWN_S
        seconds), for progress; else None."""
        with self._lock:
            now = self._clock()
            if self._last_429 is None or now - self._last_429 > SHOWN_S:
                return None
            return self._grown(now)

    def acquire(self) -> float:
        """Wait for this request's slot; returns the time it is sent at."""
        while True:
            slot = self.reserve()
            wait = slot.at - self._clock()
            if wait > 0:
                self._sleep(wait)
            if self.claim(slot):
                return slot.at

    def reserve(self) -> Slot:
        """The next free slot at the pace; the caller waits for it, then claims it."""
        with self._lock:
            now = self._clock()
            rate = self._grown(now)
            at = now if rate is None else max(now, self._next)
            if rate is not None:
                self._next = at + 1.0 / rate
            return Slot(at, self._cuts)

    def claim(self, slot: Slot) -> bool:
        """Send in `slot` (counted as sent): True, unless the rate was cut since it was
        reserved; then the slot, spaced at the old pace, is void: reserve another.
        (With many callers waiting, a cut that left their slots standing would send them
        at the pace just found too fast, into a store with no room left.)"""
        with self._lock:
            if slot.cut != self._cuts:
                return False
            now = self._clock()
            _count(self._sent, slot.at, now)
            self._sent_since_cut += 1
            if self._first is None:
                self._first = slot.at
            return True

    def accepted(self, *, progress: bool = True) -> None:
        """The store answered a request without throttling it; `progress` when the answer
        is not a server error either."""
        with self._lock:
            now = self._clock()
            _count(self._accepted, now, now)
            if progress:
                self.last_progress = now

    def throttled(self, sent_at: float, *, told_to_wait: bool = False) -> None:
        """The store answered 429 to a request sent at `sent_at` (with a Retry-After when
        `told_to_wait`): cut the rate, unless the request went before the last cut, or
        the rate is climbing back, callers are held back by waits of their own, and few
        of the requests sent since were throttled."""
        with self._lock:
            now = self._clock()
            self._last_429 = now
            self.throttles += 1
            _count(self._throttled, now, now)
            if self._max is not None:
                if sent_at <= self._cut_at:
                    return
                self._throttled_since_cut += 1
                climbing = sent_at <= self._cut_at + self._span
                held = told_to_wait or not self._saturated(now)
                if climbing and held and not self._overrun():
                    return
            self._cut(now, told_to_wait)

    def _saturated(self, now: float) -> bool:
        """True when requests go at the pace (or unpaced): callers are not held back by
        waits of their own (a Retry-After, a backoff)."""
        current = self._grown(now)
        window = self._window(now)
        # One request of slack: at a few requests per second, a window holds a handful.
        sent = (_counted(self._sent, now) + 1) / window
        return current is None or sent >= SATURATED * current

    def _overrun(self) -> bool:
        throttled = self._throttled_since_cut
        return throttled >= HOLD_MIN and throttled > HOLD_SHARE * self._sent_since_cut

    def _cut(self, now: float, told_to_wait: bool) -> None:
        current = self._grown(now)
        # The rate the store took (the answers it did not throttle), when requests were
        # going at the pace. Callers busy waiting out a Retry-After or a backoff send
        # below the pace, and a store that says when to come back has said more than its
        # rate: then the pace itself is what is cut.
        basis = _counted(self._accepted, now) / self._window(now)
        held = told_to_wait or not self._saturated(now)
        if current is not None and (basis <= 0 or held):
            basis = current
        basis = min(basis, current) if current is not None else basis
        self._max = max(MIN_RATE, basis)
        self._cut_at = now
        self._span = ((1 - BETA) / SCALE) ** (1 / 3)
        self._rate = self._capped(self._max * BETA)
        self._sent_since_cut = self._throttled_since_cut = 0
        # The store had no room at the cut: the next request goes one step of the new pace
        # later, and every slot reserved before is reserved again.
        self._cuts += 1
        self._next = now + 1.0 / self._rate

    def _grown(self, now: float) -> float | None:
        """The rate at `now`: the cubic since the last cut, never more than LEAD times the
        rate requests were actually sent at (an idle run must not unlearn the limit), nor
        above the ceiling."""
        if self._max is None:
            return self._rate
        t = now - self._cut_at - self._span
        cubic = self._max * (1 + SCALE * t**3)
        sending = LEAD * _counted(self._sent, now) / self._window(now)
        rate = self._capped(max(MIN_RATE, min(cubic, max(sending, self._max))))
        self._rate = rate
        return rate

    def _window(self, now: float) -> float:
        """The seconds rates are counted over: WINDOW_S, or less in the run's first."""
        started = now if self._first is None else self._first
        return min(WINDOW_S, max(MIN_WINDOW_S, now - started))

    def _capped(self, rate: float) -> float:
        return rate if self._ceiling is None else min(rate, self._ceiling)


def _count(times: deque[float], moment: float, now: float) -> None:
    """Count `moment` (a slot may be later than `now`), forgetting what is out of the
    window at `now`."""
    times.append(moment)
    _trim(times, now)


def _counted(times: deque[float], now: float) -> int:
    """The times in the last WINDOW_S seconds; slots handed out for later do not count."""
    _trim(times, now)
    later = 0
    for moment in reversed(times):
        if moment <= now:
            break
        later += 1
    return len(times) - later


def _trim(times: deque[float], now: float) -> None:
    while times and times[0] < now - WINDOW_S:
        times.popleft()
