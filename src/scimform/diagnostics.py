"""Diagnostics: what is wrong with the input, where, and what to do about it.

They are collected, never thrown one at a time, so that a user sees every problem in one
run. Each points at file:line:column where a position is known.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True)
class Location:
    """A place in an input file; line and column are 1-based, None when unknown."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: a stable code (e.g. `user.missing-given-name`), the rule in plain words,
    where it is, and a hint that says what to do."""

    severity: Severity
    code: str
    message: str
    location: Location | None = None
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        loc = self.location
        return (
            loc.file if loc else "",
            (loc.line or 0) if loc else 0,
            (loc.column or 0) if loc else 0,
            _SEVERITY_ORDER[self.severity],
            self.code,
            self.message,
        )


class Diagnostics:
    """An ordered collection of diagnostics."""

    def __init__(self, items: Iterable[Diagnostic] = ()) -> None:
        self._items: list[Diagnostic] = list(items)

    def add(self, diagnostic: Diagnostic) -> None:
        self._items.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self._items.extend(diagnostics)

    def error(
        self, code: str, message: str, location: Location | None = None, hint: str | None = None
    ) -> None:
        self.add(Diagnostic(Severity.ERROR, code, message, location, hint))

    def warning(
        self, code: str, message: str, location: Location | None = None, hint: str | None = None
    ) -> None:
        self.add(Diagnostic(Severity.WARNING, code, message, location, hint))

    def info(
        self, code: str, message: str, location: Location | None = None, hint: str | None = None
    ) -> None:
        self.add(Diagnostic(Severity.INFO, code, message, location, hint))

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self._items)

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self._items if d.severity is severity)

    def sorted(self) -> list[Diagnostic]:
        """Deterministic order: by file, line, column, then severity and code."""
        return sorted(self._items, key=Diagnostic.sort_key)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
