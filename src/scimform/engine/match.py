"""Which live object each desired object is: the identity rules of design.md.

A user is matched by externalId when both sides have one, else by userName; a group by
externalId, else displayName, else one of its `previously:` names. Names compare exactly
where they can, else case-insensitively (AWS treats userName uniqueness that way, and a
case-only difference is better made a rename than a delete and create). Each pass runs
over every desired object before the next pass starts, so a name match never takes a live
object that another desired object claims by externalId.

When a name matches but both sides carry different externalIds, the two are different
identities holding the same name: the desired object can only be created after the live
one is deleted (a replace).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from scimform.engine.keys import NameIndex, folded
from scimform.engine.policy import Ownership
from scimform.model import Group, User


class _Record(Protocol):
    @property
    def external_id(self) -> str | None: ...

    @property
    def id(self) -> str | None: ...


R = TypeVar("R", bound=_Record)


@dataclass(slots=True)
class Matching(Generic[R]):
    """The outcome of matching: pairs (desired, live), desired objects with no live
    counterpart, replaces (desired, the live object holding its name), and the live objects
    the config does not declare."""

    matched: list[tuple[R, R]] = field(default_factory=list)
    created: list[R] = field(default_factory=list)
    replaced: list[tuple[R, R]] = field(default_factory=list)
    undeclared: list[R] = field(default_factory=list)


def user_names(user: User) -> tuple[str, ...]:
    """The names a user is matched by: its userName."""
    return (user.user_name,)


def group_names(group: Group) -> tuple[str, ...]:
    """The names a group is matched by: its displayName, then its former ones."""
    return (group.display_name, *group.previously)


def same_identity(desired: R, live: R, names: Callable[[R], tuple[str, ...]]) -> bool:
    """The identity rule, one for plan, apply, import and history: a live object is the
    desired one when both carry an externalId and they are equal, or, when either has none,
    when the live object's name is one of the desired object's names (compared
    case-insensitively). A name held by a different externalId is a different identity."""
    if desired.external_id and live.external_id:
        return desired.external_id == live.external_id
    held = folded(names(live)[0])
    return any(folded(name) == held for name in names(desired))


def match(
    desired: Sequence[R], live: Sequence[R], names: Callable[[R], tuple[str, ...]]
) -> Matching[R]:
    """Match desired to live objects: by externalId, then by each name `names` gives in turn
    (the first is the object's own name; for live objects only the first is used). A name
    matches exactly if it can, else case-insensitively."""
    by_name = NameIndex((names(r)[0], r) for r in live)
    found, taken = _match_external(desired, live)
    clashes: dict[int, R] = {}
    wanted_names = [names(d) for d in desired]
    for position in range(max(map(len, wanted_names), default=0)):
        for index, wanted in enumerate(desired):
            if index in found or position >= len(wanted_names[index]):
                continue
            name = wanted_names[index][position]
            candidate = by_name.get(name)
            if candidate is None or candidate.id in taken:
                continue
            if not same_identity(wanted, candidate, names):
                clashes.setdefault(index, candidate)
                continue
            found[index] = candidate
            taken.add(candidate.id)
    return _collect(desired, live, found, clashes, taken)


def _match_external(
    desired: Sequence[R], live: Sequence[R]
) -> tuple[dict[int, R], set[str | None]]:
    by_external = {r.external_id: r for r in live if r.external_id}
    found: dict[int, R] = {}
    taken: set[str | None] = set()
    for index, wanted in enumerate(desired):
        candidate = by_external.get(wanted.external_id) if wanted.external_id else None
        # A second desired object with the same externalId (the loader refuses those) must
        # not take the same live object twice.
        if candidate is not None and candidate.id not in taken:
            found[index] = candidate
            taken.add(candidate.id)
    return found, taken


def _collect(
    desired: Sequence[R],
    live: Sequence[R],
    found: dict[int, R],
    clashes: dict[int, R],
    taken: set[str | None],
) -> Matching[R]:
    result: Matching[R] = Matching()
    for index, wanted in enumerate(desired):
        if index in found:
            result.matched.append((wanted, found[index]))
        elif index in clashes and clashes[index].id not in taken:
            result.replaced.append((wanted, clashes[index]))
            taken.add(clashes[index].id)
        else:
            result.created.append(wanted)
    result.undeclared = [r for r in live if r.id not in taken]
    return result


def managed_group_ids(
    desired: Sequence[Group], live: Sequence[Group], ownership: Ownership | None = None
) -> frozenset[str]:
    """The ids of the live groups whose members a reader must read before a plan can be
    made: the groups the config manages in place and, under `ownership`, the groups the
    plan may delete (so that a plan shows who loses access with them). Members of other
    groups are never needed."""
    matching = match(desired, live, group_names)
    ids = {g.id for _, g in matching.matched}
    if ownership is not None and ownership.prune:
        going = [*matching.undeclared, *(g for _, g in matching.replaced)]
        ids |= {g.id for g in going if not ownership.ignores_group(g.display_name)}
    return frozenset(i for i in ids if i is not None)
