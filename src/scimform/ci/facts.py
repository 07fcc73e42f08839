"""The reviewed facts of a plan: each smallest thing it would do, as one line of text.

A review is compared change by change, not store by store, so that two pull requests planned
against the same store both apply once merged (#7 adds dave, #8 adds erin: after #7 is
applied, #8's merge plan adds erin, which #8's reviewers saw). A Change is split into facts
that survive such merges: a create or delete of one object, one attribute going from one
value to another, one member added to or removed from one group, one token change. A merge
plan may be applied when each of its facts was shown on a merged pull request.

A fact is canonical JSON (sorted keys), so equal facts are equal strings; the set of a
plan's facts has a hash, which the plan comment carries and the apply checks the saved
facts against.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from scimform.engine.changes import Action, Change
from scimform.engine.plan import Plan

FACTS_VERSION = 1
_TARGET = "target:"  # the tag of a fact of one of several targets (ci.targets)


def plan_facts(plan: Plan) -> list[str]:
    """Every fact of `plan`, sorted, without duplicates."""
    facts = {fact for change in plan.changes for fact in change_facts(change)}
    facts.update(_fact(["token", t.model_dump(mode="json")]) for t in plan.tokens.changes)
    return sorted(facts)


def change_facts(change: Change) -> Iterator[str]:
    """The facts of one change."""
    kind, key = change.kind.value, change.key.casefold()
    action = change.action
    if action is Action.CREATE:
        yield _fact([kind, key, "create", change.after or {}])
    elif action is Action.REPLACE:
        yield _fact([kind, key, "replace", change.before or {}, change.after or {}])
    elif action is Action.DELETE:
        yield _fact([kind, key, "delete"])
    for diff in change.fields if action in (Action.UPDATE, Action.DEACTIVATE) else ():
        yield _fact([kind, key, "set", diff.name, diff.before, diff.after])
    for member in change.members_added:
        yield _fact([kind, key, "add member", member.user_name.casefold()])
    for member in change.members_removed:
        yield _fact([kind, key, "remove member", member.user_name.casefold()])


def facts_hash(facts: Iterable[str]) -> str:
    """The sha256 of a set of facts (order and duplicates do not matter)."""
    digest = hashlib.sha256(f"scimform-facts-v{FACTS_VERSION}\n".encode())
    for fact in sorted(set(facts)):
        digest.update(fact.encode("utf-8") + b"\n")
    return digest.hexdigest()


def describe(fact: str) -> str:
    """A fact as a reviewer reads it: `group "admins": add member dave@corp.example`
    (`production: group ...` for a fact of one of several targets)."""
    parts: list[Any] = json.loads(fact)
    if _targeted(parts):
        return f"{parts[0].removeprefix(_TARGET)}: {describe(_fact(parts[1:]))}"
    if parts[0] == "token":
        return f"token change {json.dumps(parts[1], sort_keys=True)}"
    kind, key, verb, *rest = parts
    where = f'{kind} "{key}"'
    if verb == "set":
        name, before, after = rest
        return f"{where}: {name} {json.dumps(before)} -> {json.dumps(after)}"
    if verb in ("add member", "remove member"):
        return f"{where}: {verb} {rest[0]}"
    if verb == "create":
        return f"{where}: create with {json.dumps(rest[0], sort_keys=True)}"
    if verb == "replace":
        return f"{where}: replace, now {json.dumps(rest[1], sort_keys=True)}"
    return f"{where}: {verb}"


def subject(fact: str) -> str:
    """The object a fact is about (`group "admins"`), or the field (`user "bob": title`)."""
    parts: list[Any] = json.loads(fact)
    if _targeted(parts):
        return f"{parts[0].removeprefix(_TARGET)}: {subject(_fact(parts[1:]))}"
    if parts[0] == "token":
        return "tokens"
    kind, key, verb, *rest = parts
    return f'{kind} "{key}"' + (f": {rest[0]}" if verb == "set" else "")


def _targeted(parts: list[Any]) -> bool:
    """Whether a fact's parts are tagged with a target (see ci.targets)."""
    return isinstance(parts[0], str) and parts[0].startswith(_TARGET)


def _fact(parts: list[Any]) -> str:
    return json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
