"""A plan as terminal text, in Terraform's manner.

A legend of the symbols used, then one block per object: a `#` heading that says what
happens and why, attribute lines (`+` added, `-` removed, `~` before -> after), a count of
the unchanged attributes hidden, and `+`/`-` member lines. Then the summary line, what was
left alone, warnings and the safety verdict. `render_summary` gives one line per object.
Names and values are shown through `glyphs.visible`: `ad<U+200B>min` for a hidden character.

Lines are built as (text, style) segments. Without colour they are joined as they are;
with colour, and only when the caller asks, each segment is wrapped in the escape codes
rich makes for its style.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.color import ColorSystem
from rich.style import Style

from scimform.engine.changes import ADDRESS_PREFIX, Action, Change, FieldDiff, MemberRef, Value
from scimform.engine.plan import Plan
from scimform.glyphs import visible
from scimform.model import ADDRESS_FIELDS, ATTRIBUTES
from scimform.render import token_words, words

Line = tuple[tuple[str, str], ...]
"""One line of output as (text, style) segments; style "" is unstyled."""

_FORCES = "  # forces replacement"
_IDENTITY = ("externalId",)
_STYLES = {"+": "green", "-": "red", "~": "yellow", "-/+": "magenta"}

# Attributes in canonical order, whatever order a plan's dicts hold them in.
_ORDER = {
    name: n
    for n, name in enumerate(
        [a.friendly for a in ATTRIBUTES] + [ADDRESS_PREFIX + a.friendly for a in ADDRESS_FIELDS]
    )
}


def render_text(plan: Plan, *, color: bool = False, forced: bool = False) -> str:
    """The full plan: legend, one block per object, summary line and notes (`forced`: the
    plan is applied with --force, so the hint to use it is left out)."""
    lines: list[Line] = []
    if plan.changes:
        lines += [((line, ""),) for line in words.legend(plan)]
        for change in plan.changes:
            lines.append(())
            lines += change_block(change)
        lines.append(())
    return _output([*lines, *footer(plan, forced)], color)


def render_summary(plan: Plan, *, color: bool = False) -> str:
    """One line per object, then the summary line and notes."""
    lines = [summary_entry(c) for c in plan.changes]
    return _output([*lines, *footer(plan)], color)


def plain(line: Line) -> str:
    """A line's text without styles."""
    return "".join(text for text, _ in line)


def summary_entry(change: Change) -> Line:
    """`~ group "admins": +1 -0 members (members differ)`."""
    symbol = words.SYMBOLS[change.action]
    members = words.members_note(change)
    return (
        (f"{symbol} ", _STYLES[symbol]),
        (words.title(change) + (f": {members}" if members else ""), ""),
        (f" ({words.reason(change)})", "dim"),
    )


def footer(plan: Plan, forced: bool = False) -> list[Line]:
    """The summary line (or "No changes."), then notes, warnings and the safety verdict."""
    lines: list[Line] = [((token_words.first_line(plan), "bold"),)]
    lines += token_block(plan)
    lines += [((note, ""),) for note in words.notes(plan)]
    lines += [((w, "yellow"),) for w in words.warnings(plan)]
    lines += [((u, "bold red"),) for u in words.unsafe(plan, forced)]
    return lines


_TOKEN_STYLES = {"summary": "bold", "error": "bold red", "warning": "yellow"}


def token_block(plan: Plan) -> list[Line]:
    """The token part: `- token 0f3c… will be deleted (not declared)`, the token check's
    findings, how to run a due rotation and AWS's console steps."""
    lines: list[Line] = []
    for line in token_words.token_lines(plan.tokens):
        if line.symbol:
            style = _STYLES[line.symbol]
            lines.append(((f"{line.symbol:>3} ", style), (line.text, "")))
        elif line.kind == "step":
            lines.append(((f"    {line.text}", ""),))
        else:
            lines.append(((line.text, _TOKEN_STYLES.get(line.kind, "")),))
    return lines


def change_block(change: Change) -> list[Line]:
    """One object's block: heading, opening line, attribute and member lines, closing."""
    symbol = words.SYMBOLS[change.action]
    lines: list[Line] = [
        (("  " + words.heading(change), "bold"),),
        ((f"{symbol:>3} ", _STYLES[symbol]), (words.title(change) + " {", "")),
    ]
    body = _attribute_lines(change) + _member_lines(change)
    lines += [(("      ", ""), *line) for line in body]
    lines.append((("    }", ""),))
    return lines


def _attribute_lines(change: Change) -> list[Line]:
    if change.before is None or change.after is None:
        # A create or a delete: every attribute is added, or removed.
        values = change.after or change.before or {}
        symbol = "+" if change.before is None else "-"
        return _aligned([(symbol, name, _value(values[name])) for name in _sorted(values)])
    diffs = sorted(change.fields, key=lambda f: _rank(f.name))
    fields = [_diff_field(f) for f in diffs]
    if change.action is Action.REPLACE:
        fields = [(s, n, v + _FORCES if n in _IDENTITY else v) for s, n, v in fields]
    lines = _aligned(fields)
    hidden = len(set(change.before) | set(change.after)) - len(change.fields)
    if hidden:
        lines.append(_hidden(hidden, "attribute"))
    return lines


def _diff_field(diff: FieldDiff) -> tuple[str, str, str]:
    if diff.before is None:
        return ("+", diff.name, _value(diff.after))
    if diff.after is None:
        return ("-", diff.name, f"{_value(diff.before)} -> null")
    return ("~", diff.name, f"{_value(diff.before)} -> {_value(diff.after)}")


def _aligned(fields: list[tuple[str, str, str]]) -> list[Line]:
    width = max((len(name) for _, name, _ in fields), default=0)
    return [
        ((f"{symbol} ", _STYLES[symbol]), (f"{name:<{width}} = {value}", ""))
        for symbol, name, value in fields
    ]


def _member_lines(change: Change) -> list[Line]:
    lines = _members("+", change.members_added) + _members("-", change.members_removed)
    start = ("- ", _STYLES["-"])
    lines += [(start, (f'member of group "{visible(g)}"', "")) for g in change.groups_lost]
    if change.members_unchanged and (change.members_added or change.members_removed):
        lines.append(_hidden(change.members_unchanged, "member"))
    return lines


def _members(symbol: str, members: Iterable[MemberRef]) -> list[Line]:
    start = (f"{symbol} ", _STYLES[symbol])
    return [(start, (f"member {visible(m.user_name)}", "")) for m in members]


def _hidden(count: int, noun: str) -> Line:
    return ((f"  ({count} unchanged {noun}{'' if count == 1 else 's'} hidden)", "dim"),)


def _value(value: Value) -> str:
    return visible(json.dumps(value, ensure_ascii=False))


def _rank(name: str) -> tuple[int, str]:
    return (_ORDER.get(name, len(_ORDER)), name)


def _sorted(values: dict[str, Value]) -> list[str]:
    return sorted(values, key=_rank)


def _output(lines: list[Line], color: bool) -> str:
    if not color:
        return "".join(plain(line) + "\n" for line in lines)
    codes: dict[str, tuple[str, str]] = {"": ("", "")}
    out = []
    for line in lines:
        for text, style in line:
            if style not in codes:
                codes[style] = _ansi(style)
            start, end = codes[style]
            out.append(f"{start}{text}{end}")
        out.append("\n")
    return "".join(out)


def _ansi(style: str) -> tuple[str, str]:
    # rich makes the escape codes, once per style: styling each of a million segments
    # through a rich Console would take minutes.
    before, _, after = (
        Style.parse(style).render("\0", color_system=ColorSystem.STANDARD).partition("\0")
    )
    return before, after
