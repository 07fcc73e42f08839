"""Who each userName is, on both sides of a diff.

Members and managers are named by userName, but a name is not an identity: a user renamed
in the config still has its old name in the live store, and a user replaced by a different
identity keeps its name. So every user gets one token per identity. A desired user and the
live user it matched share a token; a live user the config does not declare, or that a
replace destroys, has a token of its own. Member and manager comparisons compare tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import cast

from scimform.engine.changes import MemberRef
from scimform.engine.keys import NameIndex, folded
from scimform.engine.match import Matching
from scimform.model import User


class People:
    """Tokens for every desired and live user, and member references for each token."""

    def __init__(self, users: Matching[User]) -> None:
        self._desired: NameIndex[str] = NameIndex()
        self._live: NameIndex[str] = NameIndex()
        # (userName, live id) by token; MemberRefs are made only for the few members that
        # change, which keeps a no-op diff of a million memberships fast.
        self._refs: dict[str, tuple[str, str | None]] = {}
        self._live_refs: dict[str, tuple[str, str | None]] = {}
        for wanted, found in users.matched:
            token = self._declare(wanted, found.id)
            self._add_live(found, token)
        for wanted in users.created:
            self._declare(wanted, None)
        for wanted, found in users.replaced:
            self._declare(wanted, None)
            self._add_live(found, _live_token(found))
        for found in users.undeclared:
            token = _live_token(found)
            self._add_live(found, token)
            self._refs[token] = (found.user_name, found.id)

    def _declare(self, user: User, live_id: str | None) -> str:
        token = "d:" + folded(user.user_name)
        self._desired.add(user.user_name, token)
        self._refs[token] = (user.user_name, live_id)
        return token

    def _add_live(self, user: User, token: str) -> None:
        self._live.add(user.user_name, token)
        self._live_refs[token] = (user.user_name, user.id)

    def desired(self, user_name: str) -> str | None:
        """The token of a userName the config uses (a member or a manager): a declared user,
        else a live user of that name, else None (nobody of that name exists)."""
        return self._desired.get(user_name) or self.live(user_name)

    def live(self, user_name: str) -> str | None:
        """The token of a userName the live store uses."""
        return self._live.get(user_name)

    def desired_tokens(self, names: Iterable[str]) -> tuple[set[str], list[str]]:
        """The tokens of many userNames the config uses, and the names nobody has."""
        return _tokens(tuple(names), self._desired.by_exact_name, self.desired)

    def live_tokens(self, names: Iterable[str]) -> tuple[set[str], list[str]]:
        """The tokens of many userNames the live store uses, and the names nobody has."""
        return _tokens(tuple(names), self._live.by_exact_name, self.live)

    def added(self, token: str) -> MemberRef:
        """The member reference to add for a token: the desired name, the live id if any."""
        user_name, id = self._refs[token]
        return MemberRef(user_name=user_name, id=id)

    def removed(self, token: str) -> MemberRef:
        """The member reference to remove for a token: the live name and id."""
        user_name, id = self._live_refs[token]
        return MemberRef(user_name=user_name, id=id)


def _tokens(
    names: tuple[str, ...], exact: Mapping[str, str], lookup: Callable[[str], str | None]
) -> tuple[set[str], list[str]]:
    """The tokens of `names` and the names nobody has: first by exact name alone, the
    common case (every member written as declared), then through `lookup`."""
    tokens = set(map(exact.get, names))
    if None not in tokens:
        return cast(set[str], tokens), []
    found = {name: lookup(name) for name in names}
    unknown = sorted(name for name, token in found.items() if token is None)
    return {t for t in found.values() if t is not None}, unknown


def _live_token(user: User) -> str:
    return "l:" + (user.id or user.user_name)
