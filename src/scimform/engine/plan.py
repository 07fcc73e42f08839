"""The plan: every change a diff found, with counts, warnings, the safety verdict, the
fingerprint of the live state it was made from, and a hash of it all.

A saved plan is a boundary, so the Plan is a pydantic model. Its JSON is deterministic:
sorted keys, sorted changes, no timestamps, so the same inputs give the same bytes. The
hash covers everything but itself and its signature; `from_json` refuses a plan whose hash
does not match (it was edited) or whose format version this scimform does not read, and
`engine.plan_check` judges the rest before apply. A plan never holds a
token: the engine never sees one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from scimform.engine.changes import Action, Change, LeftAlone
from scimform.engine.diff import diff
from scimform.engine.policy import Ownership, Safety
from scimform.engine.safety import LiveCounts, SafetyVerdict, assess
from scimform.engine.token_plan import TokenPlan
from scimform.errors import InvalidPlanError, first_problem
from scimform.model import DesiredState, LiveState

# 2: plans carry `tokens` (token findings and token changes).
# 3: safety breaches name their subject (memberships, a group's members); `signature`.
FORMAT_VERSION = 3


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Summary(_Frozen):
    """The counts of the summary line: objects to add, change (attributes or members) and
    destroy (a replace counts as one add and one destroy), members to add and remove (the
    members of a destroyed group included)."""

    add: int = 0
    change: int = 0
    destroy: int = 0
    members_add: int = 0
    members_remove: int = 0

    @classmethod
    def of(cls, changes: Sequence[Change]) -> Summary:
        """Count a plan's changes."""
        return cls(
            add=sum(c.creates for c in changes),
            change=sum(c.action in _IN_PLACE for c in changes),
            destroy=sum(c.destroys for c in changes),
            members_add=sum(len(c.members_added) for c in changes),
            members_remove=sum(len(c.members_removed) for c in changes),
        )


_IN_PLACE = (Action.UPDATE, Action.DEACTIVATE)


class Plan(_Frozen):
    """What apply would do to the live store, and whether it may without --force."""

    format_version: int = FORMAT_VERSION
    created_from: str
    hash: str = ""
    signature: str = ""
    summary: Summary = Summary()
    safety: SafetyVerdict = SafetyVerdict()
    left_alone: LeftAlone = LeftAlone()
    warnings: tuple[str, ...] = ()
    tokens: TokenPlan = TokenPlan()
    changes: tuple[Change, ...] = ()

    @property
    def has_changes(self) -> bool:
        """True when applying the plan would change the live store or its tokens."""
        return bool(self.changes) or bool(self.tokens.changes)

    def computed_hash(self) -> str:
        """sha256 of the plan's compact JSON without the hash itself, its signature (made
        over the hash) and the token findings, whose days left change every day (see
        engine.token_plan)."""
        unhashed: Any = {"hash": True, "signature": True, "tokens": {"findings": True}}
        return hashlib.sha256(self.model_dump_json(exclude=unhashed).encode()).hexdigest()

    def to_json(self) -> str:
        """The plan as JSON: the same plan always gives the same bytes (fields in a fixed
        order, attribute values sorted by name, changes and members sorted)."""
        return self.model_dump_json(indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "the plan") -> Plan:
        """Read a saved plan; a plan this scimform cannot read is an InvalidPlanError that
        names `source` and says what to do. Whether it can be trusted is for
        engine.plan_check to say."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidPlanError(
                f"{source} is not a scimform plan: not JSON ({exc.msg} at line {exc.lineno})"
            ) from None
        _check_version(data, source)
        try:
            plan = cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidPlanError(
                f"{source} is not a valid scimform plan: {first_problem(exc)}"
            ) from None
        if plan.hash != plan.computed_hash():
            raise InvalidPlanError(
                f"{source} was changed after it was made (its hash does not match its "
                "content); make a new plan with `scimform plan --out`"
            )
        return plan


def _check_version(data: Any, source: str) -> None:
    version = data.get("format_version") if isinstance(data, dict) else None
    if version != FORMAT_VERSION:
        raise InvalidPlanError(
            f"{source} has plan format version {version!r}, but this scimform reads version "
            f"{FORMAT_VERSION}; make a new plan with this scimform's `scimform plan --out`"
        )


def make_plan(
    desired: DesiredState,
    live: LiveState,
    ownership: Ownership,
    safety: Safety,
    tokens: TokenPlan | None = None,
) -> Plan:
    """Diff the desired state against the live state and judge the result: the Plan that
    plan renders and apply carries out. `tokens` is the token part, when it was checked."""
    found = diff(desired, live, ownership)
    plan = Plan(
        created_from=live.fingerprint(),
        changes=found.changes,
        summary=Summary.of(found.changes),
        left_alone=found.left_alone,
        warnings=found.warnings,
        safety=assess(found.changes, LiveCounts.of(live), safety),
        tokens=tokens or TokenPlan(),
    )
    return plan.model_copy(update={"hash": plan.computed_hash()})
