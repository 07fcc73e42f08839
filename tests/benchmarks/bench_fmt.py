"""Benchmark: `scimform fmt` on the config of bench_validate.py (100,000 users, 10,000
groups, 1,000,000 memberships over many files, every scalar double-quoted, so fmt changes
every file), next to `scimform validate` on the same files in the same run.

Targets: `fmt --check` within 2x validate's wall time, `fmt` (rewriting every file, on a
copy) within 3x, peak memory under 1.5 GB each. Also shown: `fmt --check` on the
formatted copy, the steady state of a pull request's CI.

    python tests/benchmarks/bench_fmt.py [--users N] [--groups G] [--memberships M]
        [--files F]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from serving import SCIMFORM

from scimform.synthetic import synthetic_org, write_config

PEAK_LIMIT_MIB = 1536


class Run(NamedTuple):
    """One run of the console script: wall and CPU seconds, peak resident MiB, exit."""

    wall: float
    cpu: float
    peak_mib: float
    status: int
    stderr: str


def run(*args: str) -> Run:
    """Run `scimform ARGS` as a user would (start-up included); the figures are this
    child's own, from wait4."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen([SCIMFORM, *args], stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode()
    # ru_maxrss is in KiB on Linux.
    return Run(
        wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode, stderr
    )


def show(label: str, result: Run, base: Run | None = None) -> None:
    ratio = f", {result.wall / base.wall:.2f}x validate's wall" if base else ""
    print(
        f"{label:<34} {result.wall:7.2f}s wall, {result.cpu:7.2f}s CPU{ratio}, "
        f"peak {result.peak_mib:.0f} MiB, exit {result.status}"
    )
    last = result.stderr.strip().splitlines()[-1:] or [""]
    print(f"{'':<34} {last[0][:110]}")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--memberships", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, copy = Path(tmp) / "config", Path(tmp) / "copy"
        users, groups = synthetic_org(args.users, args.groups, args.memberships)
        write_config(root, users, groups, args.files)
        del users, groups
        shutil.copytree(root, copy)
        files = sorted(root.rglob("*.yaml"))
        size = sum(p.stat().st_size for p in files) / 1024 / 1024
        print(
            f"config: {args.users} users, {args.groups} groups, {args.memberships} "
            f"memberships in {len(files)} files, {size:.1f} MiB; {load_average()}"
        )
        validate = run("validate", str(root), "--format", "json")
        show("scimform validate", validate)
        check = run("fmt", "--check", str(root))
        show("scimform fmt --check", check, validate)
        rewrite = run("fmt", str(copy))
        show("scimform fmt (rewrites every file)", rewrite, validate)
        clean = run("fmt", "--check", str(copy))
        show("scimform fmt --check, formatted", clean, validate)
        print(f"after: {load_average()}")
        peak = max(r.peak_mib for r in (validate, check, rewrite, clean))
        met = (
            check.wall <= 2 * validate.wall
            and rewrite.wall <= 3 * validate.wall
            and peak < PEAK_LIMIT_MIB
            and (validate.status, check.status, rewrite.status, clean.status) == (0, 1, 0, 0)
        )
        print(
            "targets (check <= 2x, fmt <= 3x validate's wall; < 1.5 GB; exits 0, 1, 0, 0):",
            "met" if met else "NOT met",
        )


if __name__ == "__main__":
    main()
