"""The approval check of one pull request: its access changes from the config at the base
and at the head, what each needs, and who approved it.

The numbers (`approvals:`) are the base's: a pull request is judged by the rules it
started under. On a pull request the base is where its branch left the target branch
(what GitHub compares it with); on a merge, the merge commit's first parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scimform.approvals.changes import AccessChange, access_changes, rules_change
from scimform.approvals.configs import config_at, merge_base
from scimform.approvals.policy import Context, Verdict, judge, unmet
from scimform.approvals.reviews import Approvals, PullRequestHead, Review, approvals
from scimform.errors import ScimformError


@dataclass(frozen=True, slots=True)
class ApprovalCheck:
    """The outcome for one pull request: every change's verdict and who approved."""

    number: int
    author: str
    head: str
    base: str
    verdicts: tuple[Verdict, ...]
    approved: Approvals

    @property
    def met(self) -> bool:
        return not unmet(self.verdicts)

    @property
    def unmet(self) -> list[Verdict]:
        return unmet(self.verdicts)


def judge_configs(
    directory: Path, base: str, head: str, author: str, approved: Approvals
) -> tuple[str, str, list[Verdict]]:
    """The verdicts on the changes from the config at `base` to the one at `head` (full
    shas of both returned first); a ScimformError when either config does not load."""
    try:
        before = config_at(directory, base)
    except ScimformError as exc:
        # Judged against nothing, every owner would be the pull request's own: fail closed.
        raise ScimformError(
            f"the base: {exc}. Who may approve is read from the base, so nothing can be "
            "judged until its config loads again; fix it there first (an administrator can "
            "merge that fix past this check)"
        ) from None
    after = config_at(directory, head)
    changes: list[AccessChange] = access_changes(before.desired, after.desired)
    rules = rules_change(before.settings.approvals, after.settings.approvals)
    if rules is not None:
        changes.append(rules)
    context = Context(before.desired, after.desired, before.settings.approvals, author)
    return before.commit, after.commit, judge(changes, context, approved)


def check_pull_request(
    directory: Path, pull: PullRequestHead, reviews: list[Review], base: str, head: str
) -> ApprovalCheck:
    """Check `pull` (approvals counted on its head commit) over the changes from the
    config where `head` left `base` (their merge base) to the one at `head`."""
    approved = approvals(reviews, pull.head.sha, pull.user.login)
    start = merge_base(directory, base, head)
    base_sha, _, verdicts = judge_configs(directory, start, head, pull.user.login, approved)
    return ApprovalCheck(
        pull.number, pull.user.login, pull.head.sha, base_sha, tuple(verdicts), approved
    )
