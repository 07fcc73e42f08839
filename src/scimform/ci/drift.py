"""Drift: the live store differs from the config on the default branch.

The drift workflow plans on a schedule and keeps a single issue per config directory: it
opens one when the plan has changes and none is open, updates the open one while drift
lasts, and closes it once the plan is empty. The issue is found by a hidden marker in its
body, and only issues the workflow's own account opened count.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from scimform.ci.comment import LIMIT, directory_key
from scimform.ci.runner import Issue
from scimform.engine.plan import Plan
from scimform.engine.plan_set import PlanSet
from scimform.render.markdown import render_markdown
from scimform.render.targets import Section, render_markdown_sections


class DriftAction(enum.Enum):
    OPEN = "open"
    UPDATE = "update"
    CLOSE = "close"
    NONE = "none"


@dataclass(frozen=True)
class DriftDecision:
    """What to do with the drift issue: for open and update, `title` and `body` are the
    issue's; for close, `body` is the closing comment. `issue` is the open issue's number."""

    action: DriftAction
    issue: int | None
    title: str
    body: str


def drift_marker(directory: str) -> str:
    """The hidden first line of the drift issue."""
    return f"<!-- scimform-drift: {directory_key(directory)} -->"


def find_drift_issue(issues: Iterable[Issue], directory: str, author: str) -> Issue | None:
    """The open drift issue for `directory` opened by `author` (the oldest, should there be
    more than one), or None. Pull requests are not issues here."""
    marker = drift_marker(directory)
    found = [
        i
        for i in issues
        if i.state == "open" and i.pull_request is None and i.by(author) and _marked(i, marker)
    ]
    return min(found, key=lambda i: i.number, default=None)


def _marked(issue: Issue, marker: str) -> bool:
    return (issue.body or "").startswith(marker)


def decide_drift(
    plan: Plan | PlanSet,
    issues: Iterable[Issue],
    directory: str,
    *,
    author: str,
    commit: str,
    run_url: str | None = None,
) -> DriftDecision:
    """Open, update, close or leave alone the drift issue, given the plan made now (or,
    with several targets, each target's plan: a section each)."""
    issue = find_drift_issue(issues, directory, author)
    number = None if issue is None else issue.number
    where = f"`{directory_key(directory)}`"
    title = f"scimform: the live store has drifted from {where}"
    if not has_changes(plan):
        if issue is None:
            return DriftDecision(DriftAction.NONE, None, title, "")
        body = (
            f"No drift: the live store matches the config in {where} at commit "
            f"`{commit}`{_run(run_url)}. Closing."
        )
        return DriftDecision(DriftAction.CLOSE, number, title, body)
    action = DriftAction.OPEN if issue is None else DriftAction.UPDATE
    return DriftDecision(action, number, title, _issue_body(plan, directory, commit, run_url))


def has_changes(plan: Plan | PlanSet) -> bool:
    """Whether the plan (any target's plan) would change the store."""
    if isinstance(plan, Plan):
        return plan.has_changes
    return any(p.has_changes for p in plan.targets.values())


def _issue_body(plan: Plan | PlanSet, directory: str, commit: str, run_url: str | None) -> str:
    head = (
        f"{drift_marker(directory)}\n"
        f"The live store differs from the config in `{directory_key(directory)}` at commit "
        f"`{commit}`{_run(run_url)}: applying the config would make the changes below. "
        "Either apply the config (re-run the apply workflow) or change the YAML to match "
        "the live store. This issue is updated while the drift lasts and closed when it "
        "is gone.\n\n"
    )
    if isinstance(plan, Plan):
        return head + render_markdown(plan, limit=LIMIT - len(head))
    sections = [Section(name, name, p) for name, p in plan.targets.items()]
    return head + render_markdown_sections(sections, limit=LIMIT - len(head))


def _run(run_url: str | None) -> str:
    return f" ([workflow run]({run_url}))" if run_url else ""
