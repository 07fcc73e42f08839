"""Does the default client learn a store's rate limit? Apply from empty, then a no-op plan,
against a store that throttles without Retry-After.

Targets (issue 9): against `scimform serve --rate-limit R --no-retry-after --latency-ms 50`,
with no `--rate-limit` on the client, 1,000 users and 300 groups from empty:
- zero failed or skipped steps, in one apply;
- apply wall time at most 1.15x the lower bound (requests needed / R), the no-op plan at
  most 1.2x;
- 429s at most 10% of the requests sent.

"Requests needed" are the requests sent less those answered 429: what a client that knew
R would send. Each run (the apply with its read, then the plan) is one backend, one
learned rate, as in `scimform apply` and `scimform plan`, through the same engine
functions the CLI calls.

Run: python tests/benchmarks/bench_throttle.py [--rates 5 20 50] [--users 1000]
     [--groups 300] [--members 5000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from serving import enable, serving

from scimform.api import ownership_of, safety_of
from scimform.backends import ScimBackend, open_backend
from scimform.config.loader import LoadedConfig, load_config
from scimform.engine.apply import apply_plan
from scimform.engine.order import apply_order
from scimform.engine.plan import Plan, make_plan
from scimform.engine.read import read_live
from scimform.engine.result import Outcome
from scimform.store import Store
from scimform.synthetic import synthetic_org, write_config


def _backend(loaded: LoadedConfig, token: str) -> ScimBackend:
    target = loaded.settings.target
    environ = {**os.environ, "SCIM_TOKEN": token}
    return open_backend(target.url, target.token, loaded.root, environ=environ)


def _plan(loaded: LoadedConfig, backend: ScimBackend) -> tuple[Plan, object]:
    ownership = ownership_of(loaded.settings)
    live = read_live(backend, loaded.desired, ownership=ownership)
    return make_plan(loaded.desired, live, ownership, safety_of(loaded.settings)), live


def _figures(label: str, seconds: float, backend: ScimBackend, rate: float, target: float) -> None:
    sent, throttled = backend.requests, backend.throttled
    bound = (sent - throttled) / rate
    print(
        f"  {label}: {seconds:.1f} s for {sent} requests ({throttled} answered 429, "
        f"{100 * throttled / max(1, sent):.1f}%); lower bound {bound:.1f} s -> "
        f"{seconds / bound:.2f}x (target <= {target}x)"
    )


def measure(root: Path, work: Path, rate: float) -> None:
    db = work / f"store-{rate:g}.db"
    with Store.open(db) as store:
        token = enable(store)
    options = ("--rate-limit", str(rate), "--no-retry-after", "--latency-ms", "50")
    with serving(db, *options) as (endpoint, _):
        settings = f"target:\n  url: {endpoint}\n  token: env:SCIM_TOKEN\n"
        (root / "scimform.yaml").write_text(settings, encoding="utf-8")
        loaded = load_config(root)
        assert not loaded.diagnostics.has_errors
        print(f"[serve --rate-limit {rate:g} --no-retry-after --latency-ms 50]")
        backend = _backend(loaded, token)
        try:
            started = time.perf_counter()
            plan, live = _plan(loaded, backend)
            steps = len(apply_order(plan.changes))
            result = apply_plan(plan, backend, live=live)  # type: ignore[arg-type]
            seconds = time.perf_counter() - started
            _figures(f"apply of {steps} steps (with its read)", seconds, backend, rate, 1.15)
        finally:
            backend.close()
        failed, skipped = result.count(Outcome.FAILED), result.count(Outcome.SKIPPED)
        print(f"  failed {failed}, skipped {skipped}, stopped {result.stopped} (target 0, 0)")
        backend = _backend(loaded, token)
        try:
            started = time.perf_counter()
            plan, _ = _plan(loaded, backend)
            seconds = time.perf_counter() - started
            _figures("no-op plan", seconds, backend, rate, 1.2)
        finally:
            backend.close()
        print(f"  the plan has changes: {plan.has_changes} (target False)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", type=float, nargs="+", default=[5.0, 20.0, 50.0])
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--members", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = work / "config"
        people, teams = synthetic_org(args.users, args.groups, args.members, seed=1)
        write_config(root, people, teams, files=5)
        for rate in args.rates:
            measure(root, work, rate)


if __name__ == "__main__":
    main()
