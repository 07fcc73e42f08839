"""Benchmark: `scimform review` over a repository of N commits of a U-user config (users in
20 team files, 5 groups), each commit (one every four hours from 2026-01-01) a
squash-merged pull request changing one user's title or one group's members. The review
is run over a period holding every commit, then over one quarter. The repository is
written with `git fast-import`, so building it takes seconds.

Target: 2,000 commits of a 1,000-user config in at most 30 s.

    python tests/benchmarks/bench_review.py [--commits N] [--users U]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from serving import SCIMFORM

_TEAMS = 20
_GROUPS = 5
_START = 1_767_225_600  # 2026-01-01T00:00:00Z


def _team(team: int, users: int, titles: dict[int, int]) -> str:
    lines = ["users:"]
    for n in range(team, users, _TEAMS):
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


def _groups(members: list[set[int]]) -> str:
    lines = ["groups:"]
    for g, group in enumerate(members):
        listed = ", ".join(f"user{n}@corp.example" for n in sorted(group))
        lines += [f"  - displayName: team-{g}", f"    members: [{listed}]"]
    return "\n".join(lines) + "\n"


def _file(path: str, text: str) -> bytes:
    data = text.encode()
    return f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"


def _commit(n: int, files: list[bytes]) -> bytes:
    stamp = f"{_START + n * 4 * 3600} +0000"  # one every four hours
    message = f"Change {n} (#{n + 1})".encode()
    head = (
        f"commit refs/heads/main\nmark :{n + 1}\n"
        f"author Bench <bench@corp.example> {stamp}\n"
        f"committer Bench <bench@corp.example> {stamp}\n"
        f"data {len(message)}\n"
    ).encode()
    parent = f"from :{n}\n".encode() if n else b""
    return head + message + b"\n" + parent + b"".join(files) + b"\n"


def build(top: Path, commits: int, users: int) -> None:
    """A repository with `commits` commits under top, the config in `config/`."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=top, env=env, check=True)
    titles: dict[int, int] = {}
    members = [set(range(g, users, _GROUPS)) for g in range(_GROUPS)]
    settings = "target:\n  url: local:.scimform/store.db\n"
    stream = [_commit(0, [_file("config/scimform.yaml", settings), _file("config/groups.yaml",
              _groups(members))] + [_file(f"config/team-{t}.yaml", _team(t, users, titles))
              for t in range(_TEAMS)])]  # fmt: skip
    for n in range(1, commits):
        if n % 2:
            members[n % _GROUPS].symmetric_difference_update({(n * 7) % users})
            stream.append(_commit(n, [_file("config/groups.yaml", _groups(members))]))
        else:
            user = (n * 13) % users
            titles[user] = n
            team = user % _TEAMS
            stream.append(
                _commit(n, [_file(f"config/team-{team}.yaml", _team(team, users, titles))])
            )
    subprocess.run(["git", "fast-import", "--quiet"], cwd=top, env=env, check=True,
                   input=b"".join(stream))  # fmt: skip
    subprocess.run(["git", "checkout", "-q", "main"], cwd=top, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--users", type=int, default=1000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        top = Path(scratch) / "repo"
        top.mkdir()
        start = time.perf_counter()
        build(top, options.commits, options.users)
        print(f"built {options.commits} commits of {options.users} users "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
        # The whole history (every commit in the period), then one quarter of it.
        # CPU seconds are shown beside wall seconds: on a shared machine the wall time
        # also counts the time the review waited for a core.
        for since, until in (("2025-12-31", "2026-12-31"), ("2026-07-01", "2026-09-30")):
            start, cpu = time.perf_counter(), _children_cpu()
            done = subprocess.run(
                [SCIMFORM, "review", str(top / "config"), "--from", since, "--to", until,
                 "--out", str(Path(scratch) / "pack")],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
            print(f"review {since}..{until}: {seconds:.1f} s (CPU {cpu:.1f} s); "
                  f"{done.stdout.strip()}")  # fmt: skip


def _children_cpu() -> float:
    """CPU seconds (user and system) of the child processes that have ended."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
