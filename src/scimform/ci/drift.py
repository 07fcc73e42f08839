"""Drift: the live store differs from the config on the default branch.

The drift workflow plans on a schedule and keeps a single issue per config directory: it
opens one when the plan has changes and none is open, updates the open one while drift
lasts, and closes it once the plan is empty. The issue is found by a hidden marker in its
body, and only issues the workflow's own account opened count. The issue keeps a timeline
of the drifted items (ci.timeline), read back from its body at each run, and each run's
observations are written for the drift log on the audit-log branch.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scimform.audit.drift import Observation
from scimform.ci.comment import LIMIT, directory_key
from scimform.ci.facts import change_facts, plan_facts
from scimform.ci.reviewed import Review
from scimform.ci.runner import Issue
from scimform.ci.targets import set_facts, tag
from scimform.ci.timeline import Timeline, advance, block, markdown, observations, read_back
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
    issue's; for close, `body` is the closing comment and `final` the issue's last body.
    `issue` is the open issue's number; `observations` go to the drift log; `problem` says
    why the open issue's timeline was set aside."""

    action: DriftAction
    issue: int | None
    title: str
    body: str
    final: str = ""
    observations: tuple[Observation, ...] = field(default=())
    problem: str | None = None


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


def merged_not_applied(reviews: Iterable[Review]) -> dict[str, tuple[int, ...]]:
    """Each fact a pull request merged since the last successful apply showed, with those
    pull requests: the config is ahead of the store there."""
    found: dict[str, tuple[int, ...]] = {}
    for review in reviews:
        for fact in review.facts or ():
            found[fact] = (*found.get(fact, ()), review.number)
    return found


def decide_drift(
    plan: Plan | PlanSet,
    issues: Iterable[Issue],
    directory: str,
    *,
    author: str,
    commit: str,
    run_url: str | None = None,
    ahead: Mapping[str, tuple[int, ...]] | None = None,
    now: datetime | None = None,
) -> DriftDecision:
    """Open, update, close or leave alone the drift issue, given the plan made now (at
    `now`; with several targets, each target's plan: a section each); `ahead` maps each
    fact a pull request merged since the last successful apply showed to those pull
    requests."""
    issue = find_drift_issue(issues, directory, author)
    number = None if issue is None else issue.number
    where = f"`{directory_key(directory)}`"
    title = f"scimform: the live store has drifted from {where}"
    if not has_changes(plan) and issue is None:
        return DriftDecision(DriftAction.NONE, None, title, "")
    now = now or datetime.now(UTC)
    before = read_back(issue.body or "", directory) if issue is not None else None
    facts = _facts(plan)
    timeline = advance(
        before.timeline if before else None, directory, facts, ahead or {}, now, _access(plan)
    )
    seen = tuple(observations(timeline, now, facts, (directory, commit, run_url)))
    problem = before.problem if before else None
    text = _issue_body(plan, timeline, problem, (directory, commit, run_url))
    if not has_changes(plan):
        body = (
            f"No drift: the live store matches the config in {where} at commit "
            f"`{commit}`{_run(run_url)}. Closing."
        )
        return DriftDecision(DriftAction.CLOSE, number, title, body, text, seen, problem)
    action = DriftAction.OPEN if issue is None else DriftAction.UPDATE
    return DriftDecision(action, number, title, text, "", seen, problem)


def has_changes(plan: Plan | PlanSet) -> bool:
    """Whether the plan (any target's plan) would change the store."""
    if isinstance(plan, Plan):
        return plan.has_changes
    return any(p.has_changes for p in plan.targets.values())


def _facts(plan: Plan | PlanSet) -> list[str]:
    """The plan's facts; with several targets, each tagged with its target (as reviews are)."""
    return plan_facts(plan) if isinstance(plan, Plan) else set_facts(plan)


def _access(plan: Plan | PlanSet) -> dict[str, str]:
    """The groups each user the plan deletes or deactivates is in: access, not a name."""
    if not isinstance(plan, Plan):
        return {
            tag(name, fact): said
            for name, one in plan.targets.items()
            for fact, said in _access(one).items()
        }
    return {
        fact: f" (member of {', '.join(change.groups_lost)})"
        for change in plan.changes
        if change.groups_lost
        for fact in change_facts(change)
    }


def _issue_body(
    plan: Plan | PlanSet,
    timeline: Timeline,
    problem: str | None,
    where: tuple[str, str, str | None],
) -> str:
    directory, commit, run_url = where
    hidden, dropped = block(timeline)
    state = (
        "applying the config would make the changes below"
        if has_changes(plan)
        else "it matches the config again; every item below is resolved"
    )
    head = (
        f"{drift_marker(directory)}\n{hidden}\n"
        f"The live store differs from the config in `{directory_key(directory)}` at commit "
        f"`{commit}`{_run(run_url)}: {state}. "
        "Either apply the config (re-run the apply workflow) or change the YAML to match "
        "the live store. This issue is updated while the drift lasts and closed when it "
        "is gone.\n\n"
    )
    if dropped:
        room = f"{dropped} item(s) had no room in the issue and are not carried over"
        problem = f"{problem}; {room}" if problem else room
    head += markdown(timeline, problem) + "\n"
    if not has_changes(plan):
        return head
    if isinstance(plan, Plan):
        return head + render_markdown(plan, limit=LIMIT - len(head))
    sections = [Section(name, name, p) for name, p in plan.targets.items()]
    return head + render_markdown_sections(sections, limit=LIMIT - len(head))


def _run(run_url: str | None) -> str:
    return f" ([workflow run]({run_url}))" if run_url else ""
