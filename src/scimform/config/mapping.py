"""Attribute mappings: IdP-shaped records -> users in the direct form.

A mapping is a table of AWS attribute -> template. Keys name AWS attributes by their
friendly name (`givenName`, `email`, `address.locality`) or their SCIM path
(`name.givenName`, `emails[primary eq true].value`), as listed in `model.ATTRIBUTES`.

Templates are literal text with placeholders:
- `{mail}`: a field of the record; `{profile.firstName}` walks nested objects and
  `{phones.0.value}` picks one element of a list by position;
- `{mail|userPrincipalName}`: fallbacks, the first that is not empty wins;
- `{!suspended}`: the negation of a true/false field, written `true` or `false`;
- `{department?}`, `{mail|upn?}`: optional; without the `?`, a field that no record of an
  export fills is an error (`mapping.unknown-field`, most likely a typo);
- `{{` and `}}`: literal braces.

A template whose placeholders are all empty yields nothing, so the attribute is omitted and
the required-attribute rules speak; results are stripped of surrounding whitespace.
`active` accepts, case-insensitively: true/false, yes/no, y/n, 1/0, on/off,
enabled/disabled, active/inactive, and Okta's user statuses (ACTIVE, STAGED, PROVISIONED,
RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED are active; SUSPENDED, DEPROVISIONED are not).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scimform.config.template import Placeholder, Template, parse_template
from scimform.errors import TemplateError
from scimform.model import ADDRESS_FIELDS, ATTRIBUTES, REQUIRED_USER_FIELDS

# Okta's user statuses count too, so that `active: "{status}"` works on an Okta export.
_OKTA_ACTIVE = {"staged", "provisioned", "recovery", "locked_out", "password_expired"}
_TRUE = frozenset({"true", "yes", "y", "1", "on", "enabled", "active"} | _OKTA_ACTIVE)
_OKTA_INACTIVE = {"suspended", "deprovisioned"}
_FALSE = frozenset({"false", "no", "n", "0", "off", "disabled", "inactive"} | _OKTA_INACTIVE)


@dataclass(frozen=True)
class MappingProblem:
    """Something wrong with a mapping key or with what it made of one record."""

    key: str
    code: str
    message: str
    hint: str | None = None


def _target_table() -> dict[str, tuple[str, ...]]:
    """Every accepted mapping key -> where its value goes in the direct form."""
    table: dict[str, tuple[str, ...]] = {}
    for attr in ATTRIBUTES:
        table[attr.friendly] = (attr.friendly,)
        table[attr.scim] = (attr.friendly,)
    for attr in ADDRESS_FIELDS:
        for key in (f"address.{attr.friendly}", f"addresses.{attr.friendly}", attr.scim):
            table[key] = ("address", attr.friendly)
    return table


_TARGETS = _target_table()


def canonical_keys() -> tuple[str, ...]:
    """Every accepted mapping key, in the order `fmt` writes them: by the attribute they
    set (model.ATTRIBUTES, then the address), the friendly name before the SCIM path."""
    rank: dict[tuple[str, ...], int] = {(a.friendly,): i for i, a in enumerate(ATTRIBUTES)}
    rank |= {("address", a.friendly): len(rank) + i for i, a in enumerate(ADDRESS_FIELDS)}
    keys = list(_TARGETS)  # friendly names come first within each attribute
    return tuple(sorted(keys, key=lambda key: rank[_TARGETS[key]]))


_REQUIRED = tuple(a.friendly for a in ATTRIBUTES if a.field in REQUIRED_USER_FIELDS)


def parse_bool(text: str) -> bool | None:
    """True or False for an accepted spelling (see the module doc), None for anything else."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


@dataclass(frozen=True)
class _Rule:
    key: str
    target: tuple[str, ...]
    template: Template


class CompiledMapping:
    """A mapping checked and compiled once, applied to many records."""

    def __init__(self, rules: tuple[_Rule, ...]) -> None:
        self._rules = rules

    @property
    def keys(self) -> tuple[str, ...]:
        """The mapping keys that compiled, in the order written."""
        return tuple(rule.key for rule in self._rules)

    def placeholders(self) -> list[tuple[str, str, Placeholder]]:
        """(mapping key, friendly name of the attribute it sets, placeholder) for every
        placeholder of every compiled template."""
        return [
            (rule.key, ".".join(rule.target), part)
            for rule in self._rules
            for part in rule.template.parts
            if isinstance(part, Placeholder)
        ]

    def apply(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], list[MappingProblem]]:
        """One IdP-shaped record -> a user in the direct form (UserSpec's YAML names).

        Empty results are omitted; a placeholder naming a list or an object, or an `active`
        that is not a true/false spelling, is a problem. The record's `groups` passes through.
        """
        out: dict[str, Any] = {}
        problems: list[MappingProblem] = []
        for rule in self._rules:
            text = _render(rule, record, problems)
            if text is None:
                continue
            value: Any = text
            if rule.target == ("active",):
                value = parse_bool(text)
                if value is None:
                    problems.append(_bad_active(rule.key, text))
                    continue
            if len(rule.target) == 1:
                out[rule.target[0]] = value
            else:
                out.setdefault(rule.target[0], {})[rule.target[1]] = value
        if "groups" in record:
            out["groups"] = record["groups"]
        return out, problems


def compile_mapping(mapping: Mapping[str, str]) -> tuple[CompiledMapping, list[MappingProblem]]:
    """Check and compile a mapping (AWS attribute -> template); see the module doc for the
    accepted keys and the template language. Keys with problems are left out."""
    rules: list[_Rule] = []
    problems: list[MappingProblem] = []
    seen: dict[tuple[str, ...], str] = {}
    for key, source in mapping.items():
        target = _TARGETS.get(key)
        if target is None:
            problems.append(_unknown_key(key))
            continue
        if target in seen:
            problems.append(_duplicate_key(key, seen[target]))
            continue
        seen[target] = key
        try:
            template = parse_template(source)
        except TemplateError as exc:
            problems.append(MappingProblem(key, exc.code, f"{key}: {exc}", exc.hint))
            continue
        rules.append(_Rule(key, target, template))
    problems.extend(_missing_required(seen))
    return CompiledMapping(tuple(rules)), problems


def _render(rule: _Rule, record: Mapping[str, Any], problems: list[MappingProblem]) -> str | None:
    """The template's text for this record, or None when every placeholder is empty."""
    template = rule.template
    if template.single is not None:
        return _resolve(rule.key, template.single, record, problems)
    pieces: list[str] = []
    filled = not template.has_placeholders
    for part in template.parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        text = _resolve(rule.key, part, record, problems)
        if text is not None:
            filled = True
            pieces.append(text)
    result = "".join(pieces).strip()
    return result if filled and result else None


def _resolve(
    key: str, placeholder: Placeholder, record: Mapping[str, Any], problems: list[MappingProblem]
) -> str | None:
    """The first non-empty alternative of a placeholder, as text."""
    for alt in placeholder.alternatives:
        text = _as_text(key, alt.name, alt.value_in(record), problems)
        if text is None:
            continue
        if alt.negate:
            flag = parse_bool(text)
            if flag is None:
                problems.append(_not_a_bool(key, alt.name, text))
                continue
            return "false" if flag else "true"
        return text
    return None


def _as_text(key: str, name: str, value: Any, problems: list[MappingProblem]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        if value:
            problems.append(_multi_valued(key, name, len(value)))
        return None
    if isinstance(value, Mapping):
        problems.append(_an_object(key, name, value))
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


# --- problems ------------------------------------------------------------------------------


def _unknown_key(key: str) -> MappingProblem:
    close = difflib.get_close_matches(key, list(_TARGETS), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else "see the attribute list in the README"
    if key == "groups":
        hint = "memberships are not mapped: a record's `groups` list is used as it is"
    return MappingProblem(
        key, "mapping.unknown-attribute", f"{key!r} is not an AWS user attribute", hint
    )


def _duplicate_key(key: str, first: str) -> MappingProblem:
    return MappingProblem(
        key,
        "mapping.duplicate-attribute",
        f"{key!r} maps the same AWS attribute as {first!r}",
        "keep one of the two keys",
    )


def _missing_required(seen: Mapping[tuple[str, ...], str]) -> list[MappingProblem]:
    return [
        MappingProblem(
            name,
            "mapping.missing-required",
            f"the mapping does not set {name!r}, which AWS requires for every user",
            f'add a template for it, such as {name}: "{{{name}}}"',
        )
        for name in _REQUIRED
        if (name,) not in seen
    ]


def _bad_active(key: str, text: str) -> MappingProblem:
    return MappingProblem(
        key,
        "mapping.invalid-active",
        f"active must be true or false, but the template gave {text!r}",
        "map it from a true/false field, or negate one with {!field}",
    )


def _not_a_bool(key: str, name: str, text: str) -> MappingProblem:
    return MappingProblem(
        key,
        "mapping.not-a-boolean",
        f"{{!{name}}} negates a true/false field, but {name!r} is {text!r}",
        "negate only fields that hold true/false, yes/no or 1/0",
    )


def _multi_valued(key: str, name: str, count: int) -> MappingProblem:
    return MappingProblem(
        key,
        "mapping.multi-valued",
        f"{name!r} holds {count} values, but AWS accepts one value for {key}",
        f"pick one, such as {{{name}.0}}, or map a single-valued field",
    )


def _an_object(key: str, name: str, value: Mapping[str, Any]) -> MappingProblem:
    fields = ", ".join(sorted(str(k) for k in value)[:5])
    return MappingProblem(
        key,
        "mapping.not-a-value",
        f"{name!r} is an object, not a value",
        f"name one of its fields, such as {{{name}.<field>}} (it has {fields})",
    )
