"""The drift issue's timeline: per drifted item, first seen and last seen, what it is, and
whether the config is ahead of the store (merged, not applied: PR #N) or the store changed
outside git; items gone from the plan stay, marked resolved with their last-seen date.

The timeline survives runs inside the issue body, as a hidden block the next run reads
back: `<!-- scimform-drift-timeline sha256=H DATA -->`, DATA the base64 of its JSON
(zlib-compressed) and H that JSON's sha256. Items are named by the sha256 of their fact
and carry its description. A timeline too big for the issue keeps the items it has room
for. A block that is missing, unparsable, for another directory or whose hash does not
match (edited by hand) is set aside with a reason, and the timeline starts again from this
run; the branch's drift log keeps every run's observations regardless.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationError

from scimform.audit.drift import Kind, Observation, kind_label
from scimform.ci import facts as ci_facts
from scimform.ci.comment import directory_key

_BLOCK = re.compile(r"<!-- scimform-drift-timeline sha256=([0-9a-f]{64}) ([A-Za-z0-9+/=]*) -->")
KEEP_RESOLVED = 200  # resolved items shown; the drift log on the branch keeps them all
BLOCK_ROOM = 30_000  # characters of the issue body the block may take
_WHAT = 300
_UNPACKED_MAX = 8 * 1024 * 1024  # a block edited into a zip bomb is refused, not inflated


def item_id(fact: str) -> str:
    """The name of a drifted item: the sha256 of its fact (32 hex digits)."""
    return hashlib.sha256(fact.encode("utf-8")).hexdigest()[:32]


class Item(BaseModel):
    """One drifted item of the timeline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    what: str
    subject: str
    kind: Kind
    pull_requests: tuple[int, ...] = ()
    first_seen: datetime
    last_seen: datetime
    resolved: datetime | None = None


class Timeline(BaseModel):
    """The timeline of one config directory's drift issue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    directory: str
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class ReadBack:
    """The timeline read from an issue body, or why none could be (None when there was
    simply no block, as in a new issue)."""

    timeline: Timeline | None
    problem: str | None = None


def block(timeline: Timeline) -> tuple[str, int]:
    """The hidden block that carries `timeline` in the issue body, and how many items had
    no room in it (the last ones: oldest resolved, then newest present)."""
    items = list(timeline.items)
    while True:
        data = timeline.model_copy(update={"items": tuple(items)}).model_dump_json().encode()
        packed = base64.b64encode(zlib.compress(data, 9)).decode()
        if len(packed) <= BLOCK_ROOM or not items:
            break
        items = items[: len(items) * 9 // 10]
    digest = hashlib.sha256(data).hexdigest()
    dropped = len(timeline.items) - len(items)
    return f"<!-- scimform-drift-timeline sha256={digest} {packed} -->", dropped


def read_back(body: str, directory: str) -> ReadBack:
    """The timeline in `body`, checked; never raises."""
    found = _BLOCK.search(body)
    if found is None:
        has = "scimform-drift-timeline" in body
        return ReadBack(None, "its timeline block is damaged" if has else None)
    digest, data = found.groups()
    try:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(base64.b64decode(data, validate=True), _UNPACKED_MAX)
    except (binascii.Error, ValueError, zlib.error):
        return ReadBack(None, "its timeline block cannot be decoded")
    if inflate.unconsumed_tail:
        return ReadBack(None, "its timeline block is too big")
    if hashlib.sha256(raw).hexdigest() != digest:
        return ReadBack(None, "its timeline block does not match its hash (edited by hand?)")
    try:
        timeline = Timeline.model_validate_json(raw)
    except ValidationError:
        return ReadBack(None, "its timeline block is not a timeline")
    if timeline.version != 1 or timeline.directory != directory_key(directory):
        return ReadBack(None, "its timeline block is for another directory or version")
    return ReadBack(timeline)


def advance(
    before: Timeline | None,
    directory: str,
    facts: Sequence[str],
    ahead: Mapping[str, tuple[int, ...]],
    now: datetime,
    notes: Mapping[str, str] | None = None,
) -> Timeline:
    """The timeline after a run at `now` that found `facts`; `ahead` maps each fact a
    pending pull request showed to those pull requests, `notes` adds words to a fact's
    description (the groups a deleted user is in). Present items first (oldest first seen
    first), then the resolved ones, latest first."""
    old = {i.id: i for i in (before.items if before else ()) if i.resolved is None}
    items = []
    for fact in sorted(set(facts)):
        what = ci_facts.describe(fact) + (notes or {}).get(fact, "")
        pulls = ahead.get(fact, ())
        kind: Kind = "ahead" if pulls else "outside"
        was = old.pop(item_id(fact), None)
        items.append(
            Item(
                id=item_id(fact), what=what[:_WHAT],
                subject=ci_facts.subject(fact)[:_WHAT], kind=kind, pull_requests=pulls,
                first_seen=was.first_seen if was is not None else now, last_seen=now,
            )
        )  # fmt: skip
    items.sort(key=lambda i: (i.first_seen, i.subject, i.what))
    gone = [i.model_copy(update={"resolved": now}) for i in old.values()]
    resolved = [i for i in (before.items if before else ()) if i.resolved is not None]
    kept = sorted([*gone, *resolved], key=lambda i: i.resolved or now, reverse=True)
    return Timeline(directory=directory_key(directory), items=(*items, *kept[:KEEP_RESOLVED]))


def observations(
    timeline: Timeline,
    now: datetime,
    facts: Sequence[str],
    where: tuple[str, str, str | None],
) -> list[Observation]:
    """What this run saw, for the drift log: every item present now (with its fact) and
    every item it found gone. `where` is (directory, commit, run URL)."""
    directory, commit, run = where
    by_id = {item_id(f): f for f in facts}
    found = []
    for item in timeline.items:
        if item.resolved is not None and item.resolved != now:
            continue
        found.append(
            Observation(
                time=now, directory=directory_key(directory), commit=commit, run=run,
                item=item.id, fact=by_id.get(item.id), what=item.what, subject=item.subject,
                kind=item.kind, pull_requests=item.pull_requests, first_seen=item.first_seen,
                status="present" if item.resolved is None else "resolved",
            )
        )  # fmt: skip
    return found


def markdown(timeline: Timeline, problem: str | None) -> str:
    """The timeline as a table for the issue body."""
    lines = ["### Timeline", ""]
    if problem:
        lines += [
            f"> The previous timeline was set aside: {problem}. First-seen dates restart "
            "at this run; the drift log on the audit-log branch has them.",
            "",
        ]
    lines += [
        "| status | first seen | last seen | what | kind |",
        "| --- | --- | --- | --- | --- |",
    ]
    for item in timeline.items:
        status = "present" if item.resolved is None else f"resolved {_day(item.resolved)}"
        what = item.what.replace("|", "\\|").replace("`", "'")
        lines.append(
            f"| {status} | {_day(item.first_seen)} | {_day(item.last_seen)} | `{what}` | "
            f"{kind_label(item.kind, item.pull_requests)} |"
        )
    lines += ["", "A change a pull request merged since the last successful apply showed is "
              "the config ahead of the store; anything else changed in the store outside git "
              "(or was pushed to the config without a pull request).", ""]  # fmt: skip
    return "\n".join(lines) + "\n"


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
