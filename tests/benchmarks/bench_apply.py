"""How fast apply writes against a rate-limited store, and what membership adds cost.

Targets (issue 4): against `scimform serve --rate-limit 50/s`, apply sustains at least 90%
of that rate with no failed changes; 5,000 membership adds that fall in 50 groups cost at
most 60 requests.

A real `scimform serve` subprocess over a fresh store; the config is a synthetic org
(U users, G groups, M memberships) applied from empty, through the same backend, read and
apply engine the CLI uses. Run twice: without a client-side pace (as `scimform apply`
runs today) and paced at the server's rate.

Run: python tests/benchmarks/bench_apply.py [--users 500] [--groups 50] [--members 5000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from serving import enable, serving

from scimform.api import ownership_of, safety_of
from scimform.backends import open_backend
from scimform.config.loader import load_config
from scimform.engine.apply import apply_plan
from scimform.engine.changes import Action
from scimform.engine.order import apply_order
from scimform.engine.plan import make_plan
from scimform.engine.read import read_live
from scimform.engine.result import Outcome
from scimform.store import Store
from scimform.synthetic import synthetic_org, write_config

RATE = 50.0


def measure(root: Path, work: Path, pace: float | None) -> None:
    db = work / f"store-{pace}.db"
    with Store.open(db) as store:
        token = enable(store)
    with serving(db, "--rate-limit", str(RATE)) as (endpoint, _):
        settings = f"target:\n  url: {endpoint}\n  token: env:SCIM_TOKEN\n"
        (root / "scimform.yaml").write_text(settings, encoding="utf-8")
        loaded = load_config(root)
        assert not loaded.diagnostics.has_errors
        environ = {**os.environ, "SCIM_TOKEN": token}
        target = loaded.settings.target
        backend = open_backend(target.url, target.token, root, environ=environ, rate_limit=pace)
        try:
            live = read_live(backend, loaded.desired)
            plan = make_plan(
                loaded.desired, live, ownership_of(loaded.settings), safety_of(loaded.settings)
            )
            steps = apply_order(plan.changes)
            before = backend.requests
            started = time.perf_counter()
            result = apply_plan(plan, backend, live=live)
            seconds = time.perf_counter() - started
            sent = backend.requests - before
        finally:
            backend.close()
    member_steps = sum(s.action is Action.ADD_MEMBERS for s in steps)
    adds = sum(len(s.members) for s in steps if s.action is Action.ADD_MEMBERS)
    label = "unpaced client" if pace is None else f"client paced at {pace:g}/s"
    print(f"[{label}] server --rate-limit {RATE:g}/s")
    print(
        f"  steps {len(steps)}, requests sent {sent} (retries included), "
        f"{seconds:.1f} s -> {sent / seconds:.1f} requests/s sent, "
        f"{len(steps) / seconds:.1f} steps/s done ({100 * len(steps) / seconds / RATE:.0f}% "
        f"of the limit)"
    )
    print(
        f"  failed {result.count(Outcome.FAILED)}, skipped {result.count(Outcome.SKIPPED)}; "
        f"{adds} membership adds in {member_steps} requests (target <= 60)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--members", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = work / "config"
        people, teams = synthetic_org(args.users, args.groups, args.members, seed=1)
        write_config(root, people, teams, files=5)
        for pace in (None, RATE):
            measure(root, work, pace)


if __name__ == "__main__":
    main()
