"""A plan as JSON: the saved-plan format itself, deterministic to the byte."""

from __future__ import annotations

from scimform.engine.plan import Plan


def render_json(plan: Plan) -> str:
    """The plan's JSON (format version, live-state fingerprint, hash, changes, ...): the
    same plan always gives the same bytes, and `Plan.from_json` reads it back."""
    return plan.to_json()
