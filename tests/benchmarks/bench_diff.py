"""Benchmark: the pure plan engine on a large org, in process (no store, no HTTP).

    python tests/benchmarks/bench_diff.py [USERS GROUPS MEMBERSHIPS]

Defaults to 100,000 users, 10,000 groups and 1,000,000 memberships. Prints, for a no-op
plan (the live store already matches): the diff, the live fingerprint and the whole
make_plan; and for a first plan against an empty store: make_plan, the apply order, the
plan JSON both ways and the renderings. Then peak memory. Target: the no-op diff well
under 10 s on a 2-core machine.
"""

from __future__ import annotations

import dataclasses
import resource
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from scimform.engine.diff import diff
from scimform.engine.order import apply_order
from scimform.engine.plan import Plan, make_plan
from scimform.engine.policy import Ownership, Safety
from scimform.model import DesiredState, Group, LiveState, User
from scimform.render.markdown import render_markdown
from scimform.render.text import render_text
from scimform.synthetic import synthetic_org

T = TypeVar("T")


def timed(label: str, run: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = run()
    print(f"  {label:<30} {time.perf_counter() - start:7.2f} s")
    return result


def live_copy(users: list[User], groups: list[Group]) -> LiveState:
    return LiveState(
        users=tuple(dataclasses.replace(u, id=f"u-{n}") for n, u in enumerate(users)),
        groups=tuple(dataclasses.replace(g, id=f"g-{n}") for n, g in enumerate(groups)),
        members_read=frozenset(f"g-{n}" for n in range(len(groups))),
    )


def no_op(desired: DesiredState, live: LiveState) -> None:
    print("no-op plan (live matches the config):")
    found = timed("diff", lambda: diff(desired, live, Ownership(prune=True)))
    if found.changes:
        raise SystemExit(f"a no-op diff found {len(found.changes)} changes")
    timed("live fingerprint", live.fingerprint)
    timed(
        "make_plan (diff + fingerprint)",
        lambda: make_plan(desired, live, Ownership(prune=True), Safety()),
    )


def first_plan(desired: DesiredState) -> None:
    print("first plan (empty live store):")
    plan = timed("make_plan", lambda: make_plan(desired, LiveState(), Ownership(), Safety()))
    steps = timed("apply_order", lambda: apply_order(plan.changes))
    text = timed("Plan.to_json", plan.to_json)
    timed("Plan.from_json", lambda: Plan.from_json(text))
    timed("render_text", lambda: render_text(plan))
    timed("render_text (colour)", lambda: render_text(plan, color=True))
    markdown = timed("render_markdown", lambda: render_markdown(plan))
    print(
        f"  {len(plan.changes)} changes, {len(steps)} steps, JSON {len(text) / 1e6:.0f} MB, "
        f"markdown {len(markdown)} characters"
    )


def main() -> None:
    args = [int(a) for a in sys.argv[1:4]]
    users, groups, memberships = args if len(args) == 3 else (100_000, 10_000, 1_000_000)
    print(f"org: {users} users, {groups} groups, {memberships} memberships")
    people, teams = synthetic_org(users, groups, memberships)
    desired = DesiredState(users=tuple(people), groups=tuple(teams))
    no_op(desired, live_copy(people, teams))
    first_plan(desired)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
