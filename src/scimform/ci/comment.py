"""The pull-request comment that shows a plan (or why there is none), and the hidden marker
that finds it again.

One comment per config directory, edited in place on every push. Its first line is the
marker `<!-- scimform-plan: DIR commit=SHA run=ID reviewed=HASH -->`: GitHub hides it,
the plan workflow finds the comment by it, and the apply workflow reads from it which run
saved the plan's facts (see ci.facts) and the hash they must have. A failed plan leaves
`failed` instead of `reviewed=`, a fork `fork`: nothing was reviewed. Only comments written
by the workflow's own account count, so nobody can plant a marker by commenting.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote

from scimform.ci.runner import Comment
from scimform.engine.plan import Plan
from scimform.render.markdown import render_markdown

# GitHub refuses comments over 65,536 characters; keep clear of it.
LIMIT = 65_000
# GitHub shows up to 1 MiB of a step's job summary; keep clear of it.
SUMMARY_LIMIT = 1_000_000
_MARKER = re.compile(r"<!-- scimform-plan: (\S+)((?: [a-z-]+(?:=[0-9A-Za-z]+)?)*) -->")
_SHORT = 12
_FAILED_TEXT = 20_000


@dataclass(frozen=True)
class PlanMarker:
    """What a plan comment's marker says: the planned commit, the run that saved the plan,
    the hash of its facts (None when nothing was reviewed: a failed plan, a fork)."""

    commit: str
    run: str
    reviewed: str | None
    state: str  # planned, failed or fork


def directory_key(directory: str) -> str:
    """The config directory as markers and names spell it: a POSIX path without `./`, with
    anything that could end an HTML comment or hold a space percent-encoded."""
    posix = PurePosixPath(directory.replace("\\", "/"))
    return quote(str(posix), safe="/._-~")


def artifact_name(prefix: str, directory: str) -> str:
    """An artifact name for the directory, unique per directory within one run."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", directory_key(directory)).strip("-.")
    return f"{prefix}-{slug or 'root'}"


def plan_marker(directory: str, **fields: str | None) -> str:
    """The hidden first line of a plan comment: `fields` as key=value, None as a bare key."""
    parts = [k if v is None else f"{k}={_safe(v)}" for k, v in fields.items()]
    return f"<!-- scimform-plan: {directory_key(directory)} {' '.join(parts)} -->"


def read_marker(body: str, directory: str) -> PlanMarker | None:
    """The marker for `directory` in `body`, or None."""
    key = directory_key(directory)
    for match in _MARKER.finditer(body):
        if match.group(1) == key:
            fields = _fields(match.group(2))
            state = "fork" if "fork" in fields else "failed" if "failed" in fields else "planned"
            reviewed = fields.get("reviewed") if state == "planned" else None
            return PlanMarker(fields.get("commit") or "", fields.get("run") or "", reviewed, state)
    return None


def _fields(text: str) -> dict[str, str | None]:
    fields: dict[str, str | None] = {}
    for part in text.split():
        name, sep, value = part.partition("=")
        fields[name] = value if sep else None
    return fields


def _safe(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value)


@dataclass(frozen=True)
class Where:
    """Where a comment comes from: the config directory, the planned commit and the run."""

    directory: str
    commit: str
    run_id: str
    run_url: str | None = None

    def foot(self, extra: str = "") -> str:
        run = f" · [workflow run]({self.run_url})" if self.run_url else ""
        return (
            f"\n<sub>Config `{directory_key(self.directory)}` · planned at commit "
            f"`{self.commit[:_SHORT]}`{extra}{run}</sub>\n"
        )


def comment_body(
    plan: Plan, where: Where, reviewed_hash: str, sensitive: Collection[str] = ()
) -> str:
    """The comment: the marker, then the plan as markdown (summary first, access changes
    first, warning banners on destroys and unsafe plans), then a line naming the
    directory, the planned commit, the plan and the run. Always shorter than LIMIT."""
    head = (
        plan_marker(where.directory, commit=where.commit, run=where.run_id, reviewed=reviewed_hash)
        + "\n"
    )
    foot = where.foot(_plan_foot(plan))
    limit = LIMIT - len(head) - len(foot)
    return head + render_markdown(plan, limit=limit, sensitive=sensitive) + foot


def failure_body(where: Where, stage: str, details: str) -> str:
    """The comment that replaces the plan when a re-plan failed: what failed, and its
    output (validation errors, the read error). Nothing here was reviewed."""
    head = plan_marker(where.directory, commit=where.commit, run=where.run_id, failed=None)
    text = details.strip() or "(no output)"
    if len(text) > _FAILED_TEXT:
        text = "… (the start is in the job log)\n" + text[-_FAILED_TEXT:]
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return (
        f"{head}\n### scimform plan failed\n\n"
        f"**The {stage} failed at this commit, so there is no plan to review.** Any plan "
        "shown here before is gone: it no longer describes this pull request. Fix the cause "
        "and push again.\n\n"
        f"{fence}\n{text}\n{fence}\n" + where.foot()
    )


def fork_body(directory: str) -> str:
    """The comment on a pull request from a fork: why there is no plan."""
    return (
        f"{plan_marker(directory, fork=None)}\n### scimform plan: not run for a fork\n\n"
        "A plan reads the live identity store with the SCIM token, and GitHub gives no "
        "secrets to workflows started by pull requests from forks (a fork could send the "
        "token anywhere). So this pull request gets no plan, and it cannot be applied as "
        "reviewed. A maintainer can push the same commits to a branch of this repository "
        f"and open a pull request from it to plan `{directory_key(directory)}`.\n"
    )


def find_plan_comment(comments: Iterable[Comment], directory: str, author: str) -> Comment | None:
    """The plan comment for `directory` written by `author` (the newest, should there be
    more than one), or None."""
    found = [c for c in comments if c.by(author) and read_marker(c.body or "", directory)]
    return max(found, key=lambda c: c.id, default=None)


def plan_outputs(plan: Plan) -> Mapping[str, str]:
    """The step outputs that describe a plan."""
    exit_code = 0 if not plan.has_changes else (2 if plan.safety.safe else 3)
    return {
        "hash": plan.hash,
        "exit-code": str(exit_code),
        "has-changes": _flag(plan.has_changes),
        "safe": _flag(plan.safety.safe),
        "destroys": str(sum(c.destroys for c in plan.changes)),
    }


def summary_body(plan: Plan, where: Where, sensitive: Collection[str] = ()) -> str:
    """The job summary: the whole plan as markdown, up to GitHub's 1 MiB."""
    foot = where.foot(_plan_foot(plan))
    return render_markdown(plan, limit=SUMMARY_LIMIT - len(foot), sensitive=sensitive) + foot


def _plan_foot(plan: Plan) -> str:
    """The foot's part about the plan: its hash, and for a targeted plan the commit whose
    change it covers."""
    covered = plan.targeted
    since = f" · targeted: changes since `{covered.changed_since[:_SHORT]}`" if covered else ""
    return f" · plan `{plan.hash[:_SHORT]}`{since}"


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _flag(value: bool) -> str:
    return "true" if value else "false"
