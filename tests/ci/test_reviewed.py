"""The reviewed-plan check: the same plan passes, anything else is refused unless allowed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scimform.ci.comment import comment_body
from scimform.ci.reviewed import check_reviewed, merged_pull_request
from scimform.ci.runner import Author, Comment, PullRequest
from scimform.engine.plan import Plan
from scimform.model import User

BOT = "github-actions[bot]"
PlanOf = Callable[..., Plan]


@pytest.fixture
def alice(person: Callable[..., User]) -> User:
    return person("alice@corp.example")


@pytest.fixture
def bob(person: Callable[..., User]) -> User:
    return person("bob@corp.example")


def posted(plan: Plan, directory: str = "people", login: str = BOT) -> Comment:
    return Comment(id=1, body=comment_body(plan, directory), user=Author(login=login))


def test_the_same_plan_is_the_reviewed_one(plan_of: PlanOf, alice: User) -> None:
    reviewed = plan_of([alice], [])
    again = plan_of([alice], [])
    check = check_reviewed(again, [posted(reviewed)], "people", pull=7, author=BOT)
    assert check.ok and check.reviewed_hash == reviewed.hash
    assert "reviewed on pull request #7" in check.message


def test_a_changed_plan_is_refused(plan_of: PlanOf, alice: User, bob: User) -> None:
    reviewed = plan_of([alice], [])
    now = plan_of([alice, bob], [])
    check = check_reviewed(now, [posted(reviewed)], "people", pull=7, author=BOT)
    assert not check.ok and check.reviewed_hash == reviewed.hash
    assert "differs from the one reviewed on pull request #7" in check.message
    assert "Nothing was applied" in check.message and "allow-unreviewed-plan" in check.message


def test_a_changed_live_store_changes_the_hash(
    plan_of: PlanOf, person: Callable[..., User], alice: User
) -> None:
    reviewed = plan_of([alice], [])
    now = plan_of([alice], [person("carol@corp.example", id="c1")])
    assert reviewed.hash != now.hash
    assert not check_reviewed(now, [posted(reviewed)], "people", pull=3, author=BOT).ok


def test_the_opt_out_applies_with_a_warning(plan_of: PlanOf, alice: User, bob: User) -> None:
    reviewed = plan_of([alice], [])
    now = plan_of([alice, bob], [])
    check = check_reviewed(
        now, [posted(reviewed)], "people", pull=7, author=BOT, allow_unreviewed=True
    )
    assert check.ok and "applying it anyway" in check.message


def test_no_pull_request_or_no_comment_is_refused(plan_of: PlanOf, alice: User) -> None:
    plan = plan_of([alice], [])
    assert not check_reviewed(plan, [], "people", pull=None, author=BOT).ok
    planted = posted(plan, login="mallory")
    check = check_reviewed(plan, [planted], "people", pull=7, author=BOT)
    assert not check.ok and "has no scimform plan comment" in check.message
    other_directory = posted(plan, directory="elsewhere")
    assert not check_reviewed(plan, [other_directory], "people", pull=7, author=BOT).ok


def test_the_merged_pull_request_of_a_commit() -> None:
    merged = PullRequest(number=5, merged_at="2026-11-30T10:00:00Z", merge_commit_sha="abc")
    other = PullRequest(number=6, merged_at="2026-11-29T10:00:00Z", merge_commit_sha="def")
    open_one = PullRequest(number=8)
    assert merged_pull_request([other, merged, open_one], "abc") == 5
    assert merged_pull_request([open_one, other], "zzz") == 6  # the only merged one
    assert merged_pull_request([merged, other], "zzz") is None  # ambiguous
    assert merged_pull_request([open_one], "abc") is None


def test_a_plan_without_changes_needs_no_review(plan_of: PlanOf) -> None:
    empty = plan_of([], [])
    check = check_reviewed(empty, [], "people", pull=None, author=BOT)
    assert check.ok and "has no changes to review" in check.message
