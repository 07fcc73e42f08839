"""How long `scimform import` takes for a large store, and that its config plans clean.

A local store seeded with a synthetic org; `scimform import`, `scimform fmt --check` and
`scimform plan` run as subprocesses, as a user would run them.

Run: python tests/benchmarks/bench_import.py [--users 10000] [--groups 1000] [--members 100000]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from serving import SCIMFORM

from scimform.store import Store
from scimform.store.seed import load_org
from scimform.synthetic import synthetic_org


def timed(*args: str, cwd: Path) -> tuple[int, float]:
    started = time.perf_counter()
    done = subprocess.run([SCIMFORM, *args], cwd=cwd, capture_output=True, text=True)
    return done.returncode, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        users, groups = synthetic_org(args.users, args.groups, args.members, seed=2)
        with Store.open(work / "store.db") as store:
            store.enable_provisioning()
            load_org(store, users, groups)
        print(f"{args.users} users, {args.groups} groups, {args.members} memberships")
        for command in (
            ("import", "--out", "config", "--target", "local:store.db"),
            ("fmt", "--check", "config"),
            ("plan", "config"),
        ):
            code, seconds = timed(*command, cwd=work)
            print(f"  scimform {' '.join(command)}: exit {code}, {seconds:.1f} s")


if __name__ == "__main__":
    main()
