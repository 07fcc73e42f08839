"""SCIM filters as AWS IAM Identity Center supports them: `eq`, optionally joined by `and`.

Anything else (`or`, `not`, `co`, `sw`, `pr`, comparisons, grouping) is refused with a 400,
as AWS does. A parsed filter becomes the keyword arguments of the store's list functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scimform.errors import ScimProblem
from scimform.server.problems import bad_request
from scimform.wire import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA

_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[()\[\]]|[^\s"()\[\]]+)')
_OPERATORS = frozenset({"ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"})


@dataclass(frozen=True, slots=True)
class FilterRules:
    """What one resource type can be filtered on: filterable attribute (lower case, schema
    prefix removed) -> store keyword argument, and the combinations of keywords AWS
    documents; any other combination is refused, so that a client cannot come to rely on
    one that AWS may not answer."""

    attributes: Mapping[str, str]
    shapes: frozenset[frozenset[str]]
    pairs: str


USER_FILTERS = FilterRules(
    {
        "username": "user_name",
        "externalid": "external_id",
        "groups.value": "group_id",
        "id": "user_id",
        "manager": "manager_id",
        "manager.value": "manager_id",
    },
    frozenset(
        frozenset(shape)
        for shape in (("user_name",), ("external_id",), ("group_id",), ("user_id", "manager_id"))
    ),
    'id eq "<user id>" and manager eq "<manager id>"',
)
GROUP_FILTERS = FilterRules(
    {
        "displayname": "display_name",
        "externalid": "external_id",
        "members.value": "member_id",
        "members": "member_id",
        "id": "group_id",
    },
    frozenset(
        frozenset(shape)
        for shape in (
            ("display_name",),
            ("external_id",),
            ("member_id",),
            ("group_id", "member_id"),
        )
    ),
    'id eq "<group id>" and members eq "<user id>"',
)
_PREFIXES = tuple(f"{urn.casefold()}:" for urn in (USER_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA))


def parse_filter(text: str) -> list[tuple[str, Any]]:
    """The (attribute path, value) pairs of an `eq`/`and` filter; attribute paths are
    lower-cased, as SCIM attribute names ignore case."""
    tokens = _tokens(text)
    terms: list[tuple[str, Any]] = []
    position = 0
    while True:
        if len(tokens) < position + 3:
            raise _unsupported(text)
        attr, operator, literal = tokens[position : position + 3]
        if operator.casefold() != "eq":
            raise _unsupported(text)
        terms.append((attr.casefold(), _literal(literal, text)))
        position += 3
        if position == len(tokens):
            return terms
        if tokens[position].casefold() != "and":
            raise _unsupported(text)
        position += 1


def store_filters(text: str | None, rules: FilterRules) -> dict[str, str]:
    """The store keyword arguments for a list filter, or a 400 for one AWS would refuse."""
    if text is None:
        return {}
    out: dict[str, str] = {}
    for attr, value in parse_filter(text):
        keyword = rules.attributes.get(_strip_schema(attr))
        if keyword is None or keyword in out:
            names = ", ".join(sorted({k for k in rules.attributes if "." not in k}))
            raise bad_request(f"filtering on {attr!r} is not supported; filter on {names}.")
        if not isinstance(value, str):
            raise bad_request(f"the value compared with {attr} must be a string.")
        if not _is_text(value):
            raise bad_request(
                f"the value compared with {attr} holds a lone UTF-16 surrogate, which is "
                "not a character."
            )
        out[keyword] = value
    if frozenset(out) not in rules.shapes:
        raise bad_request(
            f"the filter {text!r} combines attributes AWS does not filter on together; "
            f"`and` joins only {rules.pairs}."
        )
    return out


def _is_text(value: str) -> bool:
    # A JSON string literal may escape a lone surrogate ("\ud800"): no store can keep it.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _strip_schema(attr: str) -> str:
    for prefix in _PREFIXES:
        if attr.startswith(prefix):
            return attr[len(prefix) :]
    return attr


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise _unsupported(text)
        token = match.group(1)
        if token in "()[]" or token.casefold() in {"or", "not"} | _OPERATORS:
            raise _unsupported(text)
        tokens.append(token)
        position = match.end()
    return tokens


def _literal(token: str, text: str) -> Any:
    if token.startswith('"'):
        try:
            return json.loads(token)
        except ValueError:
            raise _unsupported(text) from None
    lowered = token.casefold()
    if lowered in {"true", "false", "null"}:
        return json.loads(lowered)
    try:
        return json.loads(token)
    except ValueError:
        raise _unsupported(text) from None


def _unsupported(text: str) -> ScimProblem:
    return bad_request(
        f"unsupported filter {text!r}: AWS IAM Identity Center supports only "
        '`attribute eq "value"` terms joined by `and`.'
    )
