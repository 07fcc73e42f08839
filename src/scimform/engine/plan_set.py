"""The plans of several targets, one per target, as one document.

A config with `targets:` plans each target against its own store; `plan --json` and
`plan --out` write one document that holds each target's plan under its name (and, for a
target that could not be planned, why), in the config's order:

    {"format": "scimform-plans", "format_version": 1,
     "targets": {"sandbox": {...a plan...}, "production": {...}},
     "errors": {}}

Each plan in it is exactly a single-target plan (its own version, fingerprint and hash),
so each is checked as a saved plan is. A config with the single `target:` keeps writing
one plan, as before. The exit status rolls up as `rolled_up_exit` says.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from scimform.engine.plan import Plan
from scimform.errors import InvalidPlanError, UnsafePlanError

FORMAT = "scimform-plans"
FORMAT_VERSION = 1

EXIT_NO_CHANGES = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2


class PlanSet(BaseModel):
    """Each target's plan by name, and the targets that could not be planned (why)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["scimform-plans"] = "scimform-plans"
    format_version: int = FORMAT_VERSION
    targets: dict[str, Plan] = {}
    errors: dict[str, str] = {}

    def to_json(self) -> str:
        """The document: the same plans always give the same bytes."""
        return self.model_dump_json(indent=2) + "\n"

    @classmethod
    def from_json(cls, data: Any, source: str = "the plan") -> PlanSet:
        """Read a saved document (already parsed from JSON); each plan in it is read as a
        saved plan is (`Plan.from_json`), so an edited one is refused by name."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InvalidPlanError(f"{source} is not a scimform plan of several targets")
        if data.get("format_version") != FORMAT_VERSION:
            raise InvalidPlanError(
                f"{source} has plans format version {data.get('format_version')!r}, but this "
                f"scimform reads version {FORMAT_VERSION}; make a new plan with `scimform plan "
                "--out`"
            )
        targets, errors = data.get("targets"), data.get("errors", {})
        if not isinstance(targets, dict) or not isinstance(errors, dict):
            raise InvalidPlanError(f"{source} is not a valid scimform plan of several targets")
        plans = {
            str(name): Plan.from_json(json.dumps(plan), source=f"{source} (target {name})")
            for name, plan in targets.items()
        }
        return cls(targets=plans, errors={str(k): str(v) for k, v in errors.items()})


def target_key(key: bytes | None, name: str) -> bytes | None:
    """The key that signs target `name`'s plan: derived from SCIMFORM_PLAN_KEY and the
    name, so that a signed plan moved under another target's name is refused."""
    if key is None:
        return None
    return hmac.new(key, b"scimform-target:" + name.encode(), hashlib.sha256).digest()


def is_plan_set(data: Any) -> bool:
    """Whether parsed JSON is a plan set rather than one target's plan."""
    return isinstance(data, dict) and data.get("format") == FORMAT


def exit_code(plan: Plan) -> int:
    """One target's exit status: 0 no changes, 2 changes, 3 unsafe changes; 1 when the
    token check found errors."""
    if plan.tokens.has_errors:
        return EXIT_ERROR
    if not plan.has_changes:
        return EXIT_NO_CHANGES
    return EXIT_CHANGES if plan.safety.safe else UnsafePlanError.exit_code


def rolled_up_exit(plans: PlanSet) -> int:
    """The exit status of several targets: 1 if any target could not be planned or has
    a token error; else 3 if any target's plan is unsafe; else 2 if any has changes; else
    0."""
    codes = {exit_code(plan) for plan in plans.targets.values()}
    if plans.errors or EXIT_ERROR in codes:
        return EXIT_ERROR
    for code in (UnsafePlanError.exit_code, EXIT_CHANGES):
        if code in codes:
            return code
    return EXIT_NO_CHANGES
