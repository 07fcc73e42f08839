"""Which commit a workflow's plan is targeted against (`plan --changed-since REV`), or why
it plans in full.

A targeted plan reads only what the config's change since REV touches, and trusts the store
to hold the config at REV for everything else. So REV must be a commit whose config the
store holds (or whose difference from now is what the plan should show):

- a pull request's plan compares the config with the pull request's base commit: the plan
  shows exactly what the pull request changes;
- the apply compares it with the last commit applied successfully, named by the outcome
  comment of the newest merged pull request an apply succeeded for (ci.outcome), the same
  pull request at which ci.reviewed stops counting pending ones. Not the merge's parent:
  when an earlier apply failed or was cancelled, its changes are still to be made, and a
  plan since the parent would not see them.

Either plans in full when no such commit is known, when it is not an ancestor of the commit
being planned (a force push, or a checkout without that history), or when turned off. A
manual apply plans in full too: it is how an operator re-applies after drift, which only a
full plan sees. Nothing here runs git: `is_ancestor` answers for the checkout.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from scimform.ci.outcome import applied_commit
from scimform.ci.reviewed import up_to
from scimform.ci.runner import Comment, PullRequest

IsAncestor = Callable[[str], bool]
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1, or SHA-256
_SHORT = 12
_OFF = "the workflow's targeted-plan input is false"
_FULL_NOTE = " A full plan reads the whole store."
_UNLESS = (
    " (`scimform plan` still plans in full, and says so in its log, when the change edits "
    "`ownership:` or touches so much that reading the whole store costs fewer requests.)"
)


@dataclass(frozen=True)
class Since:
    """The revision to plan since (None: a full plan) and why, in a sentence."""

    revision: str | None
    reason: str

    @property
    def summary(self) -> str:
        """The job summary's line about it."""
        if self.revision is None:
            return f"**Full plan:** {self.reason}.{_FULL_NOTE}\n"
        return f"**Targeted plan** since `{self.revision[:_SHORT]}`: {self.reason}.{_UNLESS}\n"


def pull_request_since(base: str, enabled: bool, is_ancestor: IsAncestor) -> Since:
    """The plan of a pull request whose base commit is `base` (empty: not a pull request)."""
    if not enabled:
        return Since(None, _OFF)
    if not base:
        return Since(None, "the run is not for a pull request, so there is no base commit")
    if not _SHA.fullmatch(base):
        return Since(None, f"the base commit {base!r} is not a full commit sha")
    if not is_ancestor(base):
        return Since(None, _not_ancestor(base, "the pull request's base commit"))
    return Since(
        base, f"only what changed since the pull request's base commit `{base[:_SHORT]}` is read"
    )


def apply_since(
    merged: Sequence[PullRequest],
    comments: Mapping[int, Sequence[Comment]],
    directory: str,
    author: str,
    *,
    head: str,
    event: str,
    enabled: bool,
    is_ancestor: IsAncestor,
) -> Since:
    """The apply's plan at `head`, started by `event`, given the merged pull requests
    (newest first) and their comments."""
    if not enabled:
        return Since(None, _OFF)
    if event != "push":
        return Since(None, f"a {event or 'manual'} run plans in full, to see drift as well")
    for pull in up_to(merged, head):
        said = comments.get(pull.number, ())
        found = [applied_commit(c.body or "", directory) for c in said if c.by(author)]
        commits = [c for c in found if c is not None]
        if commits:
            return _applied(pull, commits[-1], is_ancestor)
    return Since(
        None,
        "no successful apply is known among the recently merged pull requests, so what the "
        "store holds is not known",
    )


def _applied(pull: PullRequest, marked: str, is_ancestor: IsAncestor) -> Since:
    """Since the commit the apply that covered `pull` applied (its outcome comment names
    it; else the pull request's merge commit)."""
    commit = marked if _SHA.fullmatch(marked) else (pull.merge_commit_sha or "")
    what = f"the last commit applied successfully (covering #{pull.number})"
    if not _SHA.fullmatch(commit):
        return Since(None, f"{what} is not named by a full commit sha")
    if not is_ancestor(commit):
        return Since(None, _not_ancestor(commit, what))
    return Since(commit, f"only what changed since {what}, `{commit[:_SHORT]}`, is read")


def _not_ancestor(commit: str, what: str) -> str:
    return (
        f"{what}, `{commit[:_SHORT]}`, is not in the history of the commit planned (history "
        "rewritten, or the checkout is shallow: check out with fetch-depth: 0)"
    )
