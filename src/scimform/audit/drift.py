"""The drift log: what the nightly drift check saw, one JSON line per drifted item per run,
kept beside the audit log on the `audit-log` branch (drift.jsonl).

An item is a fact of the drift plan (ci.facts): a create, a delete, a field, a member,
named by the sha256 of the fact (`item`; a present item's line carries the fact too). Its
kind says where it came from: `ahead`, the config is ahead of the store (a pull request
merged since the last successful apply showed it: merged, not applied), or `outside`, the
store changed outside git. A line with status `resolved` says the item is gone from the
plan. `incidents` folds the lines back into incidents: first seen, last seen, resolved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from scimform.errors import AuditError, first_problem

AHEAD = "ahead"
OUTSIDE = "outside"
Kind = Literal["ahead", "outside"]


class Observation(BaseModel):
    """One drifted item as one run saw it (see the module doc)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: Literal[1] = 1
    type: Literal["drift"] = "drift"
    time: datetime
    directory: str
    commit: str
    run: str | None = None
    item: str
    fact: str | None = None
    what: str
    subject: str
    kind: Kind
    pull_requests: tuple[int, ...] = ()
    first_seen: datetime
    status: Literal["present", "resolved"]


def kind_label(kind: str, pulls: Iterable[int]) -> str:
    """The kind in words: `config ahead of the store (merged, not applied: PR #7)`."""
    if kind == AHEAD:
        names = ", ".join(f"#{n}" for n in pulls)
        return f"config ahead of the store (merged, not applied: PR {names})"
    return "store changed outside git"


@dataclass(frozen=True, slots=True)
class Incident:
    """One drifted item from first seen to last seen; `resolved` is when a run first found
    it gone (None while it lasts)."""

    item: str
    what: str
    subject: str
    kind: str
    pull_requests: tuple[int, ...]
    first_seen: datetime
    last_seen: datetime
    resolved: datetime | None

    @property
    def label(self) -> str:
        return kind_label(self.kind, self.pull_requests)


def read_drift(path: Path) -> list[Observation]:
    """Every observation in the drift log at `path`, in order; a line that is not one is
    an AuditError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read the drift log {path}: {exc}") from None
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found.append(Observation.model_validate_json(line))
        except ValidationError as exc:
            raise AuditError(
                f"{path}:{number}: not a drift observation ({first_problem(exc, 'the line')})"
            ) from None
    return found


def incidents(observations: Iterable[Observation]) -> list[Incident]:
    """The observations folded per item, in time order: an item seen again after it was
    resolved is a new incident. Sorted by first seen."""
    open_: dict[tuple[str, str], Incident] = {}
    done: list[Incident] = []
    for seen in sorted(observations, key=lambda o: o.time):
        key = (seen.directory, seen.item)
        now = open_.get(key)
        if seen.status == "resolved":
            if now is not None:
                done.append(replace(now, resolved=seen.time))
                del open_[key]
            continue
        if now is None:
            now = Incident(seen.item, seen.what, seen.subject, seen.kind, seen.pull_requests,
                           min(seen.first_seen, seen.time), seen.time, None)  # fmt: skip
        open_[key] = replace(now, last_seen=seen.time, kind=seen.kind,
                              pull_requests=seen.pull_requests)  # fmt: skip
    return sorted([*done, *open_.values()], key=lambda i: (i.first_seen, i.subject, i.item))
