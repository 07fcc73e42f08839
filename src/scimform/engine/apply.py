"""Apply: carry out a plan against the live store, step by step, and say what became of
each step.

Steps run in the phases of `engine.order` (create users, create and rename groups, add
members, update users, remove members, delete groups, delete users), one phase after the
other, up to `parallelism` at once within a phase; the backend's rate limit bounds the
request rate. A step starts only when every step it depends on has succeeded. A failed
step never stops the apply: its dependents are skipped and everything else goes on, so
running apply again converges. `should_stop` (Ctrl-C) stops new steps from starting; the
steps in flight finish and the rest are reported as not started. Apply stops the same way by
itself when the store gives no answer at all (each request already retried) to several
changes in a row, and when most of the last changes it answered failed with a server
error or throttling (a circuit breaker): a dead or sick target would otherwise cost every
remaining change its retries. A change the store refuses (4xx) does not count there: it
says nothing about the others.

Hooks are called from the calling thread only (never from a worker), so a progress bar
needs no locking. Nothing here prints.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from itertools import groupby

from scimform.engine.order import Step, apply_order
from scimform.engine.plan import Plan
from scimform.engine.result import ApplyResult, Outcome, StepResult
from scimform.engine.writes import Ids, StepWriter, WriteBackend, step_result, target_id
from scimform.model import LiveState

# Changes in a row that failed with no answer from the store before apply stops itself.
UNANSWERED_LIMIT = 5
# The circuit breaker: apply stops itself when BREAKER_FAILURES of the last BREAKER_WINDOW
# changes the store answered failed with a 5xx or a 429 (each after its retries).
BREAKER_WINDOW = 10
BREAKER_FAILURES = 8


@dataclass(frozen=True)
class ApplyHooks:
    """Progress callbacks: a step is about to start; a step has ended (in any outcome,
    including skipped and not started)."""

    started: Callable[[Step], None] | None = None
    finished: Callable[[StepResult], None] | None = None


def apply_plan(
    plan: Plan,
    backend: WriteBackend,
    *,
    parallelism: int = 8,
    hooks: ApplyHooks | None = None,
    should_stop: Callable[[], bool] | None = None,
    live: LiveState | None = None,
) -> ApplyResult:
    """Carry out `plan` through `backend` and return every step's outcome; never raises
    for a change the store refuses. `live`, the state the plan was checked against, saves
    the lookups of managers' ids by name."""
    if parallelism < 1:
        raise ValueError("parallelism must be at least 1")
    steps = apply_order(plan.changes)
    run = _Run(StepWriter(backend, Ids(plan.changes, live)), hooks or ApplyHooks(), should_stop)
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="apply") as pool:
        for _, phase in groupby(steps, key=lambda s: s.phase):
            run.phase(pool, list(phase), parallelism)
            if run.stopped:
                break
    return run.result(steps)


class _Run:
    """The state of one apply: results so far, and whether it was told to stop."""

    def __init__(
        self, writer: StepWriter, hooks: ApplyHooks, should_stop: Callable[[], bool] | None
    ) -> None:
        self.writer = writer
        self.hooks = hooks
        self.should_stop = should_stop or (lambda: False)
        self.results: dict[str, StepResult] = {}
        self.stopped = False
        self.stop_reason: str | None = None
        self.unanswered = 0
        self.answered: deque[bool] = deque(maxlen=BREAKER_WINDOW)  # True: failed, unwell

    def phase(self, pool: ThreadPoolExecutor, steps: Sequence[Step], parallelism: int) -> None:
        """Run one phase's steps, each as soon as the steps it depends on have ended."""
        phase = _Phase(self, steps)
        in_flight: dict[Future[StepResult], Step] = {}
        while phase.ready or in_flight:
            while phase.ready and len(in_flight) < parallelism and not self.stopped:
                if self.should_stop():
                    self.stopped = True
                    break
                step = phase.ready.popleft()
                if self.hooks.started is not None:
                    self.hooks.started(step)
                in_flight[pool.submit(self.writer.run, step)] = step
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                step = in_flight.pop(future)
                self.record(future.result())
                phase.ended(step.id)

    def blocker(self, step: Step) -> StepResult | None:
        """The first step this one depends on that did not succeed, if any."""
        for dep in step.depends_on:
            result = self.results.get(dep)
            if result is not None and not result.outcome.succeeded:
                return result
        return None

    def record(self, result: StepResult) -> None:
        self.results[result.step_id] = result
        self._count_answer(result)
        if self.hooks.finished is not None:
            self.hooks.finished(result)

    def _count_answer(self, result: StepResult) -> None:
        if result.outcome is Outcome.FAILED and result.status is None:
            self.unanswered += 1
            if self.unanswered >= UNANSWERED_LIMIT and not self.stopped:
                self.stopped = True
                self.stop_reason = (
                    f"the store gave no answer to {UNANSWERED_LIMIT} changes in a row"
                )
        elif result.outcome.succeeded or result.status is not None:
            self.unanswered = 0
            self._break_circuit(result)

    def _break_circuit(self, answered: StepResult) -> None:
        status = answered.status or 0
        self.answered.append(status >= 500 or status == 429)
        if sum(self.answered) >= BREAKER_FAILURES and not self.stopped:
            self.stopped = True
            self.stop_reason = (
                f"{BREAKER_FAILURES} of the last {len(self.answered)} changes the store "
                "answered failed with a server error or throttling, each after its retries; "
                "the store is not taking changes now"
            )

    def result(self, steps: Sequence[Step]) -> ApplyResult:
        """Every step's result in apply order; steps never reached are not started."""
        for step in steps:
            if step.id not in self.results:
                self.record(_not_started(step))
        return ApplyResult(
            tuple(self.results[s.id] for s in steps),
            stopped=self.stopped,
            stop_reason=self.stop_reason,
        )


class _Phase:
    """The steps of one phase still to run: `ready` to start now, the rest waiting for
    steps of the same phase they depend on (steps of earlier phases have all ended)."""

    def __init__(self, run: _Run, steps: Sequence[Step]) -> None:
        self.run = run
        self.ready: deque[Step] = deque()
        self.waiting: dict[str, set[str]] = {}
        self.dependents: dict[str, list[Step]] = {}
        in_phase = {s.id for s in steps}
        for step in steps:
            pending = {d for d in step.depends_on if d in in_phase}
            self.waiting[step.id] = pending
            for dep in pending:
                self.dependents.setdefault(dep, []).append(step)
        for step in steps:
            if not self.waiting[step.id]:
                self.resolve(step)

    def resolve(self, step: Step) -> None:
        """A step whose dependencies have all ended: ready, or skipped if one failed."""
        blocker = self.run.blocker(step)
        if blocker is None:
            self.ready.append(step)
            return
        self.run.record(_skipped(step, blocker))
        self.ended(step.id)

    def ended(self, step_id: str) -> None:
        """A step has ended: its dependents may now be resolved."""
        for dependent in self.dependents.pop(step_id, []):
            self.waiting[dependent.id].discard(step_id)
            if not self.waiting[dependent.id]:
                self.resolve(dependent)


_ENDED = {
    Outcome.FAILED: "failed",
    Outcome.SKIPPED: "was skipped",
    Outcome.NOT_STARTED: "did not start",
}


def _skipped(step: Step, blocker: StepResult) -> StepResult:
    what = f'{blocker.action.value.replace("_", " ")} {blocker.kind.value} "{blocker.key}"'
    detail = f"depends on {what}, which {_ENDED[blocker.outcome]}"
    return step_result(step, Outcome.SKIPPED, target_id(step), detail=detail)


def _not_started(step: Step) -> StepResult:
    detail = "the apply was stopped before this step started"
    return step_result(step, Outcome.NOT_STARTED, target_id(step), detail=detail)
