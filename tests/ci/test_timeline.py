"""The drift issue's timeline: first seen kept across runs, resolved items kept with their
last-seen date, merged-not-applied told from outside git, a block that is edited, damaged
or for another directory set aside without a crash, a big timeline kept within the
issue's room; and the drift log folded back into incidents."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scimform_cli import cli

from scimform.audit.drift import Observation, incidents, kind_label, read_drift
from scimform.ci.drift import DriftAction, decide_drift, merged_not_applied
from scimform.ci.facts import plan_facts
from scimform.ci.reviewed import Review
from scimform.ci.runner import Author, Issue
from scimform.ci.timeline import BLOCK_ROOM, Timeline, advance, block, item_id, read_back
from scimform.engine.plan import Plan
from scimform.errors import AuditError
from scimform.model import User

BOT = "github-actions[bot]"
NIGHT = datetime(2026, 12, 1, 3, 17, tzinfo=UTC)
DAY = timedelta(days=1)
ADD = '["group","admins","add member","dave@corp.example"]'
DELETE = '["user","mallory@corp.example","delete"]'


def issue(body: str) -> Issue:
    return Issue(id=120, number=12, body=body, user=Author(login=BOT))


def test_first_seen_survives_runs_and_a_gone_item_is_resolved() -> None:
    first = advance(None, "people", [ADD, DELETE], {ADD: (7,)}, NIGHT)
    assert [(i.what, i.kind, i.pull_requests) for i in first.items] == [
        ('group "admins": add member dave@corp.example', "ahead", (7,)),
        ('user "mallory@corp.example": delete', "outside", ()),
    ]
    second = advance(first, "people", [DELETE], {}, NIGHT + DAY)
    (mallory, dave) = second.items
    assert (mallory.first_seen, mallory.last_seen, mallory.resolved) == (NIGHT, NIGHT + DAY, None)
    assert (dave.last_seen, dave.resolved) == (NIGHT, NIGHT + DAY)
    # Seen again after it was resolved: a new incident, first seen now.
    third = advance(second, "people", [ADD, DELETE], {}, NIGHT + 2 * DAY)
    again = [i for i in third.items if i.id == item_id(ADD)]
    assert [(i.first_seen, i.resolved) for i in again] == [
        (NIGHT + 2 * DAY, None),
        (NIGHT, NIGHT + DAY),
    ]
    assert again[0].kind == "outside"  # no pending pull request shows it any more


def test_the_block_reads_back_and_an_edited_or_damaged_block_is_set_aside() -> None:
    timeline = advance(None, "people", [ADD], {}, NIGHT)
    hidden, dropped = block(timeline)
    assert (
        dropped == 0
        and "-->" not in hidden[:-3]
        and read_back(hidden, "people").timeline == timeline
    )
    assert read_back("no block at all", "people") == read_back("", "people")
    assert read_back("", "people").problem is None
    digest, data = hidden.split("sha256=")[1].split(" ")[:2]
    edited = Timeline(directory="people", items=(timeline.items[0].model_copy(
        update={"first_seen": NIGHT + DAY}),)).model_dump_json().encode()  # fmt: skip
    forged = base64.b64encode(zlib.compress(edited)).decode()
    cases = {
        hidden.replace(data, forged): "does not match its hash (edited by hand?)",
        hidden.replace(data, "!!!"): "damaged",
        hidden.replace(data, "QUJD"): "cannot be decoded",
        hidden.replace(digest, "0" * 64): "does not match its hash",
        hidden.replace(data, base64.b64encode(zlib.compress(b" " * 20_000_000)).decode()): (
            "too big"
        ),
    }
    for body, problem in cases.items():
        found = read_back(body, "people")
        assert found.timeline is None and problem in (found.problem or ""), body
    assert "another directory" in (read_back(hidden, "others").problem or "")


def test_a_tampered_timeline_restarts_and_says_so(
    plan_of: Callable[..., Plan], person: Callable[..., User]
) -> None:
    drifted = plan_of([person("alice@corp.example")], [])
    opened = decide_drift(drifted, [], "people", author=BOT, commit="c0", now=NIGHT)
    tampered = opened.body.split("\n", 2)
    body = "\n".join([tampered[0], tampered[1].replace("sha256=", "sha256=ff"), tampered[2]])
    later = decide_drift(drifted, [issue(body)], "people", author=BOT, commit="c1", now=NIGHT + DAY)
    assert later.action is DriftAction.UPDATE and later.problem is not None
    assert "The previous timeline was set aside: its timeline block is damaged" in later.body
    assert all(o.first_seen == NIGHT + DAY for o in later.observations)
    kept = decide_drift(
        drifted, [issue(opened.body)], "people", author=BOT, commit="c1", now=NIGHT + DAY
    )
    assert kept.problem is None and all(o.first_seen == NIGHT for o in kept.observations)


def test_a_closing_run_resolves_everything_in_the_final_body(
    plan_of: Callable[..., Plan], person: Callable[..., User]
) -> None:
    drifted = plan_of([person("alice@corp.example")], [])
    opened = decide_drift(drifted, [], "people", author=BOT, commit="c0", now=NIGHT)
    closed = decide_drift(
        plan_of([], []), [issue(opened.body)], "people", author=BOT, commit="c1", now=NIGHT + DAY
    )
    assert closed.action is DriftAction.CLOSE and "No drift" in closed.body
    timeline = read_back(closed.final, "people").timeline
    assert timeline is not None and all(i.resolved == NIGHT + DAY for i in timeline.items)
    assert {o.status for o in closed.observations} == {"resolved"}
    assert len(closed.observations) == len(plan_facts(drifted))


def test_a_timeline_too_big_for_the_issue_keeps_what_fits() -> None:
    facts = [f'["user","user{n:05d}@corp.example","delete"]' for n in range(20_000)]
    hidden, dropped = block(advance(None, "people", facts, {}, NIGHT))
    assert len(hidden) < BLOCK_ROOM + 200 and 0 < dropped < 20_000
    found = read_back(hidden, "people").timeline
    assert found is not None and len(found.items) == 20_000 - dropped


def test_merged_not_applied_maps_each_fact_to_the_pull_requests_that_showed_it() -> None:
    reviews = [
        Review(7, frozenset({ADD})),
        Review(8, frozenset({ADD, DELETE})),
        Review(9, None, "#9 has no plan comment"),
    ]
    assert merged_not_applied(reviews) == {ADD: (7, 8), DELETE: (8,)}
    assert kind_label("ahead", (7, 8)) == (
        "config ahead of the store (merged, not applied: PR #7, #8)"
    )
    assert kind_label("outside", ()) == "store changed outside git"


def observation(status: str, at: datetime, fact: str = ADD) -> Observation:
    return Observation(
        time=at, directory="people", commit="c", item=item_id(fact), fact=fact,
        what=fact, subject="s", kind="outside", first_seen=at, status=status,
    )  # fmt: skip


def test_the_drift_log_folds_into_incidents(tmp_path: Path) -> None:
    log = tmp_path / "drift.jsonl"
    seen = [
        observation("present", NIGHT),
        observation("present", NIGHT + DAY),
        observation("resolved", NIGHT + 2 * DAY),
        observation("present", NIGHT + 5 * DAY),
        observation("present", NIGHT + DAY, DELETE),
    ]
    log.write_text("".join(o.model_dump_json() + "\n" for o in seen))
    found = incidents(read_drift(log))
    assert [(i.first_seen, i.last_seen, i.resolved) for i in found] == [
        (NIGHT, NIGHT + DAY, NIGHT + 2 * DAY),
        (NIGHT + DAY, NIGHT + DAY, None),
        (NIGHT + 5 * DAY, NIGHT + 5 * DAY, None),
    ]
    log.write_text(log.read_text() + "not json\n")
    with pytest.raises(AuditError, match=r"drift.jsonl:6: not a drift observation"):
        read_drift(log)


def test_ci_drift_warns_when_it_sets_a_timeline_aside(
    tmp_path: Path, plan_of: Callable[..., Plan], person: Callable[..., User]
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(plan_of([person("alice@corp.example")], []).to_json())
    body = "<!-- scimform-drift: people -->\n<!-- scimform-drift-timeline sha256=zz -->\n"
    issues = tmp_path / "issues.json"
    issues.write_text("[" + issue(body).model_dump_json() + "]")
    out = tmp_path / "out"
    result = cli("ci", "drift", "--plan", str(plan), "--directory", "people", "--issues",
                 str(issues), "--out-dir", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "its timeline block is damaged; its timeline restarts now" in result.output
    assert "Drift issue: update." in result.output
    assert len((out / "observations.jsonl").read_text().splitlines()) == 3
