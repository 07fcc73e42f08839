"""What the benchmarks share: the `scimform` console script a user runs, a store with
provisioning on, and a `scimform serve` subprocess over it, started and waited for.

Imported by the benchmark scripts (run as `python tests/benchmarks/bench_*.py`, so this
folder is on the import path); not named `test_*`, so pytest leaves it alone.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import httpx

from scimform.store import Store

# The console script installed beside this interpreter: what a user runs.
SCIMFORM = str(Path(sys.executable).with_name("scimform"))


class Served(NamedTuple):
    """A running `scimform serve`: its SCIM endpoint and its process id."""

    endpoint: str
    pid: int


def enable(store: Store) -> str:
    """Turn automatic provisioning on in a store that has no token yet; returns the first
    token."""
    made = store.enable_provisioning()
    assert made is not None
    return made[1]


@contextmanager
def serving(db: Path, *options: str) -> Iterator[Served]:
    """A `scimform serve --port 0 [OPTIONS]` subprocess over `db`, answering requests;
    stopped on exit."""
    args = [SCIMFORM, "serve", "--db", str(db), "--port", "0", "--log-level", "warning"]
    process = subprocess.Popen(
        [*args, *options], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        endpoint = _endpoint(process)
        _wait_answering(endpoint)
        yield Served(endpoint, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)


def _endpoint(process: subprocess.Popen[str]) -> str:
    # `serve` prints its SCIM endpoint once the socket is bound, before it answers.
    assert process.stdout is not None
    while True:
        line = process.stdout.readline()
        if not line:
            raise SystemExit("scimform serve did not start")
        found = re.findall(r"http://\S+/scim/v2", line)
        if found:
            return str(found[0])


def _wait_answering(endpoint: str) -> None:
    for _ in range(300):
        try:
            httpx.get(endpoint + "/ServiceProviderConfig")
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit("scimform serve never answered")
