"""Benchmark: `scimform history` over a repository of N commits of a U-user config, each
commit changing one user's title or one group's members (every third commit touches a
file outside the config), then the same run again to show it is steady.

Target: 200 commits of a 50-user config in a few seconds.

    python tests/benchmarks/bench_history.py [--commits N] [--users U]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from serving import SCIMFORM

_GROUPS = 5


def _users(count: int, titles: dict[int, int]) -> str:
    lines = ["users:"]
    for n in range(count):
        lines += [
            f"  - userName: user{n}@corp.example",
            f"    externalId: id-{n}",
            f"    givenName: User{n}",
            "    familyName: Example",
            f"    displayName: User{n} Example",
            f"    email: user{n}@corp.example",
            f"    title: Engineer {titles.get(n, 0)}",
        ]
    return "\n".join(lines) + "\n"


def _groups(count: int, members: list[set[int]]) -> str:
    lines = ["groups:"]
    for g, group in enumerate(members):
        listed = ", ".join(f"user{n}@corp.example" for n in sorted(group) if n < count)
        lines += [f"  - displayName: team-{g}", f"    members: [{listed}]"]
    return "\n".join(lines) + "\n"


def build(top: Path, commits: int, users: int) -> None:
    """A repository with `commits` commits under top."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    env |= {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@corp.example"}
    env |= {"GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@corp.example"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=top, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    config = top / "config"
    config.mkdir()
    (config / "scimform.yaml").write_text("target:\n  url: local:.scimform/store.db\n")
    titles: dict[int, int] = {}
    members = [set(range(g, users, _GROUPS)) for g in range(_GROUPS)]
    for n in range(commits):
        if n % 3 == 2:
            (top / "NOTES.md").write_text(f"note {n}\n")
        elif n % 3 == 1:
            group, user = members[n % _GROUPS], (n * 7) % users
            group.symmetric_difference_update({user})
        else:
            titles[n % users] = n
        (config / "users.yaml").write_text(_users(users, titles))
        (config / "groups.yaml").write_text(_groups(users, members))
        git("add", "-A")
        git("commit", "-q", "-m", f"Change {n} (#{n + 1})")


def run(top: Path, *args: str) -> tuple[float, int]:
    """Wall seconds of `scimform history` and the lines it printed."""
    start = time.perf_counter()
    done = subprocess.run(
        [SCIMFORM, "history", str(top / "config"), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, len(done.stdout.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        top = Path(scratch)
        start = time.perf_counter()
        build(top, options.commits, options.users)
        print(f"built {options.commits} commits of {options.users} users "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
        for args in ((), ("--group", "team-1"), ("--user", "user7@corp.example")):
            seconds, lines = run(top, *args)
            shown = " ".join(args) or "(everything)"
            print(f"history {shown}: {seconds:.2f} s, {lines} lines")


if __name__ == "__main__":
    main()
