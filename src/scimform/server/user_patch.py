"""PATCH on a user: apply the operations to a copy of the stored document, then check the
result as a whole against AWS's rules (so removing a required attribute is a 400).

AWS's user rules: `userName` and `active` cannot be removed, and at most one operation of a
request may touch each of them. Multi-valued attributes follow RFC 7644 (a filter that
matches nothing creates the item, as Microsoft Entra relies on), and the single-value rule
is enforced on the result.
"""

from __future__ import annotations

import copy
from typing import Any

from scimform.server.attributes import ENTERPRISE_ATTRIBUTES, USER_ATTRIBUTES, Attr
from scimform.server.documents import check_user
from scimform.server.patch import Operation, Target, parse_operations, resolve
from scimform.server.problems import bad_request
from scimform.wire import ENTERPRISE_SCHEMA

_ONCE = ("userName", "active")


def patch_user(stored: dict[str, Any], body: Any) -> dict[str, Any]:
    """The user document after the PATCH `body`, checked; the store's `id`/`meta` dropped."""
    operations = parse_operations(body)
    targets = [resolve(o.path, USER_ATTRIBUTES, ENTERPRISE_ATTRIBUTES) for o in operations]
    _check_touches(operations, targets)
    doc = copy.deepcopy({k: v for k, v in stored.items() if k not in ("id", "meta")})
    for operation, target in zip(operations, targets, strict=True):
        _apply(doc, operation, target)
    return check_user(doc, creating=False)


def _check_touches(operations: list[Operation], targets: list[Target]) -> None:
    for name in _ONCE:
        touching = [o for o, t in zip(operations, targets, strict=True) if _top_name(t) == name]
        if len(touching) > 1:
            raise bad_request(f"at most one operation per request may change {name}.")
        if touching and touching[0].op == "remove":
            raise bad_request(f"{name} cannot be removed.")


def _top_name(target: Target) -> str | None:
    return None if target.extension or target.attr is None else target.attr.name


def _apply(doc: dict[str, Any], operation: Operation, target: Target) -> None:
    if target.attr is None:
        _apply_extension(doc, operation)
        return
    container = doc.setdefault(ENTERPRISE_SCHEMA, {}) if target.extension else doc
    attr = target.attr
    if attr.multi:
        _apply_multi(container, operation, target)
    elif attr.kind == "complex":
        _apply_complex(container, operation, attr, target.sub)
    elif operation.op == "remove":
        container.pop(attr.name, None)
    else:
        container[attr.name] = operation.value
    _drop_empty(doc, container, attr.name)


def _apply_extension(doc: dict[str, Any], operation: Operation) -> None:
    if operation.op == "remove":
        doc.pop(ENTERPRISE_SCHEMA, None)
        return
    if not isinstance(operation.value, dict):
        raise bad_request(f"the value for {ENTERPRISE_SCHEMA} must be a JSON object.")
    for key, value in operation.value.items():
        if key == "schemas":
            continue  # some clients send the extension with its own "schemas"
        target = resolve(f"{ENTERPRISE_SCHEMA}:{key}", USER_ATTRIBUTES, ENTERPRISE_ATTRIBUTES)
        _apply(doc, Operation(operation.op, key, value), target)


def _apply_complex(
    container: dict[str, Any], operation: Operation, attr: Attr, sub: Attr | None
) -> None:
    if operation.op == "remove":
        if sub is None:
            container.pop(attr.name, None)
        else:
            container.get(attr.name, {}).pop(sub.name, None)
        return
    block = container.setdefault(attr.name, {})
    if sub is not None:
        block[sub.name] = operation.value
    else:
        _merge(block, attr, operation.value)


def _apply_multi(container: dict[str, Any], operation: Operation, target: Target) -> None:
    attr = target.attr
    assert attr is not None  # _apply handles the whole-extension target
    items: list[dict[str, Any]] = container.get(attr.name) or []
    if target.match is None and target.sub is None:
        if operation.op == "remove":
            items = []
        else:
            value = operation.value
            added = value if isinstance(value, list) else [value]
            items = (items if operation.op == "add" else []) + added
    else:
        items = _apply_to_items(items, operation, target)
    container[attr.name] = items


def _apply_to_items(
    items: list[dict[str, Any]], operation: Operation, target: Target
) -> list[dict[str, Any]]:
    attr, sub = target.attr, target.sub
    assert attr is not None
    matching = [item for item in items if _matches(item, target.match or ())]
    if operation.op == "remove":
        if sub is None:
            return [item for item in items if item not in matching]
        for item in matching:
            item.pop(sub.name, None)
        return items
    if not matching:
        # Nothing matches: the operation adds the item the filter describes (RFC 7644).
        matching = [dict(target.match or ())]
        items = [*items, matching[0]]
    for item in matching:
        if sub is not None:
            item[sub.name] = operation.value
        else:
            _merge(item, attr, operation.value)
    return items


def _matches(item: Any, terms: tuple[tuple[str, Any], ...]) -> bool:
    if not isinstance(item, dict):
        return False
    for name, wanted in terms:
        actual = item.get(name)
        if isinstance(actual, str) and isinstance(wanted, str):
            if actual.casefold() != wanted.casefold():
                return False
        elif actual != wanted:
            return False
    return True


def _merge(block: dict[str, Any], attr: Attr, value: Any) -> None:
    if not isinstance(value, dict):
        raise bad_request(f"the value for {attr.name} must be a JSON object.")
    for key, item in value.items():
        sub = attr.child(key)
        if sub is None:
            raise bad_request(f"{attr.name}.{key} is not accepted.")
        block[sub.name] = item


def _drop_empty(doc: dict[str, Any], container: dict[str, Any], name: str) -> None:
    if container.get(name) in ({}, []):
        container.pop(name)
    if doc.get(ENTERPRISE_SCHEMA) == {}:
        doc.pop(ENTERPRISE_SCHEMA)
