"""The result of an apply: what became of each step of the plan.

Every step ends in one outcome: done, adopted (a create found the object already there and
took it over), failed (with the store's status and detail), skipped (a step it depends on
did not succeed) or not started (the apply was stopped first). Nothing here holds a token:
details come from the store's error messages, which the backend has already cleaned.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass

from scimform.engine.changes import Action, Kind, MemberRef


class Outcome(enum.Enum):
    DONE = "done"
    ADOPTED = "adopted"
    FAILED = "failed"
    SKIPPED = "skipped"
    NOT_STARTED = "not started"

    @property
    def succeeded(self) -> bool:
        """True when the step's change is now in the live store."""
        return self in (Outcome.DONE, Outcome.ADOPTED)


@dataclass(frozen=True, slots=True)
class StepResult:
    """One step's outcome: which object, what was done, the SCIM id it has (or had), and
    for a step that did not succeed, why (`detail`, and the HTTP `status` if there was one).
    `members` counts the members a member step added or removed, `member_refs` names
    them (userName and id)."""

    step_id: str
    kind: Kind
    key: str
    action: Action
    outcome: Outcome
    id: str | None = None
    members: int = 0
    detail: str | None = None
    status: int | None = None
    member_refs: tuple[MemberRef, ...] = ()


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """Every step's result, in apply order, and whether the apply was stopped early."""

    steps: tuple[StepResult, ...] = ()
    stopped: bool = False
    stop_reason: str | None = None  # why, when apply stopped itself (None for Ctrl-C)

    @property
    def succeeded(self) -> bool:
        """True when every step succeeded: the live store now holds the whole plan."""
        return all(r.outcome.succeeded for r in self.steps)

    def count(self, outcome: Outcome) -> int:
        """How many steps ended in `outcome`."""
        return sum(1 for r in self.steps if r.outcome is outcome)

    def counts(self) -> Counter[Outcome]:
        """Steps by outcome."""
        return Counter(r.outcome for r in self.steps)

    def unsuccessful(self) -> list[StepResult]:
        """The steps that failed, were skipped or were not started, in apply order."""
        return [r for r in self.steps if not r.outcome.succeeded]
