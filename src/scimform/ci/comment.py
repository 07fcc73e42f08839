"""The pull-request comment that shows a plan, and the hidden marker that finds it again.

One comment per config directory, edited in place on every push. Its first line is the
marker `<!-- scimform-plan: DIR hash=HASH -->`: GitHub hides it, the plan workflow finds the
comment by it, and the apply workflow reads the reviewed plan's hash from it. Only comments
written by the workflow's own account count, so nobody can plant a marker by commenting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import quote

from scimform.ci.runner import Comment
from scimform.engine.plan import Plan
from scimform.render.markdown import render_markdown

# GitHub refuses comments over 65,536 characters; keep clear of it.
LIMIT = 65_000
_MARKER = re.compile(r"<!-- scimform-plan: (\S+) hash=([0-9a-f]{64}) -->")
_SHORT_HASH = 12


def directory_key(directory: str) -> str:
    """The config directory as markers and names spell it: a POSIX path without `./`, with
    anything that could end an HTML comment or hold a space percent-encoded."""
    posix = PurePosixPath(directory.replace("\\", "/"))
    return quote(str(posix), safe="/._-~")


def artifact_name(prefix: str, directory: str) -> str:
    """An artifact name for the directory, unique per directory within one run."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", directory_key(directory)).strip("-.")
    return f"{prefix}-{slug or 'root'}"


def plan_marker(directory: str, plan_hash: str) -> str:
    """The hidden first line of the plan comment."""
    return f"<!-- scimform-plan: {directory_key(directory)} hash={plan_hash} -->"


def marked_hash(body: str, directory: str) -> str | None:
    """The plan hash the marker for `directory` carries in `body`, or None."""
    key = directory_key(directory)
    for match in _MARKER.finditer(body):
        if match.group(1) == key:
            return match.group(2)
    return None


def comment_body(plan: Plan, directory: str, run_url: str | None = None) -> str:
    """The comment: the marker, then the plan as markdown (summary first, warning banners on
    destroys and unsafe plans), then a line naming the directory, the hash and the run.
    Always shorter than LIMIT characters."""
    head = plan_marker(directory, plan.hash) + "\n"
    run = f" · [workflow run]({run_url})" if run_url else ""
    foot = (
        f"\n<sub>Config `{directory_key(directory)}` · plan `{plan.hash[:_SHORT_HASH]}`"
        f"{run}</sub>\n"
    )
    return head + render_markdown(plan, limit=LIMIT - len(head) - len(foot)) + foot


def find_plan_comment(comments: Iterable[Comment], directory: str, author: str) -> Comment | None:
    """The plan comment for `directory` written by `author` (the newest, should there be
    more than one), or None."""
    found = [
        c for c in comments if c.by(author) and marked_hash(c.body or "", directory) is not None
    ]
    return max(found, key=lambda c: c.id, default=None)


def plan_outputs(plan: Plan) -> dict[str, str]:
    """The step outputs that describe a plan."""
    exit_code = 0 if not plan.has_changes else (2 if plan.safety.safe else 3)
    return {
        "hash": plan.hash,
        "exit-code": str(exit_code),
        "has-changes": _flag(plan.has_changes),
        "safe": _flag(plan.safety.safe),
        "destroys": str(sum(c.destroys for c in plan.changes)),
    }


def _flag(value: bool) -> str:
    return "true" if value else "false"
