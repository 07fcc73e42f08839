"""The plan comment: a marker naming the planned commit, the run and the reviewed facts'
hash; summary first; access changes first; banners; GitHub's size limit; failures and forks
in place of a plan."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scimform.ci.comment import (
    LIMIT,
    PlanMarker,
    Where,
    artifact_name,
    comment_body,
    directory_key,
    failure_body,
    find_plan_comment,
    fork_body,
    plan_marker,
    plan_outputs,
    read_marker,
)
from scimform.ci.runner import Author, Comment
from scimform.engine.plan import Plan
from scimform.model import User

BOT = "github-actions[bot]"
PlanOf = Callable[..., Plan]
Person = Callable[..., User]
COMMIT = "c" * 40
WHERE = Where("people", COMMIT, "77", "https://github.com/o/r/actions/runs/77")


def comment(id: int, body: str, login: str = BOT) -> Comment:
    return Comment(id=id, body=body, user=Author(login=login))


@pytest.mark.parametrize(
    ("given", "key"),
    [
        (".", "."),
        ("./people/", "people"),
        ("teams\\platform", "teams/platform"),
        ("my people", "my%20people"),
        ("x-->y", "x--%3Ey"),
    ],
)
def test_directory_keys_are_normalised_and_safe_in_a_comment(given: str, key: str) -> None:
    assert directory_key(given) == key
    marker = plan_marker(given, commit=COMMIT, run="1", reviewed="a" * 64)
    assert marker.count("-->") == 1 and f"scimform-plan: {key} " in marker
    assert read_marker(marker, given) == PlanMarker(COMMIT, "1", "a" * 64, "planned")


def test_the_marker_is_found_for_its_own_directory_only() -> None:
    body = (
        plan_marker("people", commit="1", run="2", reviewed="b" * 64)
        + "\n"
        + plan_marker("people/admins", commit="3", run="4", failed=None)
    )
    assert read_marker(body, "./people") == PlanMarker("1", "2", "b" * 64, "planned")
    assert read_marker(body, "people/admins") == PlanMarker("3", "4", None, "failed")
    assert read_marker(body, "peop") is None


def test_marker_values_cannot_break_out() -> None:
    marker = plan_marker("people", commit="abc --> <b>", run="1")
    assert marker == "<!-- scimform-plan: people commit=abcb run=1 -->"


def test_artifact_names_are_per_directory() -> None:
    assert artifact_name("scimform-plan", ".") == "scimform-plan-root"
    assert artifact_name("scimform-plan", "teams/platform") == "scimform-plan-teams-platform"


def test_the_body_names_the_planned_commit_and_puts_access_first(
    plan_of: PlanOf, person: Person
) -> None:
    plan = plan_of([person("alice@corp.example")], [])
    body = comment_body(plan, WHERE, "f" * 64)
    marker, rest = body.split("\n", 1)
    assert marker == f"<!-- scimform-plan: people commit={COMMIT} run=77 reviewed={'f' * 64} -->"
    assert rest.startswith("### scimform plan\n\n**Plan: 2 to add")
    assert rest.index('group "everyone"') < rest.index('user "alice@corp.example"')
    assert f"planned at commit `{COMMIT[:12]}`" in body and "runs/77" in body


def test_destroys_and_unsafe_plans_carry_banners_before_the_details(
    plan_of: PlanOf, person: Person
) -> None:
    crowd = [person(f"u{n}@corp.example", id=f"id{n}") for n in range(20)]
    plan = plan_of(crowd[:10], crowd)
    body = comment_body(plan, WHERE, "f" * 64)
    assert not plan.safety.safe
    assert body.index("> [!CAUTION]") < body.index("<details>")
    assert body.index("> [!WARNING]\n> This plan destroys 10 objects") < body.index("<details>")
    assert plan_outputs(plan)["exit-code"] == "3" and plan_outputs(plan)["destroys"] == "10"


def test_a_huge_plan_stays_under_the_limit_with_marker_and_footer(
    plan_of: PlanOf, person: Person
) -> None:
    plan = plan_of([person(f"user{n:05d}@corp.example") for n in range(3_000)], [])
    body = comment_body(plan, WHERE, "f" * 64)
    assert len(body) < LIMIT
    assert body.rstrip().endswith("</sub>")
    assert "more changes not shown: " in body and "users to add" in body


def test_a_failure_replaces_the_plan_and_reviews_nothing() -> None:
    body = failure_body(WHERE, "validation", "people.yaml:3:5: error[user.required] ``` x")
    marker = read_marker(body, "people")
    assert marker == PlanMarker(COMMIT, "77", None, "failed")
    assert "**The validation failed at this commit, so there is no plan to review.**" in body
    assert "````\npeople.yaml:3:5: error[user.required] ``` x\n````" in body


def test_a_fork_is_told_why_there_is_no_plan() -> None:
    body = fork_body("people")
    assert read_marker(body, "people") == PlanMarker("", "", None, "fork")
    assert "GitHub gives no secrets" in body


def test_outputs_of_an_empty_plan(plan_of: PlanOf) -> None:
    outputs = plan_outputs(plan_of([], []))
    assert outputs["exit-code"] == "0" and outputs["has-changes"] == "false"


def test_only_the_workflow_accounts_comment_is_found() -> None:
    marker = plan_marker("people", commit="1", run="1", reviewed="d" * 64)
    comments = [
        comment(1, marker, login="mallory"),
        comment(2, "LGTM"),
        comment(3, marker),
        comment(4, plan_marker("other", commit="1", run="1", reviewed="e" * 64)),
        comment(5, marker),
    ]
    found = find_plan_comment(comments, "people", BOT)
    assert found is not None and found.id == 5
    assert find_plan_comment(comments[:2], "people", BOT) is None
