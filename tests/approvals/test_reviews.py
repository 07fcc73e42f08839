"""Who approved: per reviewer the latest deciding state, on the head commit, never the
author."""

from __future__ import annotations

from typing import Any

from scimform.approvals.reviews import Approvals, Review, approvals

HEAD, OLD = "h" * 40, "o" * 40


def review(login: str, state: str, commit: str = HEAD) -> Review:
    data: dict[str, Any] = {"user": {"login": login}, "state": state, "commit_id": commit}
    return Review.model_validate(data | {"id": 1, "body": "", "html_url": "x"})


def test_an_approval_on_the_head_commit_counts() -> None:
    assert approvals([review("bob", "APPROVED")], HEAD, "alice") == Approvals(("bob",))


def test_the_latest_deciding_state_counts_and_comments_do_not_change_it() -> None:
    found = approvals(
        [
            review("bob", "APPROVED"),
            review("bob", "COMMENTED"),  # still approved
            review("carol", "APPROVED"),
            review("carol", "CHANGES_REQUESTED"),  # no longer
            review("dave", "CHANGES_REQUESTED"),
            review("dave", "APPROVED"),  # now approved
            review("erin", "DISMISSED"),  # GitHub marks a dismissed approval so
            review("fay", "PENDING"),  # not submitted
        ],
        HEAD,
        "alice",
    )
    assert found == Approvals(("bob", "dave"))


def test_an_approval_before_a_later_push_does_not_count() -> None:
    found = approvals([review("bob", "APPROVED", OLD), review("carol", "APPROVED")], HEAD, "x")
    assert found == Approvals(("carol",), stale=("bob",))
    # A comment on the new head does not renew the approval.
    renewed = approvals([review("bob", "APPROVED", OLD), review("bob", "COMMENTED")], HEAD, "x")
    assert renewed.counted == () and renewed.stale == ("bob",)


def test_the_authors_own_approval_never_counts_whatever_the_case() -> None:
    found = approvals([review("Alice", "APPROVED"), review("bob", "APPROVED")], HEAD, "alice")
    assert found == Approvals(("bob",), by_author=True)


def test_logins_are_one_reviewer_whatever_their_case() -> None:
    found = approvals([review("Bob", "APPROVED"), review("bob", "DISMISSED")], HEAD, "alice")
    assert found.counted == ()


def test_a_review_by_a_deleted_account_is_left_out() -> None:
    ghost = Review.model_validate({"user": None, "state": "APPROVED", "commit_id": HEAD})
    assert approvals([ghost], HEAD, "alice") == Approvals(())
