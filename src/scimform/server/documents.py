"""Checking User and Group documents against AWS's rules, before they reach the store.

Each check returns the document in canonical form (attribute names spelled as the schema
spells them, nulls and empty lists dropped, read-only `id`/`meta` removed), or raises a 400
that names the attribute and the rule. Plain checks over the attribute table, not a model
library: POST /Users is on the hot path.
"""

from __future__ import annotations

import re
from typing import Any

from scimform.server.attributes import (
    ENTERPRISE_ATTRIBUTES,
    GROUP_ATTRIBUTES,
    READ_ONLY,
    REFUSED_CHARACTERS,
    REFUSED_USER_ATTRIBUTES,
    RESERVED_NAMES,
    USER_ATTRIBUTES,
    Attr,
    find,
)
from scimform.server.problems import bad_request
from scimform.wire import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s")
_ENTERPRISE_KEY = ENTERPRISE_SCHEMA.casefold()


def check_user(doc: Any, *, creating: bool) -> dict[str, Any]:
    """The canonical User document for a POST (`creating`) or PUT/PATCH result."""
    body = _object(doc, "the request body")
    _check_schemas(body, USER_SCHEMA, (USER_SCHEMA, ENTERPRISE_SCHEMA))
    out: dict[str, Any] = {}
    enterprise: dict[str, Any] | None = None
    for key, value in body.items():
        folded = key.casefold()
        if folded == "schemas" or folded in READ_ONLY:
            continue
        if folded == _ENTERPRISE_KEY:
            enterprise = _complex_block(
                ENTERPRISE_ATTRIBUTES, _without_schemas(value), "enterprise extension"
            )
        elif folded == "groups":
            if creating:
                raise bad_request(
                    "groups cannot be set on a user; add the user to a group with PATCH "
                    "on the group instead."
                )
        elif folded in REFUSED_USER_ATTRIBUTES:
            raise bad_request(f"{key} is not supported by AWS IAM Identity Center; remove it.")
        else:
            _put(out, USER_ATTRIBUTES, key, value)
    _check_required(USER_ATTRIBUTES, out)
    _check_name(out["userName"], "userName")
    if _WHITESPACE.search(out["userName"]):
        raise bad_request("userName must not contain whitespace.")
    schemas = [USER_SCHEMA]
    if enterprise:
        schemas.append(ENTERPRISE_SCHEMA)
        out[ENTERPRISE_SCHEMA] = enterprise
    return {"schemas": schemas, **out}


def check_group(doc: Any) -> tuple[dict[str, Any], list[str]]:
    """The canonical Group document for a POST, without members, and its member ids."""
    body = _object(doc, "the request body")
    _check_schemas(body, GROUP_SCHEMA, (GROUP_SCHEMA,))
    out: dict[str, Any] = {}
    for key, value in body.items():
        folded = key.casefold()
        if folded == "schemas" or folded in READ_ONLY:
            continue
        _put(out, GROUP_ATTRIBUTES, key, value)
    _check_required(GROUP_ATTRIBUTES, out)
    _check_name(out["displayName"], "displayName")
    members = [member["value"] for member in out.pop("members", [])]
    return {"schemas": [GROUP_SCHEMA], **out}, members


def check_value(attr: Attr, value: Any, where: str) -> Any:
    """`value` checked against `attr`, in canonical form; None when it means "absent"."""
    if value is None:
        return None
    if attr.multi:
        return _multi(attr, value, where)
    if attr.kind == "complex":
        block = _complex_block(attr.sub, value, where)
        _check_required(attr.sub, block, f"{where}.")
        return block or None
    if attr.kind == "boolean":
        if not isinstance(value, bool):
            raise bad_request(f"{where} must be true or false.")
        return value
    return _string(attr, value, where)


def check_display_name(value: Any, where: str = "displayName") -> str:
    """A group displayName as a PATCH sets it."""
    name = _string(GROUP_ATTRIBUTES[0], value, where)
    _check_name(name, where)
    return name


def _without_schemas(value: Any) -> Any:
    # Some clients serialise the extension as an object with its own "schemas"; harmless.
    if isinstance(value, dict) and "schemas" in value:
        return {k: v for k, v in value.items() if k != "schemas"}
    return value


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_request(f"{what} must be a JSON object.")
    return value


def _check_schemas(body: dict[str, Any], core: str, allowed: tuple[str, ...]) -> None:
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or core not in schemas:
        raise bad_request(f'"schemas" must be a list that holds "{core}".')
    unknown = [s for s in schemas if s not in allowed]
    if unknown:
        raise bad_request(f"unknown schema {unknown[0]!r}; accepted: {', '.join(allowed)}.")


def _put(out: dict[str, Any], attrs: tuple[Attr, ...], key: str, value: Any) -> None:
    attr = find(attrs, key)
    if attr is None:
        raise bad_request(f"{key} is not an attribute AWS IAM Identity Center accepts.")
    if attr.name in out:
        raise bad_request(f"{attr.name} is given twice (attribute names ignore case).")
    checked = check_value(attr, value, attr.name)
    if checked is not None:
        out[attr.name] = checked


def _check_required(attrs: tuple[Attr, ...], out: dict[str, Any], prefix: str = "") -> None:
    if not out and prefix:
        return  # an empty block means the attribute is absent
    for attr in attrs:
        if attr.required and attr.name not in out:
            names = [f"{prefix}{attr.name}.{s.name}" for s in attr.sub if s.required]
            names = names or [prefix + attr.name]
            verb = "are" if len(names) > 1 else "is"
            raise bad_request(f"{' and '.join(names)} {verb} required.")


def _check_name(name: str, where: str) -> None:
    if name.casefold() in RESERVED_NAMES:
        raise bad_request(f"{where} {name!r} is reserved by AWS IAM Identity Center.")


def _multi(attr: Attr, value: Any, where: str) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        raise bad_request(f"{where} must be a list.")
    if len(value) > attr.max_items:
        many = "one value" if attr.max_items == 1 else f"{attr.max_items} values"
        raise bad_request(f"{where} holds at most {many} in AWS IAM Identity Center.")
    items = [_complex_block(attr.sub, item, f"{where}[{i}]") for i, item in enumerate(value)]
    kept = [item for item in items if item]
    for item in kept:
        _check_required(attr.sub, item, f"{where}.")
        if attr.primary_required and item.get("primary") is not True:
            raise bad_request(f'{where} must be sent with "primary": true.')
    return kept or None


def _complex_block(attrs: tuple[Attr, ...], value: Any, where: str) -> dict[str, Any]:
    block = _object(value, where)
    out: dict[str, Any] = {}
    for key, item in block.items():
        attr = find(attrs, key)
        if attr is None:
            hint = " (AWS refuses the display sub-attribute)" if key == "display" else ""
            raise bad_request(f"{where}.{key} is not accepted{hint}.")
        checked = check_value(attr, item, f"{where}.{attr.name}")
        if checked is not None:
            out[attr.name] = checked
    return out


def _string(attr: Attr, value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise bad_request(f"{where} must be a string.")
    if not value:
        raise bad_request(f"{where} must not be empty; leave the attribute out instead.")
    if len(value) > attr.max_len:
        raise bad_request(f"{where} is longer than {attr.max_len} characters.")
    if _CONTROL.search(value):
        raise bad_request(f"{where} contains a control character.")
    if attr.plain and not REFUSED_CHARACTERS.isdisjoint(value):
        raise bad_request(f"{where} must not contain any of < > ; : %.")
    return value
