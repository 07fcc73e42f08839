"""The template language of attribute mappings: literal text with `{field}` placeholders;
`{field?}` marks a field that the records may all lack.

Parsed once per mapping key; `mapping.py` evaluates the result against each record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scimform.errors import TemplateError


@dataclass(frozen=True, slots=True)
class Alternative:
    """One field reference inside a placeholder: `name`, or `!name` to negate it."""

    name: str
    path: tuple[str, ...]
    negate: bool = False

    def value_in(self, record: Mapping[str, Any]) -> Any:
        """The field's value in `record`, None when it has none. A key written as it is
        wins (a CSV column may be named "a.b"); else the dotted path is walked."""
        if self.name in record:
            return record[self.name]
        return self._walk(record)

    def _walk(self, record: Mapping[str, Any]) -> Any:
        value: Any = record
        for step in self.path:
            if isinstance(value, Mapping):
                value = value.get(step)
            elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
                value = value[int(step)]
            else:
                return None
            if value is None:
                return None
        return value


@dataclass(frozen=True, slots=True)
class Placeholder:
    """`{a|b|c}`: the first alternative that is not empty. `{a|b?}` is `optional`: no
    record need fill it (without the `?`, a field that no record of an export has is
    taken for a typo, and is an error)."""

    alternatives: tuple[Alternative, ...]
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Template:
    """Literal text and placeholders in order. `single` is set when the template is exactly
    one placeholder, the common case, so that it resolves without joining text."""

    parts: tuple[str | Placeholder, ...]
    single: Placeholder | None
    has_placeholders: bool


def _template(parts: list[str | Placeholder]) -> Template:
    single = parts[0] if len(parts) == 1 and isinstance(parts[0], Placeholder) else None
    return Template(tuple(parts), single, any(isinstance(p, Placeholder) for p in parts))


def parse_template(source: str) -> Template:
    """Parse a template; raises TemplateError for unbalanced braces or empty placeholders."""
    parts: list[str | Placeholder] = []
    literal: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if source.startswith(("{{", "}}"), i):
            literal.append(char)
            i += 2
        elif char == "{":
            end = _closing_brace(source, i)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(_placeholder(source, source[i + 1 : end]))
            i = end + 1
        elif char == "}":
            raise _unbalanced(source, f"a '}}' at position {i + 1} closes nothing")
        else:
            literal.append(char)
            i += 1
    if literal:
        parts.append("".join(literal))
    return _template(parts)


def _closing_brace(source: str, start: int) -> int:
    for j in range(start + 1, len(source)):
        if source[j] == "}":
            return j
        if source[j] == "{":
            break
    raise _unbalanced(source, f"the '{{' at position {start + 1} is never closed")


def _placeholder(source: str, body: str) -> Placeholder:
    alternatives: list[Alternative] = []
    optional = body.rstrip().endswith("?")
    names = body.rstrip().removesuffix("?") if optional else body
    for raw in names.split("|"):
        name = raw.strip()
        negate = name.startswith("!")
        name = name.removeprefix("!").strip()
        if not name or any(not step for step in name.split(".")):
            raise TemplateError(
                "mapping.empty-placeholder",
                f"template {source!r} has an empty field name in {{{body}}}",
                "name a field of the record, such as {mail} or {mail|userPrincipalName}",
            )
        alternatives.append(Alternative(name, tuple(name.split(".")), negate))
    return Placeholder(tuple(alternatives), optional)


def _unbalanced(source: str, detail: str) -> TemplateError:
    return TemplateError(
        "mapping.unbalanced-brace",
        f"template {source!r} has unbalanced braces: {detail}",
        "write a literal brace as {{ or }}",
    )
