"""Name conflicts a plan cannot order away: a desired object whose name a different live
object still holds (AWS keeps userNames and displayNames unique, so the create or rename
would be refused with 409).

When this plan renames or deletes the holder, the conflict resolves itself on the next
apply; when scimform leaves the holder alone, it never does. Either way the user is told.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from scimform.engine.keys import Kind, NameIndex
from scimform.engine.match import Matching, R


def name_conflicts(
    matching: Matching[R],
    names: Callable[[R], tuple[str, ...]],
    kind: Kind,
    destroyed: Collection[str | None],
) -> list[str]:
    """Warnings for each desired object whose name another live object holds."""
    live = [found for _, found in matching.matched]
    live += [found for _, found in matching.replaced] + matching.undeclared
    held = NameIndex((names(r)[0], r) for r in live)
    renamed = {
        found.id for wanted, found in matching.matched if names(wanted)[0] != names(found)[0]
    }
    wanted: list[tuple[R, R | None]] = [*matching.matched, *((c, None) for c in matching.created)]
    out = []
    for desired, own in wanted:
        name = names(desired)[0]
        holder = held.get(name)
        if holder is None or holder is own:
            continue
        out.append(_conflict(kind, name, names(holder)[0], _fate(holder.id, renamed, destroyed)))
    return out


def _fate(
    id: str | None, renamed: Collection[str | None], destroyed: Collection[str | None]
) -> str:
    if id in renamed:
        return (
            "which this plan renames; the change may be refused on this apply and made on the next"
        )
    if id in destroyed:
        return (
            "which this plan deletes; the change may be refused on this apply and made on the next"
        )
    return (
        "which scimform leaves alone (the config does not declare it, and ownership.prune is "
        "off or it matches ownership.ignore); the change will be refused until that object is "
        "renamed or removed"
    )


def _conflict(kind: Kind, name: str, holder: str, fate: str) -> str:
    return f'{kind.value} "{name}": the name is held by the live {kind.value} "{holder}", {fate}'
