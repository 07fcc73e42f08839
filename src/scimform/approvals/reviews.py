"""Who approved a pull request, from its reviews as GitHub lists them (oldest first).

Per reviewer only the latest state counts: APPROVED, CHANGES_REQUESTED or DISMISSED (a
COMMENTED review leaves it as it was; a PENDING one is not submitted). An approval counts
only when it was given on the pull request's head commit, so a push after it needs a new
one; and the author's own approval never counts. GitHub logins are case-insensitive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from scimform.ci.runner import Author

_DECIDING = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})


class Review(BaseModel):
    """A pull request review as `gh api repos/R/pulls/N/reviews` gives it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    user: Author | None = None
    state: str
    commit_id: str | None = None


class PullRequestHead(BaseModel):
    """The parts of `gh api repos/R/pulls/N` the approval check and the audit read."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    class Ref(BaseModel):
        model_config = ConfigDict(extra="ignore", frozen=True)
        sha: str

    number: int
    user: Author
    head: Ref
    base: Ref
    html_url: str | None = None
    title: str | None = None
    merged_at: str | None = None
    merged_by: Author | None = None
    merge_commit_sha: str | None = None


@dataclass(frozen=True, slots=True)
class Approvals:
    """The logins whose approval counts (latest state APPROVED, on the head commit, not
    the author), and those whose latest approval was on an earlier commit."""

    counted: tuple[str, ...]
    stale: tuple[str, ...] = ()
    by_author: bool = False


def approvals(reviews: Iterable[Review], head: str, author: str) -> Approvals:
    """Who approved the pull request whose head commit is `head` and author `author`."""
    latest: dict[str, tuple[str, Review]] = {}  # folded login -> (login, review)
    for review in reviews:
        if review.user is None or review.state not in _DECIDING:
            continue
        latest[review.user.login.casefold()] = (review.user.login, review)
    counted, stale, by_author = [], [], False
    for key, (login, review) in sorted(latest.items()):
        if review.state != "APPROVED":
            continue
        if key == author.casefold():
            by_author = True
        elif review.commit_id == head:
            counted.append(login)
        else:
            stale.append(login)
    return Approvals(tuple(counted), tuple(stale), by_author)
