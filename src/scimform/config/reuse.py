"""Work kept between loads of nearly identical config trees.

`scimform history`, `access` and `review` load the config at every commit, and
consecutive commits usually change one file or two of twenty. A `LoadCache`, passed to
`load_config`, keeps what each resource file gave by its path, its content's version (the
git blob id history wrote it from: unchanged files share it) and the mapping it was read
under (a `FileRead`): its diagnostics, its declarations, the findings of the rules that
look at one user alone (by the settings they read), the keys the rules over the whole
config look at (config.across) and its users' desired records (config.desired's
`UsersPiece`). Each load still joins every file's part: the rules over the whole config
are decided from the joined indexes, and run in full when those do not show them clean.

A load with a cache gives exactly what a load without one gives. The cache is an object
its caller owns (history's snapshot reader); nothing is kept anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scimform.config.across import UsersIndex, index_users
from scimform.config.declared import Declarations, Finding
from scimform.config.desired import UsersPiece, users_piece
from scimform.config.positions import PositionIndex
from scimform.config.schema import UserSpec
from scimform.config.yamlio import KeyPath
from scimform.diagnostics import Diagnostic
from scimform.model import User

# A file not used by this many loads in a row is dropped: enough for the trees of a few
# branches read in turn, few enough that memory stays that of a few trees.
KEEP_LOADS = 8


@dataclass(slots=True)
class FileRead:
    """What reading one resource file gave: the diagnostics of the file itself (it does
    not parse, it is empty), whether it could be read at all, what it declares, and its
    users' records as written (a mapping's check of the fields there are counts them).
    `checked` holds the findings of the per-user rules, by the settings they depend on,
    `index` what the rules over the whole config need of its users (config.across) and
    `piece` what the desired state needs of them and `found` the places of what was
    reported in it; nothing else in it changes once made."""

    direct: tuple[Diagnostic, ...]
    readable: bool
    declared: Declarations
    records: tuple[Mapping[str, Any], ...] = ()
    checked: dict[Hashable, tuple[Finding, ...]] = field(default_factory=dict)
    index: UsersIndex | None = None
    piece: UsersPiece | None = None
    found: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def places(self, index: PositionIndex) -> KeptPlaces:
        """Where key paths are in this file, `index` asked only for those not found yet."""
        return KeptPlaces(self.found, index)

    def users_index(self) -> UsersIndex:
        """The index the rules over the whole config read this file's users by."""
        if self.index is None:
            self.index = index_users(self.declared.users)
        return self.index

    def users_piece(self) -> UsersPiece:
        """This file's users as the desired state is built from them."""
        if self.piece is None:
            self.piece = users_piece(self.declared.users)
        return self.piece

    def user_findings(
        self, key: Hashable, check: Callable[[Declarations], list[Finding]]
    ) -> tuple[Finding, ...]:
        """What `check` finds in this file's users under settings `key`, found once."""
        found = self.checked.get(key)
        if found is None:
            found = self.checked[key] = tuple(check(self.declared))
        return found


class KeptPlaces:
    """A file's places (line, column) by key path, kept with its read: the file is
    composed again only for a place not asked for before."""

    def __init__(self, found: dict[KeyPath, tuple[int, int]], index: PositionIndex) -> None:
        self._found = found
        self._index = index

    def locate(self, path: KeyPath) -> tuple[int, int]:
        """1-based line and column of `path` (see PositionIndex.locate)."""
        place = self._found.get(path)
        if place is None:
            place = self._found[path] = self._index.locate(path)
        return place


@dataclass(slots=True)
class _Kept:
    read: FileRead
    used: int  # the last load that used it


class UserRecords:
    """Desired records by the spec they were built from and the manager resolved for it.
    A file the cache gives again gives the very same spec objects, so a spec is known by
    its identity (held here, so it cannot be another object's). Records not used by the
    last load are dropped when the next one starts."""

    def __init__(self) -> None:
        self._now: dict[int, tuple[UserSpec, str | None, User]] = {}
        self._before: dict[int, tuple[UserSpec, str | None, User]] = {}

    def get(
        self, spec: UserSpec, manager: str | None, build: Callable[[UserSpec, str | None], User]
    ) -> User:
        """The record of `spec` with `manager`, built by `build` when not known."""
        key = id(spec)
        found = self._now.get(key) or self._before.get(key)
        if found is None or found[0] is not spec or found[1] != manager:
            found = (spec, manager, build(spec, manager))
        self._now[key] = found
        return found[2]

    def turn(self) -> None:
        """A new load starts: keep only what the last one used."""
        self._before, self._now = self._now, {}


class LoadCache:
    """What loads of one changing tree can share (see the module doc). `version(path)`
    names the content of the file at `path` (None: unknown, then it is read afresh);
    two files with one version must hold the same bytes."""

    def __init__(self, version: Callable[[Path], str | None]) -> None:
        self._version = version
        self._files: dict[tuple[str, str, Hashable], _Kept] = {}
        self._loads = 0
        self.records = UserRecords()

    def start(self) -> None:
        """A load starts: forget the files the last loads did not use."""
        self._loads += 1
        self.records.turn()
        oldest = self._loads - KEEP_LOADS
        for key in [k for k, kept in self._files.items() if kept.used < oldest]:
            del self._files[key]

    def file(self, path: Path, context: Hashable, read: Callable[[], FileRead]) -> FileRead:
        """What reading `path` under `context` (what else the reading depends on) gives:
        kept from an earlier load of the same version, or read now by `read`."""
        version = self._version(path)
        if version is None:
            return read()
        key = (str(path), version, context)
        kept = self._files.get(key)
        if kept is None:
            kept = self._files[key] = _Kept(read(), self._loads)
        kept.used = self._loads
        return kept.read

    def kept(self) -> list[tuple[str, str]]:
        """The (path, version) of every file kept, in no particular order."""
        return [(path, version) for path, version, _ in self._files]
