"""Keeping comments with what they describe when `fmt` reorders keys and sorts lists.

ruamel.yaml stores a full-line comment as the tail of the item *before* it (for a nested
value, of that value's last item). Reordering naively would leave a comment above the
wrong key. So before moving items, the lines that precede each item are taken off their
holder; after moving, they are put back on whatever now precedes the item. An item's
end-of-line comment is keyed to the item itself and moves with it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from itertools import pairwise
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

Container = CommentedMap | CommentedSeq


def _slot(container: Container) -> int:
    # Where ruamel keeps the comment after an item: index 2 for mappings, 0 for sequences.
    return 2 if isinstance(container, CommentedMap) else 0


def tail_holder(container: Container, key: Hashable) -> tuple[Container, Hashable]:
    """The (container, key) whose comment slot holds what follows the item `key`."""
    value = container[key]
    while isinstance(value, CommentedMap | CommentedSeq) and len(value) > 0:
        container = value
        key = next(reversed(value)) if isinstance(value, CommentedMap) else len(value) - 1
        value = container[key]
    return container, key


def take_following(container: Container, key: Hashable) -> str:
    """Remove and return the full comment lines after item `key` (its own end-of-line
    comment stays)."""
    holder, hkey = tail_holder(container, key)
    entry = holder.ca.items.get(hkey)
    token = entry[_slot(holder)] if entry else None
    if token is None:
        return ""
    head, _, rest = str(token.value).partition("\n")
    if head.strip():
        token.value = head + "\n"
    else:
        entry[_slot(holder)] = None
    return rest


def put_following(container: Container, key: Hashable, lines: str) -> None:
    """Append full comment lines after item `key`."""
    if not lines:
        return
    holder, hkey = tail_holder(container, key)
    entry = holder.ca.items.setdefault(hkey, [None, None, None, None])
    token = entry[_slot(holder)]
    if token is None:
        entry[_slot(holder)] = CommentToken("\n" + lines, CommentMark(0))
    else:
        token.value = token.value + lines


def reorder_map(mapping: CommentedMap, order: Sequence[Hashable]) -> None:
    """Put the keys of `mapping` in `order` (a permutation of its keys), comments along."""
    keys = list(mapping)
    if keys == list(order):
        return
    before = {key: take_following(mapping, prev) for prev, key in pairwise(keys)}
    end = take_following(mapping, keys[-1])
    for key in order:
        mapping.move_to_end(key)
    for prev, key in pairwise(order):
        put_following(mapping, prev, before.get(key, ""))
    put_following(mapping, order[-1], end)


def sort_names(seq: CommentedSeq, sort_key: Any) -> None:
    """Sort a list of plain names and drop exact duplicates, comments along (a dropped
    duplicate's comments join those of the copy that stays)."""
    items = list(seq)
    if not items or not all(isinstance(item, str) for item in items):
        return
    unique = sorted(dict.fromkeys(items), key=sort_key)
    if unique == items:
        return
    before = {i: take_following(seq, i - 1) for i in range(1, len(items))}
    end = take_following(seq, len(items) - 1)
    eol = {i: _eol_token(seq, i) for i in range(len(items))}
    first = {value: i for i, value in reversed(list(enumerate(items)))}
    seq.ca.items.clear()
    list.__setitem__(seq, slice(None), unique)  # CommentedSeq's own would restyle the names
    for new, value in enumerate(unique):
        old = first[value]
        lines = before.get(old, "") + "".join(
            before.get(i, "") + _as_line(eol[i])
            for i, other in enumerate(items)
            if other == value and i != old
        )
        if eol[old] is not None:
            seq.ca.items[new] = [eol[old], None, None, None]
        if new == 0:
            _put_leading(seq, lines)
        else:
            put_following(seq, new - 1, lines)
    put_following(seq, len(unique) - 1, end)


def _eol_token(seq: CommentedSeq, index: int) -> CommentToken | None:
    entry = seq.ca.items.get(index)
    return entry[0] if entry else None


def _as_line(token: CommentToken | None) -> str:
    return f"{token.value.strip()}\n" if token is not None else ""


def _put_leading(seq: CommentedSeq, lines: str) -> None:
    """Comment lines above the first item of a list."""
    if not lines:
        return
    token = CommentToken(lines, CommentMark(0))
    if seq.ca.comment is None:
        seq.ca.comment = [None, [token]]
    elif seq.ca.comment[1] is None:
        seq.ca.comment[1] = [token]
    else:
        seq.ca.comment[1].append(token)


def tidy_end_of_line(container: Container) -> None:
    """Write every end-of-line comment two spaces after its value, as black does."""
    slot = _slot(container)
    for entry in container.ca.items.values():
        token = entry[slot] if len(entry) > slot else None
        if token is None:
            continue
        head, newline, rest = str(token.value).partition("\n")
        if head.strip():
            token.value = f" {head.strip()}{newline}{rest}"
            token.start_mark = CommentMark(0)
