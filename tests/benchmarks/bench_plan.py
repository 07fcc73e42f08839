"""Benchmark `scimform plan`: requests per plan over HTTP, and a no-op plan at scale.

    python tests/benchmarks/bench_plan.py [USERS GROUPS MEMBERSHIPS] [--skip-http]

1. Requests: a first plan over HTTP (to `scimform serve`) of a small org (1,000 users, 100
   groups, 20,000 memberships: the read per group is cheaper) and of one whose groups
   are many and small (300 users, 400 groups, 600 memberships: the read per user is
   cheaper), each against the bound ceil(U/100) + ceil(G/100) + 5 + the cheaper of the two
   membership reads.
2. Scale: a no-op plan of the synthetic org (default 100,000 users, 10,000 groups,
   1,000,000 memberships), seeded with `seed_store` and written with `write_config`, on
   `local:` (target <= 30 s) and over HTTP (<= 90 s), each run as a `scimform plan`
   subprocess, with its peak memory (< 2 GB).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from serving import SCIMFORM, enable, serving

from scimform.model import Group, User
from scimform.store import Store
from scimform.store.seed import load_org
from scimform.synthetic import synthetic_org, write_config


def prepare(root: Path, users: list[User], groups: list[Group]) -> tuple[Path, str]:
    """A config for the org and a store seeded with it; returns the store and a token."""
    write_config(root, users, groups, files=max(1, len(users) // 2000))
    db = root / "store.db"
    with Store.open(db) as store:
        token = enable(store)
        load_org(store, users, groups)
    return db, token


def point_at(root: Path, url: str) -> None:
    """Target `url` (a SCIM endpoint with the token in $SCIM_TOKEN, or local:)."""
    token = "" if url.startswith("local:") else "\n  token: env:SCIM_TOKEN"
    settings = f"target:\n  url: {url}{token}\nownership:\n  prune: false\n"
    (root / "scimform.yaml").write_text(settings, encoding="utf-8")


def run_plan(root: Path, token: str, *extra: str) -> tuple[int, float, int, str]:
    """Run `scimform plan`: exit status, seconds, requests it reports, stdout's last line."""
    env = {**os.environ, "SCIM_TOKEN": token, "NO_COLOR": "1"}
    start = time.perf_counter()
    done = subprocess.run(
        [SCIMFORM, "plan", str(root), *extra], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 2):
        raise SystemExit(f"plan failed ({done.returncode}): {done.stderr.strip()}")
    found = re.search(r"in (\d+) requests", done.stderr)
    lines = done.stdout.strip().splitlines()
    return done.returncode, elapsed, int(found.group(1)) if found else -1, lines[-1]


def bound(users: list[User], groups: list[Group]) -> tuple[int, int, int]:
    """The request bound, and the costs of membership reads per group and per user."""
    per_group = sum(max(1, math.ceil(len(g.members) / 100)) for g in groups)
    groups_of: dict[str, int] = {}
    for group in groups:
        for member in group.members:
            groups_of[member] = groups_of.get(member, 0) + 1
    per_user = sum(max(1, math.ceil(groups_of.get(u.user_name, 0) / 100)) for u in users)
    base = math.ceil(len(users) / 100) + math.ceil(len(groups) / 100) + 5
    return base + min(per_group, per_user), per_group, per_user


def requests_case(users: int, groups: int, memberships: int) -> None:
    people, teams = synthetic_org(users, groups, memberships, seed=1)
    limit, per_group, per_user = bound(people, teams)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db, token = prepare(root, people, teams)
        with serving(db) as (url, _):
            point_at(root, url)
            code, _, sent, _ = run_plan(root, token)
    verdict = "ok" if sent <= limit and code == 0 else "OVER THE BOUND"
    print(
        f"  {users} users, {groups} groups, {memberships} members: {sent} requests, bound "
        f"{limit} (members per group {per_group}, per user {per_user}) {verdict}"
    )


def scale_case(users: int, groups: int, memberships: int, http: bool) -> None:
    start = time.perf_counter()
    people, teams = synthetic_org(users, groups, memberships, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db, token = prepare(root, people, teams)
        del people, teams
        print(f"  seeded store and config in {time.perf_counter() - start:.1f} s")
        point_at(root, f"local:{db}")
        report("local:", run_plan(root, token), 30)
        if http:
            with serving(db) as (url, _):
                point_at(root, url)
                report("HTTP", run_plan(root, token, "--concurrency", "8"), 90)


def report(label: str, outcome: tuple[int, float, int, str], target: float) -> None:
    code, seconds, sent, last = outcome
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    verdict = "ok" if seconds <= target and code == 0 and peak_mb < 2048 else "MISSED"
    print(
        f"  no-op plan on {label:<7} {seconds:6.1f} s (target <= {target:g} s), {sent} requests, "
        f"peak RSS of the largest child so far {peak_mb:.0f} MB, exit {code}: {last!r} {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 10_000, 1_000_000])
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    print("Requests of a plan over HTTP:")
    requests_case(1_000, 100, 20_000)
    requests_case(300, 400, 600)
    users, groups, memberships = args.sizes
    print(f"No-op plan of {users} users, {groups} groups, {memberships} memberships:")
    scale_case(users, groups, memberships, http=not args.skip_http)


if __name__ == "__main__":
    main()
