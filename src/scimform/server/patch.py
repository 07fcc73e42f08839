"""PATCH requests: the operation list, AWS's rules about it, and attribute paths.

AWS's rules (shared by users and groups): the body carries the PatchOp schema and a non-empty
`Operations` list; ops are `add`, `replace` and `remove` (any case); `remove` needs a `path`;
a path-less `add`/`replace` may set exactly one attribute, and is turned here into the same
operation with that attribute as its path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from scimform.errors import ScimProblem
from scimform.server.attributes import Attr, find
from scimform.server.filters import parse_filter
from scimform.server.problems import PATH_LESS, bad_request
from scimform.wire import ENTERPRISE_SCHEMA, GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA

Op = Literal["add", "replace", "remove"]

_OPS: dict[str, Op] = {"add": "add", "replace": "replace", "remove": "remove"}
_PATH = re.compile(r"^([A-Za-z$][\w$-]*)(?:\[(.+)\])?(?:\.([A-Za-z$][\w$-]*))?$")
_CORE_PREFIXES = (f"{USER_SCHEMA.casefold()}:", f"{GROUP_SCHEMA.casefold()}:")
_ENTERPRISE = ENTERPRISE_SCHEMA.casefold()


@dataclass(frozen=True, slots=True)
class Operation:
    """One PATCH operation with its path; `path` is never None after parsing."""

    op: Op
    path: str
    value: Any


@dataclass(frozen=True, slots=True)
class Target:
    """Where a path points: an attribute of the core schema or the enterprise extension
    (`extension`), optionally the items of a multi-valued attribute matching `match`, and
    optionally one sub-attribute. `attr` None means the whole enterprise extension."""

    extension: bool
    attr: Attr | None
    match: tuple[tuple[str, Any], ...] | None = None
    sub: Attr | None = None


def parse_operations(body: Any) -> list[Operation]:
    """The operations of a PATCH body, path-less ones expanded; 400 for what AWS refuses."""
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object.")
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or PATCH_SCHEMA not in schemas:
        raise bad_request(f'"schemas" must be a list that holds "{PATCH_SCHEMA}".')
    raw = body.get("Operations", body.get("operations"))
    if not isinstance(raw, list) or not raw:
        raise bad_request('"Operations" must be a non-empty list.')
    return [_operation(item) for item in raw]


def resolve(path: str, core: tuple[Attr, ...], extension: tuple[Attr, ...] = ()) -> Target:
    """The target of a PATCH path, or a 400 naming the path."""
    folded = path.casefold()
    is_extension = bool(extension) and folded.startswith(_ENTERPRISE)
    if is_extension:
        rest = path[len(_ENTERPRISE) :]
        if not rest:
            return Target(True, None)
        if not rest.startswith(":"):
            raise bad_request(f"unknown PATCH path {path!r}.")
        path = rest[1:]
    else:
        for prefix in _CORE_PREFIXES:
            if folded.startswith(prefix):
                path = path[len(prefix) :]
    return _target(path, extension if is_extension else core, is_extension)


def _target(path: str, attrs: tuple[Attr, ...], extension: bool) -> Target:
    match = _PATH.match(path)
    attr = find(attrs, match.group(1)) if match else None
    if match is None or attr is None:
        raise bad_request(f"unknown PATCH path {path!r}.")
    sub = None
    if match.group(3):
        sub = attr.child(match.group(3))
        if sub is None:
            raise bad_request(f"{attr.name} has no sub-attribute {match.group(3)!r}.")
    terms = None
    if match.group(2):
        if not attr.multi:
            raise bad_request(f"{attr.name} is single-valued; a [filter] does not apply.")
        terms = tuple(_term(attr, name, value) for name, value in parse_filter(match.group(2)))
    if sub is not None and attr.kind != "complex":
        raise bad_request(f"{attr.name} has no sub-attributes.")
    return Target(extension, attr, terms, sub)


def _term(attr: Attr, name: str, value: Any) -> tuple[str, Any]:
    sub = attr.child(name)
    if sub is None:
        raise bad_request(f"{attr.name} has no sub-attribute {name!r} to filter on.")
    return sub.name, value


def _operation(item: Any) -> Operation:
    if not isinstance(item, dict):
        raise bad_request("each operation must be a JSON object.")
    raw_op = item.get("op")
    op = _OPS.get(raw_op.casefold()) if isinstance(raw_op, str) else None
    if op is None:
        raise bad_request(f"op must be add, replace or remove, not {raw_op!r}.")
    path = item.get("path")
    value = item.get("value")
    if path is not None and (not isinstance(path, str) or not path.strip()):
        raise bad_request("path must be a non-empty string.")
    if path is not None:
        return Operation(op, path.strip(), value)
    if op == "remove":
        raise ScimProblem(400, PATH_LESS)
    return _path_less(op, value)


def _path_less(op: Op, value: Any) -> Operation:
    # One attribute only; the enterprise extension counts by the attributes inside it.
    if not isinstance(value, dict) or len(value) != 1:
        raise ScimProblem(400, PATH_LESS)
    ((key, inner),) = value.items()
    if key.casefold() == _ENTERPRISE:
        if not isinstance(inner, dict) or len(inner) != 1:
            raise ScimProblem(400, PATH_LESS)
        ((sub_key, sub_value),) = inner.items()
        return Operation(op, f"{ENTERPRISE_SCHEMA}:{sub_key}", sub_value)
    return Operation(op, key, inner)
