"""Safety: a plan that deletes or updates too large a share of the live store is unsafe.

Thresholds come from `safety:` in scimform.yaml and apply per kind (users, groups) to the
objects that exist live. Below `min_existing` live objects of a kind the thresholds do not
apply to that kind: on a near-empty store every change is a large share. Deletes count the
objects a plan destroys (deletes and the old halves of replaces); updates count the
objects whose attributes change. Member changes are not updates of an object.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from scimform.config.schema import SafetySpec
from scimform.engine.changes import Change, Kind

OVERRIDE_HINT = (
    "Re-run with --force to apply it anyway, or raise the threshold under `safety:` in "
    "scimform.yaml."
)


class Threshold(enum.Enum):
    MAX_DELETE_PCT = "max_delete_pct"
    MAX_UPDATE_PCT = "max_update_pct"


class Breach(BaseModel):
    """One threshold a plan exceeds, with the figures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: Threshold
    kind: Kind
    count: int
    existing: int
    limit_pct: float

    def describe(self) -> str:
        """The breach in words, e.g. "deletes 5 of 20 live users (25%), above ..."."""
        verb = "deletes" if self.threshold is Threshold.MAX_DELETE_PCT else "updates"
        share = 100 * self.count / self.existing
        return (
            f"{verb} {self.count} of {self.existing} live {self.kind.value}s ({share:.3g}%), "
            f"above safety.{self.threshold.value} ({self.limit_pct:g}%)"
        )


class SafetyVerdict(BaseModel):
    """Whether a plan may be applied without --force, and if not, why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    safe: bool = True
    breaches: tuple[Breach, ...] = ()


def assess(
    changes: Sequence[Change], live_users: int, live_groups: int, spec: SafetySpec
) -> SafetyVerdict:
    """Check a plan's changes against the thresholds, given how many users and groups exist
    live."""
    breaches: list[Breach] = []
    for kind, existing in ((Kind.USER, live_users), (Kind.GROUP, live_groups)):
        if existing == 0 or existing < spec.min_existing:
            continue
        of_kind = [c for c in changes if c.kind is kind]
        counts = (
            (Threshold.MAX_DELETE_PCT, sum(c.destroys for c in of_kind), spec.max_delete_pct),
            (
                Threshold.MAX_UPDATE_PCT,
                sum(c.changes_attributes for c in of_kind),
                spec.max_update_pct,
            ),
        )
        for threshold, count, limit in counts:
            if 100 * count > limit * existing:
                breaches.append(
                    Breach(
                        threshold=threshold,
                        kind=kind,
                        count=count,
                        existing=existing,
                        limit_pct=limit,
                    )
                )
    return SafetyVerdict(safe=not breaches, breaches=tuple(breaches))
