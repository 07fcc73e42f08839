"""Benchmark the targeted plan: a pull request that adds one user and one membership.

    python tests/benchmarks/bench_targeted.py [--users N ...] [--full-at-scale]

For each organisation size (default 1,000 users and 100,000 users, a tenth as many groups,
ten memberships per user; the base holds one user fewer, the newcomer makes the size),
the synthetic org is written as a config in a git repository
and committed (the pull request's base, REV), a store is seeded with it (as if REV had
been applied) and served by `scimform serve` over HTTP. The pull request adds one user and
adds them to one group. Then, each as the `scimform` console script:

- `plan --changed-since REV`: the requests it reports (target: at most 20, the same at
  every size) and its wall time;
- at 1,000 users (and at every size with --full-at-scale), the full plan: its requests,
  and whether its changes are exactly the targeted plan's;
- `apply --changed-since REV --auto-approve`, then a targeted plan again (no changes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from serving import SCIMFORM, enable, serving

from scimform.model import Group, User
from scimform.store import Store
from scimform.store.seed import load_org
from scimform.synthetic import synthetic_org, write_config

LIMIT = 20
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@corp.example",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@corp.example",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(top: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=top, env={**os.environ, **_GIT_ENV}, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"git {args[0]} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def commit(top: Path, message: str) -> str:
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", message)
    return git(top, "rev-parse", "HEAD")


def settings(url: str) -> str:
    return f"target:\n  url: {url}\n  token: env:SCIM_TOKEN\nownership:\n  prune: false\n"


def newcomer() -> User:
    return User(
        "newcomer@corp.example",
        "New",
        "Comer",
        "New Comer",
        external_id="6d0f1c52-0000-4000-8000-000000000001",
        email="newcomer@corp.example",
        title="Engineer",
        department="Platform",
    )


def pull_request(root: Path, users: list[User], groups: list[Group]) -> None:
    """The change under review: one new user, added to the first group."""
    first = groups[0]
    joined = Group(first.display_name, first.external_id, first.members | {newcomer().user_name})
    files = max(1, len(users) // 2000)
    for old in (root / "users").glob("*.yaml"):
        old.unlink()
    for old in (root / "groups").glob("*.yaml"):
        old.unlink()
    write_config(root, [*users, newcomer()], [joined, *groups[1:]], files=files)


def run(root: Path, token: str, *args: str) -> tuple[int, float, int, str]:
    """Run scimform: exit status, seconds, requests reported (-1 if none), stdout."""
    env = {**os.environ, "SCIM_TOKEN": token, "NO_COLOR": "1"}
    start = time.perf_counter()
    done = subprocess.run(
        [SCIMFORM, args[0], str(root), *args[1:]], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 2):
        raise SystemExit(
            f"scimform {args[0]} failed ({done.returncode}): {done.stdout}\n{done.stderr.strip()}"
        )
    found = re.search(r"in (\d+) requests", done.stderr)
    return done.returncode, elapsed, int(found.group(1)) if found else -1, done.stdout


def case(users: int, full: bool) -> None:
    groups, memberships = max(1, users // 10), users * 10
    start = time.perf_counter()
    # One fewer declared at the base: the pull request's newcomer makes `users` (AWS's
    # quota is 100,000 users, and the embedded store enforces it).
    people, teams = synthetic_org(users - 1, groups, memberships, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp) / "repo"
        root = top / "people"
        root.mkdir(parents=True)
        git(top, "init", "-q", "-b", "main")
        write_config(root, people, teams, files=max(1, users // 2000))
        db = Path(tmp) / "store.db"
        with Store.open(db) as store:
            token = enable(store)
            load_org(store, people, teams)
        with serving(db) as (url, _):
            (root / "scimform.yaml").write_text(settings(url), encoding="utf-8")
            base = commit(top, "base")
            pull_request(root, people, teams)
            (root / "scimform.yaml").write_text(settings(url), encoding="utf-8")
            commit(top, "add newcomer to " + teams[0].display_name)
            print(
                f"{users - 1} users + 1 new, {groups} groups, {memberships} memberships "
                f"(set up in {time.perf_counter() - start:.0f} s):"
            )
            measure(root, token, base, full)


def measure(root: Path, token: str, base: str, full: bool) -> None:
    code, seconds, sent, out = run(root, token, "plan", "--json", "--changed-since", base)
    targeted = json.loads(out)
    verdict = "ok" if sent <= LIMIT and code == 2 else "OVER THE TARGET"
    print(
        f"  targeted plan: {sent} requests (target <= {LIMIT}), {seconds:.1f} s, "
        f"{len(targeted['changes'])} changes, read {targeted['targeted']['users_read']} users "
        f"and {targeted['targeted']['groups_read']} groups: {verdict}"
    )
    if full:
        _, seconds, full_sent, out = run(root, token, "plan", "--json")
        same = json.loads(out)["changes"] == targeted["changes"]
        print(
            f"  full plan:     {full_sent} requests, {seconds:.1f} s; changes identical to the "
            f"targeted plan's: {'yes' if same else 'NO'}"
        )
    code, seconds, _, _ = run(root, token, "apply", "--changed-since", base, "--auto-approve")
    after_code, _, after_sent, _ = run(root, token, "plan", "--changed-since", base)
    print(
        f"  targeted apply: exit {code} in {seconds:.1f} s; targeted plan after it: exit "
        f"{after_code} ({'no changes' if after_code == 0 else 'CHANGES LEFT'}), "
        f"{after_sent} requests"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, nargs="*", default=[1_000, 100_000])
    parser.add_argument(
        "--full-at-scale",
        action="store_true",
        help="Also run the full plan above 1,000 users (minutes at 100,000).",
    )
    args = parser.parse_args()
    for users in args.users:
        case(users, full=args.full_at_scale or users <= 1_000)


if __name__ == "__main__":
    main()
