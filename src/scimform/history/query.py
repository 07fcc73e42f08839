"""Picking one user's or one group's entries out of a history.

A name is followed through every identity it ever had: a user renamed while keeping its
externalId, a group renamed with `previously:`. Whoever asks by the old name or the new one
gets the same answer. Commits whose config did not load are kept in every answer, because
they are gaps in what the history can tell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from scimform.config.names import close_names
from scimform.history.changes import Event
from scimform.history.timeline import Entry, History
from scimform.model import user_key

_Names = Callable[[Event], Iterable[tuple[str, str | None]]]
_KeyOf = Callable[[Event], str | None]


@dataclass(frozen=True, slots=True)
class Answer:
    """The entries asked for; `known` is False when the name never appears in the history,
    and then `suggestions` holds the closest names that do."""

    entries: tuple[Entry, ...]
    known: bool = True
    suggestions: tuple[str, ...] = ()


def select(
    history: History, user: str | None = None, group: str | None = None, since: date | None = None
) -> Answer:
    """The entries about `user` or `group` (every entry when neither is given), dated
    `since` or later."""
    answer = Answer(history.entries)
    if user is not None:
        answer = _about(history, user, f"x:{user}", _user_names, lambda e: e.person)
    elif group is not None:
        answer = _about(history, group, f"gx:{group}", _group_names, lambda e: e.group)
    if since is None:
        return answer
    kept = tuple(e for e in answer.entries if date.fromisoformat(e.commit.date[:10]) >= since)
    return Answer(kept, answer.known, answer.suggestions)


def _user_names(event: Event) -> Iterable[tuple[str, str | None]]:
    """(userName, person key) pairs the event shows."""
    if event.subject == "user":
        yield event.name, event.person
        if event.field == "userName" and isinstance(event.before, str):
            yield event.before, event.person
    if event.member is not None:
        yield event.member, event.person


def _group_names(event: Event) -> Iterable[tuple[str, str | None]]:
    """(displayName, group key) pairs the event shows, former names (`previously:`) too."""
    if event.subject == "group":
        yield event.name, event.group
        if event.field == "displayName" and isinstance(event.before, str):
            yield event.before, event.group
        for alias in event.aliases:
            yield alias, event.group


def _about(history: History, name: str, external: str, names: _Names, key_of: _KeyOf) -> Answer:
    """The entries about the one `name` (or externalId key `external`) identifies."""
    wanted = user_key(name)
    identities = _Identities(history.links)
    found: set[str] = set()
    every: set[str] = set()
    for entry in history.entries:
        for shown, key in names(entry.event):
            every.add(shown)
            if key is not None and (user_key(shown) == wanted or key == external):
                found.add(identities.root(key))
    if not found:
        close = close_names(name, sorted(every), n=3)
        return Answer((), known=False, suggestions=tuple(close))
    kept = tuple(
        e
        for e in history.entries
        if e.event.subject == "config"
        or ((key := key_of(e.event)) is not None and identities.root(key) in found)
    )
    return Answer(kept)


class _Identities:
    """Union-find over identity keys: keys linked by a match are one person or group."""

    def __init__(self, links: Iterable[tuple[str, str]]) -> None:
        self._parent: dict[str, str] = {}
        for a, b in links:
            self._parent[self.root(a)] = self.root(b)

    def root(self, key: str) -> str:
        while (up := self._parent.get(key, key)) != key:
            key = self._parent[key] = self._parent.get(up, up)
        return key
