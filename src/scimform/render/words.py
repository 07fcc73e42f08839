"""The words every rendering of a plan shares: symbols, headings, the summary line, and the
notes on what was left alone, warnings and safety.

Every name and value a reviewer reads goes through `visible` (from `scimform.glyphs`), so
that an invisible or bidirectional control character, a look-alike letter from another
script mixed into a word, or a decomposed accent shows as `<U+200B>` in text and markdown
plans alike: two names that differ never look the same there.
"""

from __future__ import annotations

from scimform.engine.changes import Action, Change, LeftAlone
from scimform.engine.plan import Plan
from scimform.engine.safety import OVERRIDE_HINT
from scimform.glyphs import visible

NO_CHANGES = "No changes. The live store matches the configuration."

SYMBOLS: dict[Action, str] = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.DEACTIVATE: "~",
    Action.DELETE: "-",
    Action.REPLACE: "-/+",
}

_MEANINGS = {
    "+": "create",
    "~": "update in place",
    "-": "destroy",
    "-/+": "destroy and then create replacement",
}

_FATES: dict[Action, str] = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.DEACTIVATE: "will be deactivated",
    Action.DELETE: "will be destroyed",
    Action.REPLACE: "must be replaced",
}


def legend(plan: Plan) -> list[str]:
    """The symbols the plan uses and what they mean, in Terraform's manner."""
    used = {SYMBOLS[c.action] for c in plan.changes}
    lines = ["scimform will perform the following actions. Symbols:"]
    lines += [f"{s:>3} {meaning}" for s, meaning in _MEANINGS.items() if s in used]
    return lines


def title(change: Change) -> str:
    """`user "alice@corp.example"`; `user "ad<U+200B>min"` for a name with a hidden character."""
    return f'{change.kind.value} "{visible(change.key)}"'


def reason(change: Change) -> str:
    """Why the change is made (it may quote a former name)."""
    return visible(change.reason)


def heading(change: Change) -> str:
    """`# user "alice" will be created (not in the live store)`."""
    return f"# {title(change)} {_FATES[change.action]} ({reason(change)})"


def summary_line(plan: Plan) -> str:
    """`Plan: 1 to add, 2 to change, 0 to destroy; 3 members to add, 1 to remove.`"""
    s = plan.summary
    members = "member" if s.members_add == 1 else "members"
    return (
        f"Plan: {s.add} to add, {s.change} to change, {s.destroy} to destroy; "
        f"{s.members_add} {members} to add, {s.members_remove} to remove."
    )


def members_note(change: Change) -> str:
    """`+2 -1 members` for a change with member changes, `loses 2 groups` for a destroyed
    user that was in groups, else ""."""
    added, removed = len(change.members_added), len(change.members_removed)
    if change.groups_lost:
        lost = len(change.groups_lost)
        return f"loses {lost} group{'' if lost == 1 else 's'}"
    if not (added or removed):
        return ""
    return f"+{added} -{removed} members"


def _count(n: int, kind: str) -> str:
    return f"{n} live {kind}{'' if n == 1 else 's'}"


def _joined(counts: list[tuple[int, str]]) -> tuple[str, bool]:
    parts = [_count(n, kind) for n, kind in counts if n]
    return " and ".join(parts), sum(n for n, _ in counts) == 1


def notes(plan: Plan) -> list[str]:
    """What the plan left alone, in sentences, naming who (the first few of each kind)."""
    left = plan.left_alone
    out = []
    undeclared, one = _joined([(left.users, "user"), (left.groups, "group")])
    if undeclared:
        verb = "is" if one else "are"
        out.append(
            f"{undeclared} {verb} not in the config and {'was' if one else 'were'} left alone "
            f"(ownership.prune is off){_names(left)}."
        )
    ignored, one = _joined([(left.ignored_users, "user"), (left.ignored_groups, "group")])
    if ignored:
        verb = "matches" if one else "match"
        out.append(f"{ignored} {verb} ownership.ignore and {'was' if one else 'were'} left alone.")
    return out


def _names(left: LeftAlone) -> str:
    named = [f'user "{visible(n)}"' for n in left.user_names]
    named += [f'group "{visible(n)}"' for n in left.group_names]
    more = left.users + left.groups - len(named)
    return (": " + ", ".join(named) + (f" and {more} more" if more > 0 else "")) if named else ""


def warnings(plan: Plan) -> list[str]:
    """Each warning as a line."""
    return [f"Warning: {visible(w)}" for w in plan.warnings]


def unsafe(plan: Plan, forced: bool = False) -> list[str]:
    """Why the plan is unsafe and how to override (unless it is being `forced`), or
    nothing when it is safe."""
    if plan.safety.safe:
        return []
    lines = [f"Unsafe plan: it {b.describe()}." for b in plan.safety.breaches]
    return lines if forced else [*lines, OVERRIDE_HINT]
