"""Benchmark: what several targets cost `scimform validate` (and so every plan's load) on a
large config: the same org with the single `target:`, then with two named targets (each
target's desired state built, every membership checked against the targets).

    python tests/benchmarks/bench_targets.py [--users N] [--groups G] [--memberships M]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench_validate import validate

from scimform.synthetic import synthetic_org, write_config

TWO_TARGETS = """\
targets:
  sandbox:
    url: local:sandbox.db
  production:
    url: local:production.db
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--memberships", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        users, groups = synthetic_org(args.users, args.groups, args.memberships)
        write_config(root, users, groups, 100)
        del users, groups
        print(f"config: {args.users} users, {args.groups} groups, {args.memberships} memberships")
        single = validate(root)
        (root / "scimform.yaml").write_text(TWO_TARGETS, encoding="utf-8")
        several = validate(root)
        # validate() reads the usage of all children so far: the second run's CPU is the
        # difference, and its peak is the larger of the two (both runs load the same files).
        cpu = (single[1], several[1] - single[1])
        for name, run, used in (
            ("single target:", single, cpu[0]),
            ("two targets:", several, cpu[1]),
        ):
            print(f"{name:15} {run[0]:.2f}s wall, {used:.2f}s CPU, exit {run[3]}")
        print(f"peak resident (both runs): {several[2]:.0f} MiB")
        print(
            f"two targets / single: {several[0] / single[0]:.2f}x wall, {cpu[1] / cpu[0]:.2f}x CPU"
        )


if __name__ == "__main__":
    main()
