"""The drift decision: open when drifted and none is open, update it, close it when gone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scimform.ci.comment import LIMIT
from scimform.ci.drift import DriftAction, decide_drift, drift_marker
from scimform.ci.runner import Author, Issue
from scimform.engine.plan import Plan
from scimform.model import User

BOT = "github-actions[bot]"


@pytest.fixture
def drifted(plan_of: Callable[..., Plan], person: Callable[..., User]) -> Plan:
    return plan_of([person("alice@corp.example")], [])


@pytest.fixture
def clean(plan_of: Callable[..., Plan]) -> Plan:
    return plan_of([], [])


def issue(number: int, body: str, login: str = BOT, **fields: object) -> Issue:
    return Issue(id=number * 10, number=number, body=body, user=Author(login=login), **fields)  # type: ignore[arg-type]


def test_drift_with_no_issue_opens_one(drifted: Plan) -> None:
    decision = decide_drift(
        drifted, [], "people", author=BOT, commit="c0ffee", run_url="https://x/runs/1"
    )
    assert decision.action is DriftAction.OPEN and decision.issue is None
    assert decision.title == "scimform: the live store has drifted from `people`"
    assert decision.body.startswith(drift_marker("people") + "\n")
    assert "commit `c0ffee`" in decision.body and "https://x/runs/1" in decision.body
    assert "**Plan: 2 to add" in decision.body
    assert len(decision.body) < LIMIT


def test_drift_with_an_open_issue_updates_it(drifted: Plan) -> None:
    issues = [issue(3, "unrelated"), issue(4, drift_marker("people") + "\nold")]
    decision = decide_drift(drifted, issues, "people", author=BOT, commit="c0ffee")
    assert decision.action is DriftAction.UPDATE and decision.issue == 4


def test_no_drift_closes_the_open_issue(clean: Plan) -> None:
    issues = [issue(4, drift_marker("people") + "\nold")]
    decision = decide_drift(clean, issues, "people", author=BOT, commit="c0ffee")
    assert decision.action is DriftAction.CLOSE and decision.issue == 4
    assert "No drift" in decision.body and "c0ffee" in decision.body


def test_no_drift_and_no_issue_does_nothing(clean: Plan) -> None:
    decision = decide_drift(clean, [], "people", author=BOT, commit="c0ffee")
    assert decision.action is DriftAction.NONE and decision.issue is None


def test_only_open_issues_by_the_workflow_for_this_directory_count(drifted: Plan) -> None:
    marker = drift_marker("people")
    issues = [
        issue(1, marker, login="mallory"),
        issue(2, marker, state="closed"),
        issue(3, marker, pull_request={"url": "x"}),
        issue(5, drift_marker("other")),
        issue(6, "quoting it: " + marker),
    ]
    decision = decide_drift(drifted, issues, "people", author=BOT, commit="c0ffee")
    assert decision.action is DriftAction.OPEN
