"""Group members on both sides of a diff, as identity tokens (see engine.people)."""

from __future__ import annotations

from collections.abc import Iterable

from scimform.engine.changes import MemberRef
from scimform.engine.keys import folded
from scimform.engine.people import People
from scimform.errors import LiveReadError
from scimform.model import Group


def wanted_members(group: Group, people: People, warnings: list[str]) -> set[str]:
    """Tokens of the members the config gives a group; a name nobody has is left out with a
    warning (the config loader normally refuses such names before a plan is made)."""
    tokens, unknown = people.desired_tokens(group.members)
    warnings += [
        f'group "{group.display_name}": member "{name}" is neither declared nor in the live '
        "store; it is left out"
        for name in unknown
    ]
    return tokens


def live_members(group: Group, people: People) -> set[str]:
    """Tokens of a live group's members. A member who is not among the live users means the
    read was inconsistent, and an inconsistent live state is never diffed."""
    tokens, unknown = people.live_tokens(group.members)
    if unknown:
        raise LiveReadError(
            f'live group "{group.display_name}" lists member "{unknown[0]}", who is not among '
            "the live users read; the live state is inconsistent, so no plan is made"
        )
    return tokens


def sorted_refs(refs: Iterable[MemberRef]) -> tuple[MemberRef, ...]:
    """Member references in a deterministic order: by userName, case-insensitively first."""
    return tuple(sorted(refs, key=lambda r: (folded(r.user_name), r.user_name)))
