"""The plan comment: marker with the hash, summary first, banners, GitHub's size limit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scimform.ci.comment import (
    LIMIT,
    artifact_name,
    comment_body,
    directory_key,
    find_plan_comment,
    marked_hash,
    plan_marker,
    plan_outputs,
)
from scimform.ci.runner import Author, Comment
from scimform.engine.plan import Plan
from scimform.model import User

BOT = "github-actions[bot]"
PlanOf = Callable[..., Plan]
Person = Callable[..., User]


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
    marker = plan_marker(given, "a" * 64)
    assert marker.count("-->") == 1 and marker.endswith("-->")
    assert marked_hash(marker, given) == "a" * 64


def test_the_marker_is_found_for_its_own_directory_only() -> None:
    body = plan_marker("people", "b" * 64) + "\n" + plan_marker("people/admins", "c" * 64)
    assert marked_hash(body, "./people") == "b" * 64
    assert marked_hash(body, "people/admins") == "c" * 64
    assert marked_hash(body, "peop") is None


def test_artifact_names_are_per_directory() -> None:
    assert artifact_name("scimform-plan", ".") == "scimform-plan-root"
    assert artifact_name("scimform-plan", "teams/platform x") == "scimform-plan-teams-platform-20x"


def test_the_body_starts_with_the_marker_then_the_summary(plan_of: PlanOf, person: Person) -> None:
    plan = plan_of([person("alice@corp.example")], [])
    body = comment_body(plan, "people", "https://github.com/o/r/actions/runs/9")
    first, rest = body.split("\n", 1)
    assert first == f"<!-- scimform-plan: people hash={plan.hash} -->"
    assert rest.startswith("### scimform plan\n\n**Plan: 2 to add")
    assert f"plan `{plan.hash[:12]}`" in body
    assert "[workflow run](https://github.com/o/r/actions/runs/9)" in body
    assert "[!WARNING]" not in body and "[!CAUTION]" not in body


def test_destroys_and_unsafe_plans_carry_banners_before_the_details(
    plan_of: PlanOf, person: Person
) -> None:
    crowd = [person(f"u{n}@corp.example", id=f"id{n}") for n in range(20)]
    plan = plan_of(crowd[:10], crowd)
    body = comment_body(plan, "people")
    assert not plan.safety.safe
    assert body.index("> [!CAUTION]") < body.index("<details>")
    assert body.index("> [!WARNING]\n> This plan destroys 10 objects") < body.index("<details>")
    assert plan_outputs(plan)["exit-code"] == "3"
    assert plan_outputs(plan)["destroys"] == "10"


def test_a_huge_plan_stays_under_the_limit_with_marker_and_footer(
    plan_of: PlanOf, person: Person
) -> None:
    people = [person(f"user{n:05d}@corp.example", title="Engineer") for n in range(3_000)]
    plan = plan_of(people, [])
    body = comment_body(plan, "people", "https://github.com/o/r/actions/runs/1")
    assert LIMIT - 3_000 < len(body) < LIMIT
    assert body.startswith(plan_marker("people", plan.hash))
    assert body.rstrip().endswith("</sub>")


def test_outputs_of_an_empty_plan(plan_of: PlanOf) -> None:
    plan = plan_of([], [])
    assert plan_outputs(plan) == {
        "hash": plan.hash,
        "exit-code": "0",
        "has-changes": "false",
        "safe": "true",
        "destroys": "0",
    }


def test_only_the_workflow_accounts_comment_is_found() -> None:
    marker = plan_marker("people", "d" * 64)
    comments = [
        comment(1, "no marker here"),
        comment(2, marker, login="mallory"),  # a planted marker
        comment(3, marker),
        comment(4, plan_marker("other", "e" * 64)),
    ]
    found = find_plan_comment(comments, "people", BOT)
    assert found is not None and found.id == 3
    assert find_plan_comment(comments[:2], "people", BOT) is None
