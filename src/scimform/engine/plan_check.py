"""The gates a plan passes before apply carries it out. Nothing in a plan that can be
recomputed is trusted:

- integrity: its hash matches its content, its counts are those of its changes, and with
  a signing key its signature is the key's (a plan made in one CI job and applied in
  another can be authenticated);
- freshness: the live store is exactly as it was when the plan was made, and the token
  changes are those a plan made now would make;
- consistency: every change describes the live store as it is (the objects it updates or
  deletes exist with those ids and attributes, the members it removes are members, the
  names it creates are free), so an edited change is refused even with a matching
  fingerprint;
- safety: the verdict is judged again from the changes and the live store; the plan's own
  verdict is only compared.

Pure: each function takes data and returns data or raises a typed error.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

from scimform.engine.changes import Action, Change, Kind, user_attributes
from scimform.engine.fields import group_attributes
from scimform.engine.keys import Key
from scimform.engine.plan import Plan, Summary
from scimform.engine.policy import Safety
from scimform.engine.safety import LiveCounts, SafetyVerdict, assess
from scimform.errors import InvalidPlanError, StalePlanError
from scimform.model import Group, LiveState, User

_SHOWN = 5


def sign(plan: Plan, key: bytes) -> Plan:
    """The plan with its signature: HMAC-SHA256 of its hash under `key`."""
    return plan.model_copy(update={"signature": _mac(plan.hash, key)})


def check_integrity(plan: Plan, key: bytes | None, source: str = "the plan") -> None:
    """Refuse a plan whose hash, counts or (with `key`) signature do not hold."""
    if plan.hash != plan.computed_hash():
        raise InvalidPlanError(
            f"{source} was changed after it was made (its hash does not match its content); "
            "make a new plan with `scimform plan --out`"
        )
    if Summary.of(plan.changes) != plan.summary:
        raise InvalidPlanError(
            f"{source} was edited: its summary does not count its changes; make a new plan"
        )
    if key is None:
        return
    if not plan.signature:
        raise InvalidPlanError(
            f"{source} is not signed, but a plan signing key is set (SCIMFORM_PLAN_KEY): "
            "only plans made with that key are applied"
        )
    if not hmac.compare_digest(plan.signature, _mac(plan.hash, key)):
        raise InvalidPlanError(
            f"{source} is signed with another key, or was edited after it was signed"
        )


def check_fresh(saved: Plan, fresh: Plan, live: LiveState, source: str = "the plan") -> None:
    """Refuse a saved plan made against another live state than `live`, naming the objects
    a plan made now (`fresh`) treats differently."""
    stale_tokens = saved.tokens.changes != fresh.tokens.changes
    if saved.created_from == live.fingerprint() and not stale_tokens:
        return
    before = {c.ident: c for c in saved.changes}
    now = {c.ident: c for c in fresh.changes}
    differing = sorted(
        (k for k in before.keys() | now.keys() if before.get(k) != now.get(k)),
        key=lambda k: (k.kind.value, k.folded),
    )
    shown = ", ".join(str(key) for key in differing[:_SHOWN])
    more = len(differing) - _SHOWN
    what = f" A plan made now differs for {shown}" + (f" and {more} more" if more > 0 else "")
    what = what + "." if differing else " A plan made now would make the same changes."
    if stale_tokens:
        what += " Its token changes differ from those a plan made now would make."
    raise StalePlanError(
        f"{source} is stale: the live store changed since it was made, so it was not "
        f"applied.{what} Make a new plan with `scimform plan --out` and review it."
    )


def check_consistent(plan: Plan, live: LiveState, source: str = "the plan") -> None:
    """Refuse a plan a change of which does not describe `live` as it is."""
    problems = list(_inconsistencies(plan, live))
    if problems:
        listed = "; ".join(problems[:_SHOWN]) + ("; ..." if len(problems) > _SHOWN else "")
        raise InvalidPlanError(
            f"{source} does not describe the live store it claims to be made from ({listed}); "
            "it was edited, so it was not applied. Make a new plan and review it."
        )


def judge(plan: Plan, live: LiveState, policy: Safety) -> SafetyVerdict:
    """The safety verdict of `plan`'s changes against `live`, recomputed."""
    return assess(plan.changes, LiveCounts.of(live), policy)


def _mac(plan_hash: str, key: bytes) -> str:
    return hmac.new(key, plan_hash.encode(), hashlib.sha256).hexdigest()


def _inconsistencies(plan: Plan, live: LiveState) -> Iterator[str]:
    users = {u.id: u for u in live.users}
    groups = {g.id: g for g in live.groups}
    taken = {Key.user(u.user_name) for u in live.users}
    taken |= {Key.group(g.display_name) for g in live.groups}
    for change in plan.changes:
        where = f'{change.kind.value} "{change.key}"'
        if change.action is Action.CREATE:
            if change.ident in taken:
                yield f"{where} is created, but the live store has it"
            continue
        found = (users if change.kind is Kind.USER else groups).get(change.id)
        if found is None:
            yield f"{where} has id {change.id}, which no live {change.kind.value} has"
            continue
        if change.before != _attributes(found):
            yield f"{where}: its before values are not the live ones"
        if isinstance(found, Group):
            yield from _member_problems(change, found, where, users)


def _attributes(found: User | Group) -> dict[str, str | bool | None]:
    values = user_attributes(found) if isinstance(found, User) else group_attributes(found)
    return dict(sorted(values.items()))


def _member_problems(
    change: Change, group: Group, where: str, users: dict[str | None, User]
) -> Iterator[str]:
    by_id = {id: u.user_name for id, u in users.items()}
    if change.members_removed and group.id is not None:
        for ref in change.members_removed:
            if by_id.get(ref.id) != ref.user_name or ref.user_name not in group.members:
                yield f"{where}: removes {ref.user_name}, who is not a live member"
    for ref in change.members_added:
        if ref.id is not None and by_id.get(ref.id) is None:
            yield f"{where}: adds a member with id {ref.id}, which no live user has"
