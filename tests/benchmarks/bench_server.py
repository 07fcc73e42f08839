"""How fast `scimform serve` answers, measured like a client would: a real `scimform serve`
subprocess over a seeded store, driven over loopback by HTTP/1.1 keep-alive clients in
separate processes. The rate runs use the standard library's http.client: httpx spends
several times the server's CPU per request, so on two shared cores an httpx client measures
itself. The cursor listing uses httpx, as scimform's backend does.

Targets (issue 3): GET /Users/{id} and filtered lists >= 1,000 requests/s; POST /Users
>= 500/s; listing 100,000 users by cursor pages of 100 in <= 10 s.

Run: python tests/benchmarks/bench_server.py [users] [--clients N] [--seconds S]
"""

from __future__ import annotations

import argparse
import http.client
import json as jsonlib
import multiprocessing
import os
import random
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import httpx
from serving import Served, enable, serving

from scimform.store import Store
from scimform.store.seed import seed_store


class Loopback:
    """A minimal keep-alive HTTP client with httpx's get/post shape, over http.client."""

    def __init__(self, endpoint: str, headers: dict[str, str]) -> None:
        parts = urllib.parse.urlsplit(endpoint)
        self._connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
        self._base = parts.path
        self._headers = headers

    def get(self, path: str, params: dict[str, str] | None = None) -> int:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._send("GET", f"{self._base}{path}{query}", None)

    def post(self, path: str, json: object) -> int:
        return self._send("POST", f"{self._base}{path}", jsonlib.dumps(json).encode())

    def _send(self, method: str, url: str, body: bytes | None) -> int:
        self._connection.request(method, url, body=body, headers=self._headers)
        response = self._connection.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self._connection.close()


Request = Callable[[Loopback, random.Random, int], int]


def _get_user(client: Loopback, rng: random.Random, worker: int) -> int:
    return client.get(f"/Users/{rng.choice(USER_IDS)}")


def _filter_user_name(client: Loopback, rng: random.Random, worker: int) -> int:
    name = f"user{rng.randrange(SEEDED):06d}@corp.example"
    return client.get("/Users", params={"filter": f'userName eq "{name}"'})


def _filter_groups_of_user(client: Loopback, rng: random.Random, worker: int) -> int:
    user_id = rng.choice(USER_IDS)
    return client.get("/Groups", params={"filter": f'members.value eq "{user_id}"'})


def _post_user(client: Loopback, rng: random.Random, worker: int) -> int:
    n = rng.getrandbits(48)
    doc = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": f"new-{worker}-{n:x}@corp.example",
        "name": {"givenName": "New", "familyName": "Person"},
        "displayName": "New Person",
        "emails": [{"value": f"new-{worker}-{n:x}@corp.example", "primary": True}],
    }
    return client.post("/Users", json=doc)


USER_IDS: list[str] = []
SEEDED = 0


def _worker(args: tuple[str, str, Request, float, int]) -> tuple[int, int]:
    endpoint, token, request, seconds, worker = args
    rng = random.Random(worker)
    done = failed = 0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    client = Loopback(endpoint, headers)
    try:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            status = request(client, rng, worker)
            done += 1
            failed += status >= 300
    finally:
        client.close()
    return done, failed


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate(
    served: Served, token: str, request: Request, clients: int, seconds: float
) -> tuple[float, float]:
    """Requests per second that `clients` processes sustain for `seconds`, and the server's
    CPU time per request in microseconds. The clients share the two cores with the server,
    so the second figure says what the server could answer with the cores to itself."""
    endpoint, pid = served
    context = multiprocessing.get_context("fork")
    cpu_before = server_cpu(pid)
    with context.Pool(clients) as pool:
        jobs = [(endpoint, token, request, seconds, n) for n in range(clients)]
        results = pool.map(_worker, jobs)
    cpu = server_cpu(pid) - cpu_before
    failed = sum(f for _, f in results)
    if failed:
        raise SystemExit(f"{failed} requests failed during {request.__name__}")
    done = sum(d for d, _ in results)
    return done / seconds, cpu / done * 1e6


def list_everything(endpoint: str, token: str) -> tuple[int, float]:
    """Read every user by cursor pages of 100, as scimform's backend does."""
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    seen = 0
    with httpx.Client(base_url=endpoint, headers=headers) as client:
        cursor: str | None = ""
        while cursor is not None:
            page = client.get("/Users", params={"cursor": cursor, "count": 100}).json()
            seen += len(page["Resources"])
            cursor = page.get("nextCursor")
    return seen, time.perf_counter() - started


def _seed(db: Path, users: int) -> tuple[str, list[str]]:
    """Seed a store with `users` users, users/100 groups and `users` memberships; returns a
    token and every user id."""
    started = time.perf_counter()
    with Store.open(db) as store:
        seed_store(store, users, max(1, users // 100), users)
        token = enable(store)
        took = time.perf_counter() - started
        ids: list[str] = []
        after: str | None = None
        while True:
            items, after = store.list_users(after=after, limit=1000)
            ids += [u["id"] for u in items]
            if after is None:
                break
    print(f"seeded {users:,} users, {users // 100:,} groups, {users:,} memberships in {took:.1f} s")
    return token, ids


def main() -> None:
    global SEEDED
    parser = argparse.ArgumentParser()
    parser.add_argument("users", type=int, nargs="?", default=100_000)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        token, ids = _seed(Path(tmp) / "store.db", options.users)
        USER_IDS.extend(ids)
        SEEDED = options.users
        with serving(Path(tmp) / "store.db") as served:
            seen, took = list_everything(served[0], token)
            print(f"cursor listing of {seen:,} users, pages of 100: {took:.1f} s  (target <= 10 s)")
            for request in (_get_user, _filter_user_name, _filter_groups_of_user):
                _report(
                    request, rate(served, token, request, options.clients, options.seconds), 1000
                )
        # Creates go to a store below AWS's quota of 100,000 users.
        token, _ = _seed(Path(tmp) / "creates.db", options.users // 2)
        with serving(Path(tmp) / "creates.db") as served:
            measured = rate(served, token, _post_user, options.clients, options.seconds)
            _report(_post_user, measured, 500)


def _report(request: Request, measured: tuple[float, float], target: int) -> None:
    per_second, cpu_us = measured
    name = request.__name__.removeprefix("_")
    print(
        f"{name:<24} {per_second:8.0f} requests/s  (target >= {target});"
        f" server CPU {cpu_us:.0f} us/request (= {1e6 / cpu_us:,.0f}/s on one core)"
    )


if __name__ == "__main__":
    main()
