"""Whether the plan about to be applied is the plan reviewed on the pull request.

On a push to the default branch the apply workflow plans again, finds the pull request
merged as the pushed commit, and reads the hash the plan comment's marker carries. Equal
hashes mean the same changes against the same live state (the hash covers the live-state
fingerprint). Anything else refuses the apply, unless the caller opted out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scimform.ci.comment import directory_key, find_plan_comment, marked_hash
from scimform.ci.runner import Comment, PullRequest
from scimform.engine.plan import Plan

_OPT_OUT = "set the workflow input `allow-unreviewed-plan: true` to apply it anyway"


@dataclass(frozen=True)
class ReviewCheck:
    """The verdict: may the plan be applied, the reviewed hash found (if any), and why."""

    ok: bool
    reviewed_hash: str | None
    message: str


def merged_pull_request(pulls: Iterable[PullRequest], sha: str) -> int | None:
    """The pull request merged as commit `sha` (its merge commit), else the only merged pull
    request among `pulls`, else None."""
    merged = [p for p in pulls if p.merged_at]
    for pull in merged:
        if pull.merge_commit_sha == sha:
            return pull.number
    return merged[0].number if len(merged) == 1 else None


def check_reviewed(
    plan: Plan,
    comments: Iterable[Comment],
    directory: str,
    *,
    pull: int | None,
    author: str,
    allow_unreviewed: bool = False,
) -> ReviewCheck:
    """Compare `plan` with the plan reviewed on pull request `pull` for `directory`. A plan
    without changes needs no review: applying it changes nothing."""
    where = f"`{directory_key(directory)}`"
    comment = find_plan_comment(comments, directory, author)
    reviewed = None if comment is None else marked_hash(comment.body or "", directory)
    if not plan.has_changes:
        return ReviewCheck(True, reviewed, f"The plan for {where} has no changes to review.")
    if pull is None:
        return _refuse(
            None,
            f"No pull request was merged as this commit, so no plan for {where} was reviewed",
            allow_unreviewed,
        )
    if comment is None:
        return _refuse(
            None,
            f"Pull request #{pull} has no scimform plan comment for {where} written by "
            f"{author}, so no plan was reviewed",
            allow_unreviewed,
        )
    if reviewed == plan.hash:
        return ReviewCheck(
            True,
            reviewed,
            f"The plan for {where} is the one reviewed on pull request #{pull} "
            f"(hash {plan.hash[:12]}).",
        )
    return _refuse(
        reviewed,
        f"The plan for {where} made now (hash {plan.hash[:12]}) differs from the one reviewed "
        f"on pull request #{pull} (hash {(reviewed or '')[:12]}): the live store or the "
        "config changed after the review",
        allow_unreviewed,
    )


def _refuse(reviewed: str | None, why: str, allow_unreviewed: bool) -> ReviewCheck:
    if allow_unreviewed:
        return ReviewCheck(True, reviewed, f"{why}; applying it anyway (allow-unreviewed-plan).")
    return ReviewCheck(
        False,
        reviewed,
        f"{why}. Nothing was applied. Review a new plan in a pull request, or {_OPT_OUT}.",
    )
