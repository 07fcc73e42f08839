"""A window of landing time: `--since` and `--until` as dates, times or revisions.

A date is a whole day in UTC: `--since 2026-07-01` starts at its first moment and
`--until 2026-09-30` ends at its last. A time (`2026-07-01T12:00:00+02:00`) is that moment.
Anything else is a git revision (a sha, a tag, `main~3`): `--since REV` keeps what landed
after REV (as `git log REV..` does) and `--until REV` what landed up to and with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from scimform.errors import ScimformError
from scimform.history.git import open_repository, resolve_revision
from scimform.history.timeline import Entry, History

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True, slots=True)
class Bound:
    """One end of a window: a moment in UTC, or a position on the first-parent line."""

    text: str
    moment: datetime | None = None
    position: int | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """What landed after `since` and up to `until` (either may be open)."""

    since: Bound | None = None
    until: Bound | None = None

    def keep(self, entries: Iterable[Entry], history: History) -> tuple[Entry, ...]:
        """The entries that landed inside the window."""
        where = {sha: index for index, sha in enumerate(history.line)}
        return tuple(e for e in entries if self.holds(e.landed, where.get(e.landed_by.sha)))

    def holds(self, landed: datetime, position: int | None) -> bool:
        """True when a change that landed at `landed` (at `position` on the line) is in."""
        since, until = self.since, self.until
        if since is not None:
            if since.moment is not None and landed < since.moment:
                return False
            if since.position is not None and (position is None or position <= since.position):
                return False
        if until is not None:
            if until.moment is not None and landed > until.moment:
                return False
            if until.position is not None and (position is None or position > until.position):
                return False
        return True


def start_of(text: str) -> datetime | None:
    """The first moment a date or time names, in UTC; None when it names neither."""
    return _moment(text, end=False)


def end_of(text: str) -> datetime | None:
    """The last moment a date or time names (a date's last microsecond), in UTC."""
    return _moment(text, end=True)


def _moment(text: str, *, end: bool) -> datetime | None:
    if _DAY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        if end:
            return datetime.combine(day + timedelta(days=1), time(), UTC) - timedelta(
                microseconds=1
            )
        return datetime.combine(day, time(), UTC)
    if _MOMENT.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def window(directory: Path, history: History, since: str | None, until: str | None) -> Window:
    """The window `since` and `until` name; a ScimformError for a revision that names no
    commit, or one that did not land on the default branch's first-parent line."""
    return Window(
        _bound(directory, history, since, end=False) if since else None,
        _bound(directory, history, until, end=True) if until else None,
    )


def _bound(directory: Path, history: History, text: str, *, end: bool) -> Bound:
    if _DAY.match(text) or _MOMENT.match(text):
        moment = _moment(text, end=end)
        if moment is None:
            raise ScimformError(f'"{text}" is not a date (YYYY-MM-DD) or a time (ISO 8601)')
        # --since D starts at D; --until D ends with D's last moment.
        return Bound(text, moment=moment)
    sha = resolve_revision(open_repository(directory), text)
    if sha is None:
        raise ScimformError(
            f'"{text}" is neither a date (YYYY-MM-DD) nor a revision of this repository'
        )
    if sha not in history.line:
        raise ScimformError(
            f'"{text}" ({sha[:7]}) did not land on the default branch: give a commit of '
            "its first-parent history (a merge, not a commit on a branch), or a date"
        )
    return Bound(text, position=history.line.index(sha))
