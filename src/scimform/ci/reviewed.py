"""Whether a merge plan was reviewed: change by change, across every pull request merged
since the last successful apply.

The apply workflow plans again on the default branch. Each change in that plan must have
been shown in the latest plan comment of a pull request merged since the last successful
apply (ci.facts splits changes into facts for this). So #7 and #8, planned on the same
store, both apply once merged, and an apply that covers several merges (a burst, or an
earlier apply that failed or was cancelled while queued) applies their union and names
them. A fact no such pull request showed (drift, an edit pushed without review) blocks the
apply, and the report lists exactly those facts beside what reviewers saw of the same
objects.

"The last successful apply" is the newest merged pull request carrying the apply
workflow's `outcome=applied` marker (ci.outcome); pull requests merged after it, up to the
one merged as the commit being applied, are pending (one merged later is not in that commit:
its own apply covers it). Nothing here talks to GitHub.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from scimform.ci import facts as ci_facts
from scimform.ci.comment import PlanMarker, directory_key, find_plan_comment, read_marker
from scimform.ci.outcome import applied_marker
from scimform.ci.runner import Comment, PullRequest

RECENT = 30
_OPT_OUT = "run the apply workflow by hand with `allow-unreviewed-plan: true`"


@dataclass(frozen=True)
class Pending:
    """A pull request merged since the last successful apply, and its plan marker."""

    number: int
    marker: PlanMarker | None


@dataclass(frozen=True)
class Review:
    """What a pending pull request's reviewers saw: its facts, or why none are known."""

    number: int
    facts: frozenset[str] | None
    problem: str | None = None


@dataclass(frozen=True)
class ReviewCheck:
    """The verdict: may the plan be applied, which pull requests it covers, which facts no
    one reviewed, and the report in words and as markdown."""

    ok: bool
    pulls: tuple[int, ...]
    unreviewed: tuple[str, ...]
    message: str
    report: str = ""
    problems: tuple[str, ...] = field(default=())


def merged_pulls(pulls: Iterable[PullRequest], limit: int = RECENT) -> list[PullRequest]:
    """The merged pull requests among `pulls`, newest merge first, at most `limit`."""
    merged = [p for p in pulls if p.merged_at]
    return sorted(merged, key=lambda p: (p.merged_at or "", p.number), reverse=True)[:limit]


def pending_pulls(
    merged: Sequence[PullRequest],
    comments: Mapping[int, Sequence[Comment]],
    directory: str,
    author: str,
    head: str = "",
) -> list[Pending]:
    """The pull requests in `merged` (newest first) merged after the newest one an apply
    of `directory` succeeded for, oldest first. When a pull request was merged as commit
    `head` (the commit being applied), those merged after it are left out: their changes
    are not in this commit, and their own apply will cover them."""
    pending: list[Pending] = []
    for pull in up_to(merged, head):
        said = comments.get(pull.number, ())
        if any(c.by(author) and applied_marker(c.body or "", directory) for c in said):
            break
        comment = find_plan_comment(said, directory, author)
        marker = None if comment is None else read_marker(comment.body or "", directory)
        pending.append(Pending(pull.number, marker))
    return pending[::-1]


def up_to(merged: Sequence[PullRequest], head: str) -> Sequence[PullRequest]:
    """`merged` (newest first) from the pull request merged as commit `head` on; all of
    them when none was."""
    for at, pull in enumerate(merged):
        if head and pull.merge_commit_sha == head:
            return merged[at:]
    return merged


def read_review(pending: Pending, saved: str | None) -> Review:
    """The facts pull request `pending` showed, from the facts file its plan run saved
    (`saved`, its text, None when it could not be had); checked against the marker."""
    marker = pending.marker
    number = pending.number
    if marker is None:
        return Review(number, None, f"#{number} has no plan comment")
    if marker.reviewed is None:
        return Review(
            number, None, f"#{number}'s latest plan comment shows no plan ({marker.state})"
        )
    if saved is None:
        return Review(
            number, None, f"#{number}'s plan (run {marker.run}) could not be downloaded; it may "
            "have expired",
        )  # fmt: skip
    try:
        found = frozenset(json.loads(saved)["facts"])
    except (ValueError, KeyError, TypeError):
        return Review(number, None, f"#{number}'s saved plan is not a facts file")
    if ci_facts.facts_hash(found) != marker.reviewed:
        return Review(number, None, f"#{number}'s saved plan is not the one its comment showed")
    return Review(number, found)


def check_reviewed(
    plan_facts: Sequence[str],
    reviews: Sequence[Review],
    directory: str,
    *,
    allow_unreviewed: bool = False,
) -> ReviewCheck:
    """May a plan with `plan_facts` be applied, given what pending pull requests showed?"""
    where = f"`{directory_key(directory)}`"
    covered = tuple(r.number for r in reviews if r.facts is not None)
    problems = tuple(r.problem for r in reviews if r.problem)
    if not plan_facts:
        return ReviewCheck(True, covered, (), f"The plan for {where} has no changes to review.")
    shown = frozenset().union(*(r.facts for r in reviews if r.facts is not None))
    unreviewed = tuple(f for f in plan_facts if f not in shown)
    names = _names(covered)
    if not unreviewed:
        message = (
            f"Every change in the plan for {where} was shown on {names}, merged since the "
            "last successful apply; applying their union."
        )
        return ReviewCheck(True, covered, (), message, problems=problems)
    report = unreviewed_report(unreviewed, reviews)
    why = (
        f"{len(unreviewed)} change(s) in the plan for {where} were shown on no pull request "
        f"merged since the last successful apply (reviewed: {names})"
    )
    if allow_unreviewed:
        message = f"{why}; applying anyway (allow-unreviewed-plan)."
        return ReviewCheck(True, covered, unreviewed, message, report, problems)
    message = (
        f"{why}. Nothing was applied. Open a pull request that shows them (or undo them), "
        f"or {_OPT_OUT}."
    )
    return ReviewCheck(False, covered, unreviewed, message, report, problems)


def unreviewed_report(unreviewed: Sequence[str], reviews: Sequence[Review]) -> str:
    """Markdown: each unreviewed fact, under what reviewers saw of the same object or field
    (a structural diff of the reviewed plans and the merge plan)."""
    seen: dict[str, list[tuple[str, int]]] = {}
    for review in reviews:
        for fact in sorted(review.facts or ()):
            seen.setdefault(ci_facts.subject(fact), []).append((fact, review.number))
    lines: list[str] = []
    by_subject: dict[str, list[str]] = {}
    for fact in unreviewed:
        by_subject.setdefault(ci_facts.subject(fact), []).append(fact)
    for subject, found in by_subject.items():
        lines.append(f"  {subject}")
        for fact, number in seen.get(subject, []):
            lines.append(f"-   reviewed on #{number}: {ci_facts.describe(fact)}")
        lines += [f"+   in the merge plan:  {ci_facts.describe(f)}" for f in found]
    longest = max((len(r) for line in lines for r in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return (
        f"#### Changes no merged pull request showed ({len(unreviewed)})\n\n"
        f"{fence}diff\n" + "\n".join(lines) + f"\n{fence}\n"
    )


def _names(numbers: Sequence[int]) -> str:
    if not numbers:
        return "none"
    shown = [f"#{n}" for n in numbers]
    return "pull request " + shown[0] if len(shown) == 1 else "pull requests " + ", ".join(shown)
