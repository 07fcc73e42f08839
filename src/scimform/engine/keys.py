"""Names as scimform compares them. AWS keeps userNames and displayNames unique whatever
their case, so an object's key is its kind and its name folded to one case: `Key` is that
value, and `NameIndex` finds objects by name, exactly where it can and else ignoring case
(a case-only difference is then a rename in place, never a delete and create).

Every comparison of object names in the engine goes through these two, not through
scattered `casefold()` calls.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


class Kind(enum.Enum):
    USER = "user"
    GROUP = "group"


def folded(name: str) -> str:
    """A name in the one case keys compare in."""
    return name.casefold()


@dataclass(frozen=True, slots=True)
class Key:
    """An object's key: equal to another key of the same kind whose name differs only in
    case. `name` is kept as written, for messages."""

    kind: Kind
    name: str = field(compare=False)
    folded: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded", folded(self.name))

    @classmethod
    def user(cls, name: str) -> Key:
        return cls(Kind.USER, name)

    @classmethod
    def group(cls, name: str) -> Key:
        return cls(Kind.GROUP, name)

    def __str__(self) -> str:
        return f'{self.kind.value} "{self.name}"'


class NameIndex(Generic[T]):
    """Values by name: `get` finds the exact name first, else the name ignoring case (the
    first value given for a folded name wins)."""

    def __init__(self, items: Iterable[tuple[str, T]] = ()) -> None:
        self._exact: dict[str, T] = {}
        self._folded: dict[str, T] = {}
        for name, value in items:
            self.add(name, value)

    def add(self, name: str, value: T) -> None:
        """Index `value` under `name`."""
        self._exact[name] = value
        self._folded.setdefault(folded(name), value)

    def get(self, name: str) -> T | None:
        """The value of `name`, exactly or else ignoring case; None when nobody has it."""
        found = self._exact.get(name)
        return found if found is not None else self._folded.get(folded(name))

    @property
    def by_exact_name(self) -> Mapping[str, T]:
        """The values by their exact names (for bulk lookups: `map(index.get, names)` over a
        million names costs no Python call each)."""
        return self._exact

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None
