"""What the apply workflow says on each merged pull request it applied (or did not).

The comment starts with `<!-- scimform-apply: DIR outcome=OUTCOME commit=SHA -->`: the
outcome is applied, failed or skipped. The newest pull request with `outcome=applied` marks
the last successful apply (ci.reviewed reads it); the others stay pending, and the next
apply covers them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scimform.ci.comment import directory_key

_MARKER = re.compile(r"<!-- scimform-apply: (\S+) outcome=([a-z]+) commit=([0-9a-zA-Z]*) -->")
_WORDS = {
    "applied": "done: every change was made (or there was nothing left to do)",
    "failed": "failed: the apply stopped or some changes failed; the next apply retries them",
    "skipped": "skipped: nothing was applied (an unreviewed or unsafe plan, or an error "
    "before the apply); the next apply covers this pull request again",
}


def apply_marker(directory: str, outcome: str, commit: str) -> str:
    """The hidden first line of an outcome comment."""
    safe = re.sub(r"[^0-9a-zA-Z]", "", commit)
    return f"<!-- scimform-apply: {directory_key(directory)} outcome={outcome} commit={safe} -->"


def applied_marker(body: str, directory: str) -> bool:
    """True when `body` says an apply of `directory` succeeded."""
    key = directory_key(directory)
    return any(m.group(1) == key and m.group(2) == "applied" for m in _MARKER.finditer(body))


def applied_commit(body: str, directory: str) -> str | None:
    """The commit an apply of `directory` that `body` says succeeded applied ("" when the
    marker names none), or None when `body` says no such thing."""
    key = directory_key(directory)
    found = [
        m.group(3) for m in _MARKER.finditer(body) if (m.group(1), m.group(2)) == (key, "applied")
    ]
    return found[-1] if found else None


def outcome_body(
    directory: str,
    outcome: str,
    *,
    commit: str,
    pulls: Sequence[int],
    run_url: str | None,
    detail: str = "",
) -> str:
    """The comment on one of `pulls`, all applied together by the run at `run_url`."""
    together = ", ".join(f"#{n}" for n in pulls)
    run = f" ([workflow run]({run_url}))" if run_url else ""
    text = (
        f"{apply_marker(directory, outcome, commit)}\n### scimform apply: {outcome}\n\n"
        f"**{_WORDS[outcome].capitalize()}.**\n\n"
        f"Config `{directory_key(directory)}` at commit `{commit[:12]}`{run}; this apply "
        f"covered {together}.\n"
    )
    return text + (f"\n{detail}\n" if detail else "")
