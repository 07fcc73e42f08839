"""Benchmark: `scimform validate` on a 100,000-user, 10,000-group config (1,000,000
memberships over many files), next to merely parsing the same files with PyYAML's
C-accelerated safe loader.

Target: validate within 2x of the bare parse, under 1.5 GB peak memory.

    python tests/benchmarks/bench_validate.py [--users N] [--groups G] [--memberships M]
        [--files F] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import yaml
from serving import SCIMFORM

from scimform.synthetic import synthetic_org, write_config


def bare_parse(root: Path) -> tuple[float, float]:
    """Wall and CPU seconds to parse every *.yaml under root with yaml.CSafeLoader, nothing
    else. (CPU time is the steadier figure on a machine shared with other work.)"""
    start, cpu = time.perf_counter(), time.process_time()
    for path in sorted(root.rglob("*.yaml")):
        with path.open("rb") as f:
            yaml.load(f, Loader=yaml.CSafeLoader)
    return time.perf_counter() - start, time.process_time() - cpu


def validate(root: Path) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak resident MiB and exit status of the real
    `scimform validate`, run as a user runs it (process start-up included)."""
    start = time.perf_counter()
    done = subprocess.run(
        [SCIMFORM, "validate", str(root), "--format", "json"],
        capture_output=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    # ru_maxrss of children is in KiB on Linux; only this one child has run.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mib = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    if done.returncode != 0:
        print(done.stdout.decode()[:2000], done.stderr.decode()[:2000])
    return seconds, cpu, peak_mib, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--memberships", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="write the config here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        start = time.perf_counter()
        users, groups = synthetic_org(args.users, args.groups, args.memberships)
        write_config(root, users, groups, args.files)
        del users, groups
        files = sorted(root.rglob("*.yaml"))
        size = sum(p.stat().st_size for p in files) / 1024 / 1024
        print(
            f"config: {args.users} users, {args.groups} groups, {args.memberships} "
            f"memberships in {len(files)} files, {size:.1f} MiB "
            f"(generated in {time.perf_counter() - start:.1f}s)"
        )
        parse, parse_cpu = bare_parse(root)
        print(f"bare parse (yaml.CSafeLoader): {parse:.2f}s wall, {parse_cpu:.2f}s CPU")
        gc.disable()  # validate pauses the collector while loading; compare with that too
        _, nogc_cpu = bare_parse(root)
        gc.enable()
        print(f"bare parse, collector paused:  {nogc_cpu:.2f}s CPU")
        seconds, cpu, peak, status = validate(root)
        print(
            f"scimform validate:             {seconds:.2f}s wall, {cpu:.2f}s CPU "
            f"({seconds / parse:.2f}x wall, {cpu / parse_cpu:.2f}x CPU of the bare parse), "
            f"peak {peak:.0f} MiB, exit {status}"
        )
        print(f"                               {cpu / nogc_cpu:.2f}x CPU of the paused bare parse")
        met = max(seconds / parse, cpu / parse_cpu) <= 2 and peak < 1536 and status == 0
        print("target (<= 2x, < 1.5 GB, valid):", "met" if met else "NOT met")


if __name__ == "__main__":
    main()
