"""The review check, change by change: facts of plans, pending pull requests since the last
successful apply, the union of their reviews, and the report of what no one reviewed."""

from __future__ import annotations

import json
from collections.abc import Callable

from scimform.ci.comment import PlanMarker, plan_marker
from scimform.ci.facts import describe, facts_hash, plan_facts
from scimform.ci.outcome import apply_marker, outcome_body
from scimform.ci.reviewed import (
    Pending,
    Review,
    check_reviewed,
    merged_pulls,
    pending_pulls,
    read_review,
)
from scimform.ci.runner import Author, Comment, PullRequest
from scimform.engine.plan import Plan
from scimform.model import User

BOT = "github-actions[bot]"
PlanOf = Callable[..., Plan]
Person = Callable[..., User]


def said(id: int, body: str, login: str = BOT) -> Comment:
    return Comment(id=id, body=body, user=Author(login=login))


def pull(number: int, merged_at: str | None) -> PullRequest:
    return PullRequest(number=number, merged_at=merged_at, merge_commit_sha="m" * 40)


def test_facts_split_a_change_into_what_merges_keep(plan_of: PlanOf, person: Person) -> None:
    alice, bob = person("alice@corp.example"), person("bob@corp.example")
    facts = plan_facts(plan_of([alice, bob], []))
    assert '["group","everyone","add member","alice@corp.example"]' in facts
    assert '["group","everyone","add member","bob@corp.example"]' in facts
    assert any(f.startswith('["user","bob@corp.example","create",') for f in facts)
    assert facts == sorted(set(facts))
    assert facts_hash(facts) == facts_hash(reversed(facts)) != facts_hash(facts[1:])
    assert describe(facts[0]) == 'group "everyone": add member alice@corp.example'


def test_the_union_of_two_reviews_covers_both_merges(plan_of: PlanOf, person: Person) -> None:
    alice, dave, erin = (person(f"{n}@corp.example") for n in ("alice", "dave", "erin"))
    seven = frozenset(plan_facts(plan_of([alice, dave], [alice])))
    eight = frozenset(plan_facts(plan_of([alice, erin], [alice])))
    merged = plan_facts(plan_of([alice, dave, erin], [alice]))
    check = check_reviewed(merged, [Review(7, seven), Review(8, eight)], "people")
    assert check.ok and check.pulls == (7, 8) and not check.unreviewed
    assert "shown on pull requests #7, #8" in check.message
    alone = check_reviewed(merged, [Review(8, eight)], "people")
    assert not alone.ok and len(alone.unreviewed) == 2  # dave's create and membership
    assert 'group "everyone": add member dave@corp.example' in alone.report
    assert 'reviewed on #8: group "everyone": add member erin' in alone.report
    assert "erin" not in "".join(alone.unreviewed)
    allowed = check_reviewed(merged, [Review(8, eight)], "people", allow_unreviewed=True)
    assert allowed.ok and "applying anyway" in allowed.message


def test_a_changed_value_is_shown_beside_the_reviewed_one(plan_of: PlanOf, person: Person) -> None:
    live = [person("bob@corp.example", title="A")]
    reviewed = frozenset(plan_facts(plan_of([person("bob@corp.example", title="B")], live)))
    now = plan_facts(plan_of([person("bob@corp.example", title="C")], live))
    check = check_reviewed(now, [Review(7, reviewed)], "people")
    assert not check.ok
    assert '-   reviewed on #7: user "bob@corp.example": title "A" -> "B"' in check.report
    assert '+   in the merge plan:  user "bob@corp.example": title "A" -> "C"' in check.report


def test_no_changes_need_no_review() -> None:
    assert check_reviewed([], [], "people").ok


def test_pending_pulls_stop_at_the_last_successful_apply() -> None:
    days = {5: "01", 7: "02", 8: "03", 9: "04"}
    pulls = [pull(n, f"2026-01-{d}T00:00:00Z") for n, d in days.items()]
    merged = merged_pulls([*pulls, pull(6, None)])
    assert [p.number for p in merged] == [9, 8, 7, 5]
    plan = plan_marker("people", commit="c", run="41", reviewed="a" * 64)
    applied = apply_marker("people", "applied", "m" * 40)
    failed = apply_marker("people", "failed", "m" * 40)
    comments = {
        7: [said(1, plan), said(2, applied)],
        8: [said(3, plan), said(4, failed)],
        9: [said(5, plan), said(6, applied, login="mallory")],
    }
    pending = pending_pulls(merged, comments, "people", BOT)
    assert [p.number for p in pending] == [8, 9]
    assert pending[0].marker == PlanMarker("c", "41", "a" * 64, "planned")
    other = pending_pulls(merged, comments, "elsewhere", BOT)
    assert [p.number for p in other] == [5, 7, 8, 9]
    # Applying the commit #8 was merged as: #9, merged after it, is not in it.
    at_eight = [p.model_copy(update={"merge_commit_sha": f"sha{p.number}"}) for p in merged]
    assert [p.number for p in pending_pulls(at_eight, {}, "x", BOT, "sha8")] == [5, 7, 8]


def test_a_saved_review_must_match_its_comment() -> None:
    facts = ['["group","admins","add member","dave"]']
    marker = PlanMarker("c", "41", facts_hash(facts), "planned")
    good = json.dumps({"facts": facts})
    assert read_review(Pending(7, marker), good).facts == frozenset(facts)
    forged = json.dumps({"facts": [*facts, '["group","admins","add member","eve"]']})
    assert read_review(Pending(7, marker), forged).facts is None
    assert "not the one its comment showed" in (
        read_review(Pending(7, marker), forged).problem or ""
    )
    assert "could not be downloaded" in (read_review(Pending(7, marker), None).problem or "")
    failed = PlanMarker("c", "41", None, "failed")
    assert read_review(Pending(7, failed), good).facts is None
    assert "no plan comment" in (read_review(Pending(7, None), good).problem or "")


def test_the_outcome_comment_names_every_pull_request_applied() -> None:
    body = outcome_body(
        "people", "applied", commit="m" * 40, pulls=[7, 8], run_url="https://x/runs/1"
    )
    assert body.startswith(f"<!-- scimform-apply: people outcome=applied commit={'m' * 40} -->")
    assert "covered #7, #8" in body and "(https://x/runs/1)" in body
