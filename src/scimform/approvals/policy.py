"""Who must approve each access change of a pull request, and whether they did.

The rules (README, "Approvals"):
- a membership change, rename, deletion or settings change (owners, an owner's github:
  login, sensitive, externalId) of a group with owners needs an approving review by one
  of its owners who is not the author; the owners are the group's before the change (a
  new group's are the ones it is created with), known on GitHub by their `github:` logins
  before the change;
- a change to a sensitive group (sensitive before or after) needs `approvals.sensitive`
  approvals (at least two, and at least `approvals.default`) from people other than the
  author, an owner's among them when it has owners;
- a change that grants the author access (adds the user whose `github:` is the author's
  login to a group, or creates or changes that user) needs at least one approval by
  someone else, whatever `approvals.default` says;
- a change to `approvals:` itself needs at least one approval by someone else;
- everything else needs `approvals.default` approvals from anyone but the author.
The numbers come from scimform.yaml at the base: a pull request cannot lower the bar it is
judged by. Approvals are counted by `reviews.approvals` (the author's never count).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scimform.approvals.changes import GROUP_KINDS, AccessChange, Kind
from scimform.approvals.reviews import Approvals
from scimform.config.schema import ApprovalsSpec
from scimform.model import DesiredState, Group, user_key

_SELF = frozenset({Kind.ADD_MEMBER, Kind.CREATE_USER, Kind.CHANGE_USER})


@dataclass(frozen=True, slots=True)
class Owner:
    """An owner of a group: their userName and GitHub login."""

    user_name: str
    login: str


@dataclass(frozen=True, slots=True)
class Need:
    """What one change needs: `approvals` from people other than the author, one of them
    from `owners` when there are any (of the group named `group`); `reasons` say why."""

    approvals: int
    group: str | None = None
    owners: tuple[Owner, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """A change, what it needs, whose approvals count for it and what is missing."""

    change: AccessChange
    need: Need
    approvers: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def met(self) -> bool:
        return not self.missing


@dataclass(frozen=True, slots=True)
class Context:
    """What the rules read besides the change: the config before and after, the numbers
    from the base's scimform.yaml, and the pull request's author (a GitHub login)."""

    base: DesiredState
    head: DesiredState
    numbers: ApprovalsSpec
    author: str

    def author_users(self) -> frozenset[str]:
        """The userNames (folded) whose `github:` is the author's login, before or after."""
        login = self.author.casefold()
        pairs = (*self.base.github, *self.head.github)
        return frozenset(user_key(name) for name, handle in pairs if handle.casefold() == login)


def need_of(change: AccessChange, context: Context) -> Need:
    """What `change` needs under the rules above."""
    numbers, reasons = context.numbers, []
    approvals = numbers.default
    group = change.before or change.after
    owners: tuple[Owner, ...] = ()
    if group is not None and (change.kind in GROUP_KINDS or change.kind is Kind.CREATE_GROUP):
        owners = _owners(change, context)
        if owners:
            reasons.append(f'group "{group.display_name}" has owners')
        if _sensitive(change.before, change.after):
            approvals = max(approvals, numbers.sensitive)
            reasons.append(f'group "{group.display_name}" is sensitive')
    if change.kind in _SELF and user_key(change.user or "") in context.author_users():
        approvals = max(approvals, 1)
        reasons.append(f"it grants the author ({context.author}) access")
    if change.kind is Kind.CHANGE_RULES:
        approvals = max(approvals, 1)
        reasons.append("it changes the rules later pull requests are judged by")
    if owners:
        approvals = max(approvals, 1)
    name = group.display_name if group is not None else None
    return Need(approvals, name, owners, tuple(reasons))


def _owners(change: AccessChange, context: Context) -> tuple[Owner, ...]:
    """The owners who may approve: the group's before the change, with their logins
    before it; a group created by the change, its own."""
    if change.before is not None:
        group, logins = change.before, dict(context.base.github)
    else:
        assert change.after is not None
        group, logins = change.after, dict(context.head.github)
    return tuple(Owner(o, logins[o]) for o in group.owners if o in logins)


def _sensitive(before: Group | None, after: Group | None) -> bool:
    return any(g is not None and g.sensitive for g in (before, after))


def judge(changes: Sequence[AccessChange], context: Context, approved: Approvals) -> list[Verdict]:
    """Each change with what it needs, who approved it and what is missing."""
    return [_verdict(change, need_of(change, context), context, approved) for change in changes]


def _verdict(change: AccessChange, need: Need, context: Context, approved: Approvals) -> Verdict:
    author = context.author.casefold()
    counted = tuple(a for a in approved.counted if a.casefold() != author)
    missing: list[str] = []
    if need.owners:
        logins = {o.login.casefold() for o in need.owners}
        if not any(a.casefold() in logins for a in counted):
            missing.append(_owner_missing(need, author))
    if len(counted) < need.approvals:
        more = need.approvals - len(counted)
        missing.append(f"{more} more approval{'' if more == 1 else 's'} (needs {need.approvals})")
    return Verdict(change, need, counted, tuple(missing))


def _owner_missing(need: Need, author: str) -> str:
    others = [o for o in need.owners if o.login.casefold() != author]
    if not others:
        return (
            f'an approval by an owner of group "{need.group}" other than the author, but the '
            "author is its only owner: someone else opens the pull request and the owner "
            "approves it, or the group gets a second owner"
        )
    shown = ", ".join(f"@{o.login} ({o.user_name})" for o in others)
    return f'an approval by an owner of group "{need.group}": {shown}'


def unmet(verdicts: Iterable[Verdict]) -> list[Verdict]:
    """The verdicts whose needs are not met."""
    return [v for v in verdicts if not v.met]
