"""A plan as markdown for a pull-request comment.

The summary comes first (the summary line, a visible alert when the plan is unsafe or
destroys anything, notes and warnings), then one line per object, then the full plan in a
collapsed `<details>` block. Access changes come first in both lists: groups whose members
change, and groups the caller names as sensitive (`sensitive: true` in the config); then
other group changes, then users. GitHub refuses comments over 65,536 characters, so the
result always stays under `limit`: the one-line list has the room first, and when even it
is cut, one closing line counts what was left out by kind and action.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from scimform.engine.changes import Change, Kind
from scimform.engine.plan import Plan
from scimform.render import token_words, words
from scimform.render.text import change_block, plain, summary_entry

LIMIT = 65_000
# Caps that keep the summary part well under the limit whatever the names (escaping can
# double a text's length): at most 20 x 500 x 2 + 10 x 200 x 2 characters of names.
_WARNINGS_SHOWN = 20
_WARNING_CHARS = 500
_DESTROYED_SHOWN = 10
_TITLE_CHARS = 200
# Kept free for what must follow a cut list: the closing fence, </details>, the note.
_TAIL = 600
# The fence lines and the "more changes not shown" line of a fenced block.
_FENCE_ROOM = 240
# What the one-line list leaves for the details block, at least.
_DETAILS_ROOM = 400
_SPECIAL = re.compile(r"([\\`*_\[\]#|~<>&])")
_TRUNCATED = (
    "_This comment was shortened to fit GitHub's limit. Run `scimform plan` to see the whole plan._"
)


def render_markdown(plan: Plan, *, limit: int = LIMIT, sensitive: Collection[str] = ()) -> str:
    """The plan as a PR comment, always shorter than `limit` characters; access changes
    (member changes, and changes to the groups named in `sensitive`) first."""
    head = "\n".join(_head(plan)) + "\n"
    if not plan.changes:
        return _cut(head, limit)
    changes = access_first(plan.changes, sensitive)
    writer = _Writer()
    writer.add(head + "\n")
    # The one-line list has the room first (all of it, if need be); the details the rest.
    entries = ([plain(summary_entry(c))] for c in changes)
    writer.fenced(entries, changes, limit - _TAIL - _DETAILS_ROOM)
    count = len(changes)
    writer.add(f"\n<details><summary>Details: {count} change{'' if count == 1 else 's'}")
    writer.add("</summary>\n\n")
    writer.fenced(map(_detail_lines, changes), changes, limit - _TAIL)
    writer.add("\n</details>\n")
    if writer.truncated:
        writer.add("\n" + _TRUNCATED + "\n")
    return _cut("".join(writer.parts), limit)


def access_first(changes: Sequence[Change], sensitive: Collection[str] = ()) -> list[Change]:
    """`changes` with access changes first (members added or removed, or a group named in
    `sensitive`, case-insensitively), then other group changes, then users; in plan order
    within each."""
    folded = {name.casefold() for name in sensitive}

    def rank(change: Change) -> int:
        if change.kind is not Kind.GROUP:
            return 2
        access = change.members_added or change.members_removed
        return 0 if access or change.key.casefold() in folded else 1

    return sorted(changes, key=rank)


def _left_out(changes: Sequence[Change]) -> str:
    """`12 users to add, 3 groups to change` for the changes not shown."""
    counts = Counter((c.kind.value, _VERBS.get(c.action.value, "to change")) for c in changes)
    parts = [f"{n} {kind}{'' if n == 1 else 's'} {verb}" for (kind, verb), n in counts.items()]
    return ", ".join(sorted(parts, key=lambda p: p.split(" ", 1)[1]))


_VERBS = {"create": "to add", "delete": "to destroy", "replace": "to replace"}


def _head(plan: Plan) -> list[str]:
    lines = ["### scimform plan", ""]
    lines.append(f"**{token_words.first_line(plan)}**")
    if not plan.safety.safe:
        lines += ["", "> [!CAUTION]"]
        lines += [f"> **{_escape(u)}**" + "  " for u in words.unsafe(plan)]
    destroyed = [c for c in plan.changes if c.destroys]
    if destroyed:
        names = ", ".join(
            _escape(_shortened(words.title(c), _TITLE_CHARS)) for c in destroyed[:_DESTROYED_SHOWN]
        )
        more = len(destroyed) - _DESTROYED_SHOWN
        names += f" and {more} more" if more > 0 else ""
        lines += ["", "> [!WARNING]", f"> This plan destroys {_objects(len(destroyed))}: {names}."]
    notes = words.notes(plan) + _capped(words.warnings(plan))
    if notes:
        lines += [""] + [f"- {_escape(n)}" for n in notes]
    return lines + _tokens(plan)


_TOKEN_MARKS = {"error": "**{}**", "warning": "⚠️ {}", "summary": "**{}**"}


def _tokens(plan: Plan) -> list[str]:
    """The token part as a list; AWS's console steps as a numbered list under it."""
    lines = token_words.token_lines(plan.tokens)
    if not lines:
        return []
    out = ["", "#### SCIM tokens", ""]
    for line in lines:
        text = _escape(_shortened(line.text, _WARNING_CHARS * 2))
        if line.symbol:
            out.append(f"- `{line.symbol}` {text}")
        elif line.kind == "step":
            out.append(f"   {text}")
        else:
            out.append("- " + _TOKEN_MARKS.get(line.kind, "{}").format(text))
    return out


def _objects(count: int) -> str:
    return f"{count} object{'' if count == 1 else 's'}"


def _capped(warnings: list[str]) -> list[str]:
    shown = [_shortened(w, _WARNING_CHARS) for w in warnings]
    more = len(shown) - _WARNINGS_SHOWN
    return shown[:_WARNINGS_SHOWN] + ([f"… and {more} more warnings"] if more > 0 else [])


def _detail_lines(change: Change) -> list[str]:
    return [_diff_line(plain(line)) for line in change_block(change)] + [""]


def _diff_line(line: str) -> str:
    # A diff fence colours a line by its first character: move the symbol to column 0.
    stripped = line.lstrip()
    if stripped[:1] in ("+", "-"):
        return stripped[0] + " " * (len(line) - len(stripped)) + stripped[1:]
    return line


def _shortened(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most] + "…"


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def _cut(text: str, limit: int) -> str:
    # The last guard: every part above is bounded, so this only bites on a tiny limit.
    return text if len(text) < limit else text[: limit - 2] + "…\n"


class _Writer:
    """Appends text, and fenced blocks of as many whole lines as fit under a limit;
    remembers whether anything was cut."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def fenced(self, changes: Iterable[list[str]], plan: Sequence[Change], limit: int) -> None:
        """A ```diff block of each change's lines while they fit, then how many changes
        were not shown (or shown only in part), by kind and action. Lines are made only as
        far as they fit."""
        total = len(plan)
        body: list[str] = []
        size = self.size + _FENCE_ROOM
        shown = 0
        for lines in changes:
            for line in lines:
                size += len(line) + 1
                if size >= limit:
                    break
                body.append(line)
            else:
                shown += 1
                continue
            break
        fence = "`" * max(3, _longest_backtick_run(body) + 1)
        self.add(f"{fence}diff\n" + "".join(line + "\n" for line in body))
        if shown < total:
            self.truncated = True
            self.add(f"… {total - shown} more changes not shown: {_left_out(plan[shown:])}\n")
        self.add(f"{fence}\n")


def _longest_backtick_run(lines: Sequence[str]) -> int:
    return max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
