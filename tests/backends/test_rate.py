"""The adaptive rate controller on a fake clock: pacing, the cut on a 429, the cubic climb
back, the ceiling, and a simulated store that throttles above a fixed rate."""

from __future__ import annotations

import heapq

import pytest

from scimform.backends.rate import BETA, MIN_RATE, SHOWN_S, AdaptiveRate, Slot
from scimform.server.knobs import RateLimiter


class Clock:
    """A clock that only sleeping moves."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _controller(clock: Clock, ceiling: float | None = None) -> AdaptiveRate:
    return AdaptiveRate(ceiling, clock=clock, sleep=clock.sleep)


def _accept(rate: AdaptiveRate, clock: Clock, count: int, every: float) -> None:
    for _ in range(count):
        rate.acquire()
        rate.accepted()
        clock.now += every


def test_unthrottled_requests_are_not_paced() -> None:
    clock = Clock()
    rate = _controller(clock)
    _accept(rate, clock, 50, 0.0)
    assert clock.slept == [] and rate.rate is None and rate.shown() is None


def test_the_ceiling_spaces_requests_evenly() -> None:
    clock = Clock()
    rate = _controller(clock, ceiling=4)
    for _ in range(5):
        rate.acquire()
    assert clock.slept == pytest.approx([0.25] * 4)


def test_a_429_cuts_to_beta_times_the_accepted_rate() -> None:
    clock = Clock()
    rate = _controller(clock)
    _accept(rate, clock, 30, 1 / 30)  # a second of 30 requests accepted
    sent = rate.acquire()
    rate.throttled(sent)
    assert rate.rate == pytest.approx(30 * BETA, rel=0.05)
    assert rate.shown() == pytest.approx(30 * BETA, rel=0.05)
    clock.slept.clear()
    rate.acquire()
    rate.acquire()
    assert clock.slept[-1] == pytest.approx(1 / rate.rate, rel=0.05)  # type: ignore[operator]


def test_a_429_to_a_request_sent_before_the_cut_does_not_cut_again() -> None:
    clock = Clock()
    rate = _controller(clock)
    _accept(rate, clock, 20, 0.05)
    early = [rate.acquire() for _ in range(4)]  # in flight together
    rate.throttled(early[0])
    cut = rate.rate
    for sent in early[1:]:
        rate.throttled(sent)
    assert rate.rate == cut and rate.throttles == 4
    clock.now += 0.01
    rate.throttled(rate.acquire())  # sent after the cut, at the pace: the limit speaks
    assert rate.rate is not None and cut is not None and rate.rate < cut


def test_a_cut_voids_the_slots_reserved_at_the_old_pace() -> None:
    clock = Clock()
    rate = _controller(clock)
    _accept(rate, clock, 20, 0.05)
    rate.throttled(rate.acquire())
    _accept(rate, clock, 20, 1 / 14)
    waiting = [rate.reserve() for _ in range(6)]  # threads asleep until their slots
    clock.now = waiting[0].at
    assert rate.claim(waiting[0])
    rate.throttled(waiting[0].at)  # the store had no room: cut
    cut = rate.rate
    assert cut is not None and cut < 14
    assert not any(rate.claim(slot) for slot in waiting[1:])
    again = [rate.reserve() for _ in range(5)]
    # One step of the new pace after the cut, then evenly at it: the store gets room back.
    steps = [b.at - a.at for a, b in zip([waiting[0], *again], again, strict=False)]
    assert steps == pytest.approx([1 / cut] * 5, rel=0.05)
    assert all(rate.claim(slot) for slot in again[:1])


def test_the_pace_runs_at_most_a_quarter_ahead_of_the_rate_sent() -> None:
    clock = Clock()
    rate = _controller(clock)
    _accept(rate, clock, 20, 0.05)
    rate.throttled(rate.acquire())
    _accept(rate, clock, 300, 1 / 30)  # callers that send 30 a second, whatever the pace
    assert rate.rate is not None and 30 < rate.rate <= 1.3 * 30


def test_callers_held_back_by_their_own_waits_cut_once_per_climb_unless_most_fail() -> None:
    clock = Clock()
    rate = _controller(clock)
    _accept(rate, clock, 20, 0.05)
    rate.throttled(rate.acquire())
    cut = rate.rate
    # One request a second, far below the pace (each waits out a Retry-After), one in
    # ten throttled: a steady share, not the limit; the cut holds while the rate climbs.
    for n in range(2):
        clock.now += 1.0
        sent = rate.acquire()
        rate.throttled(sent) if n == 1 else rate.accepted()
    assert rate.rate is not None and cut is not None and rate.rate > cut
    # Most of what is sent since is throttled: the cut was not deep enough.
    climbed = rate.rate
    for _ in range(5):
        clock.now += 0.05
        rate.throttled(rate.acquire())
    assert rate.rate is not None and rate.rate < 0.8 * climbed


def test_the_rate_climbs_back_and_then_probes_beyond_the_throttled_rate() -> None:
    clock = Clock()
    rate = _controller(clock)
    _accept(rate, clock, 20, 0.05)
    rate.throttled(rate.acquire())
    low = rate.rate
    assert low == pytest.approx(20 * BETA, rel=0.1)
    _accept(rate, clock, 40, 0.05)  # two seconds of steady success
    middle = rate.rate
    _accept(rate, clock, 200, 0.05)  # ten more
    assert low is not None and middle is not None and rate.rate is not None
    assert low < middle < rate.rate
    assert rate.rate > 20


def test_an_idle_run_keeps_what_it_learned_and_the_ceiling_holds() -> None:
    clock = Clock()
    rate = _controller(clock, ceiling=15)
    _accept(rate, clock, 15, 1 / 15)
    rate.throttled(rate.acquire())
    clock.now += 600  # nothing sent for ten minutes
    assert rate.rate is not None and 10 <= rate.rate <= 15
    assert rate.shown() is None  # no 429 for more than SHOWN_S
    assert SHOWN_S < 600


def test_a_store_that_throttles_everything_brings_the_rate_down_to_the_floor() -> None:
    clock = Clock()
    rate = _controller(clock)
    for _ in range(30):
        rate.throttled(rate.acquire())
    assert rate.rate is not None and MIN_RATE <= rate.rate < 2 * MIN_RATE


class Run:
    """A simulated run against a store that throttles above a rate: `workers` threads, each
    reserving its next slot from the controller, waiting for it, claiming it (again when a
    cut voided it) and sending; the store checks its bucket `latency` after the send, as
    `scimform serve --latency-ms` does, and answers at once. Work comes in phases of
    `phase` requests, each waiting for the last to finish and then `pause` seconds, as
    apply's phases do: the bucket fills up in between."""

    def __init__(self, limit: float, *, workers: int, phase: int, pause: float) -> None:
        self.clock = Clock()
        self.store = RateLimiter(limit, clock=self.clock)
        self.rate = _controller(self.clock)
        self.workers, self.phase, self.pause = workers, phase, pause
        self.events: list[tuple[float, int, str, Slot]] = []
        self.accepted = self.throttled = self.paused = 0
        self.left = phase  # requests of this phase not yet sent
        self.busy = 0  # requests of this phase not yet answered

    def go(self, seconds: float) -> None:
        start = self.clock.now
        self._start_phase()
        while self.clock.now - start < seconds:
            at, _, kind, slot = heapq.heappop(self.events)
            self.clock.now = at
            if kind == "slot":
                self._send(slot)
            elif kind == "answer":
                self._answer(slot)
            else:
                self._start_phase()

    def _push(self, at: float, kind: str, slot: Slot) -> None:
        heapq.heappush(self.events, (at, len(self.events) + self.accepted, kind, slot))

    def _start_phase(self) -> None:
        self.left = self.phase
        for _ in range(self.workers):
            self._next()

    def _next(self) -> None:
        if self.left > 0:
            self.left -= 1
            self.busy += 1
            slot = self.rate.reserve()
            self._push(slot.at, "slot", slot)

    def _send(self, slot: Slot) -> None:
        if not self.rate.claim(slot):
            slot = self.rate.reserve()
            self._push(slot.at, "slot", slot)
            return
        self._push(self.clock.now + 0.05, "answer", slot)

    def _answer(self, slot: Slot) -> None:
        if self.store.take() > 0:
            self.throttled += 1
            self.rate.throttled(slot.at)
            self.left += 1  # sent again
            self.busy -= 1
            self._next()
            return
        self.accepted += 1
        self.rate.accepted()
        self.busy -= 1
        self._next()
        if self.busy == 0 and self.left == 0:
            self.paused += 1
            self._push(self.clock.now + self.pause, "phase", slot)


@pytest.mark.parametrize("limit", [5.0, 20.0, 50.0])
def test_against_a_store_limited_to_a_rate_it_keeps_close_under_it(limit: float) -> None:
    """A store that throttles above `limit` (a token bucket with a second of burst, as
    `scimform serve --rate-limit` does), eight threads sending requests of 50 ms, in
    phases of about 20 seconds' work with a second's pause between."""
    run = Run(limit, workers=8, phase=int(20 * limit), pause=1.0)
    seconds = 300.0
    run.go(seconds)
    busy = seconds - run.paused * run.pause
    sent = run.accepted + run.throttled
    print(f"{limit}: {busy * limit / run.accepted:.3f}x, {run.throttled} of {sent} throttled")
    assert busy <= 1.1 * run.accepted / limit  # the target is 1.15x
    assert run.throttled <= 0.06 * sent  # the target is at most 10%
