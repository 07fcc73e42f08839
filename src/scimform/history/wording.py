"""A change told in the plan's words: `platform-admins: + member alice@corp.example`."""

from __future__ import annotations

import json

from scimform.history.changes import Event, Value


def describe(event: Event) -> str:
    """What changed, in the plan's words: `platform-admins: + member alice@corp.example`,
    then `(targets: sandbox)` when it does not reach every target."""
    if event.targets is None:
        return _what(event)
    reach = ", ".join(event.targets) or "none"
    return f"{_what(event)} (targets: {reach})"


def _what(event: Event) -> str:
    if event.action == "unloadable":
        return f"config does not load, skipped: {event.problem}"
    if event.action in ("created", "deleted"):
        sign = "+" if event.action == "created" else "-"
        return f"{event.name}: {sign} {event.subject}"
    if event.action in ("member-added", "member-removed"):
        sign = "+" if event.action == "member-added" else "-"
        return f"{event.name}: {sign} member {event.member}"
    return f"{event.name}: ~ {event.field} {_value(event.before)} -> {_value(event.after)}"


def _value(value: Value) -> str:
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False)
