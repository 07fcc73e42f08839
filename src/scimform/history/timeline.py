"""The history of a config directory: every change to its users and groups, commit by
commit, in the order the commits landed on the branch.

A commit's changes are the difference between its config and its parent's. A merge's own
changes are only those it makes against every parent (a conflict resolved by hand): what
a merged branch brought is told at the branch's commits, with the author who wrote them.
Each commit is tagged with the pull request that landed it: its own subject's number
("Title (#123)", a squash merge) or that of the merge commit that brought it in ("Merge
pull request #123 from ..."). A commit whose config does not load is reported and its
changes are told at the next commit that loads, against the last state that loaded.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from scimform.history.changes import Event, state_changes
from scimform.history.git import (
    Commit,
    ObjectReader,
    Repository,
    has_commits,
    list_commits,
    open_repository,
    read_commits,
)
from scimform.history.snapshot import Snapshot, SnapshotReader
from scimform.model import DesiredState

_MERGED_PR = re.compile(r"^Merge pull request #(\d+) from ")
_SQUASHED_PR = re.compile(r"\(#(\d+)\)\s*$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One event. `commit` is the commit that made it (its author wrote the change: for a
    change a merge brought in, the pull request's last commit); `landing` the commit on
    the default branch's first-parent line that landed it; `pr` the pull request that
    landed it; `merge` the sha of the merge commit that brought it in, if one did."""

    commit: Commit
    event: Event
    pr: int | None = None
    merge: str | None = None
    landing: Commit | None = None

    @property
    def landed_by(self) -> Commit:
        """The default-branch commit that landed the change."""
        return self.landing or self.commit

    @property
    def landed(self) -> datetime:
        """When the change landed on the default branch (the landing commit's commit
        date), in UTC."""
        return utc(self.landed_by.committed or self.landed_by.date)

    @property
    def authored(self) -> datetime:
        """When the change was written (its commit's author date), in UTC."""
        return utc(self.commit.date)

    @property
    def direct(self) -> bool:
        """True when the change landed without a pull request (a push to the branch)."""
        return self.pr is None


@dataclass(frozen=True, slots=True)
class History:
    """Every entry in landing order, the identity links found (see `changes`), how many
    commits were read, the config directory's path in the repository, and the default
    branch's first-parent line (shas, oldest first)."""

    entries: tuple[Entry, ...]
    links: tuple[tuple[str, str], ...]
    commits: int
    directory: str
    line: tuple[str, ...] = ()


def utc(stamp: str) -> datetime:
    """An ISO 8601 time as git prints it, in UTC."""
    return datetime.fromisoformat(stamp).astimezone(UTC)


def pull_request(subject: str) -> int | None:
    """The pull request number a commit subject names, or None."""
    found = _MERGED_PR.match(subject) or _SQUASHED_PR.search(subject)
    return int(found.group(1)) if found else None


def read_history(
    directory: Path,
    all_commits: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
) -> History:
    """The history of the config in `directory`, from the git repository that holds it:
    the changes as they landed on HEAD's first-parent line, each merge as one step (so a
    branch's work in progress is not seen), or with `all_commits` every commit's own
    changes. With `since` (first-parent only), the changes that landed before it are not
    read: the walk starts at the last commit before it whose config loads; with `until`,
    it stops at the last commit that landed by then. A ScimformError
    when there is no repository; an empty history when it has no commits."""
    repo = open_repository(directory)
    shown = repo.prefix.rstrip("/") or "."
    if not has_commits(repo):
        return History((), (), 0, shown)
    commits = list_commits(repo, first_parent=not all_commits)
    line = _first_parents(commits, {c.sha: c for c in commits})
    with (
        tempfile.TemporaryDirectory(prefix="scimform-history-") as scratch,
        ObjectReader(repo.top) as objects,
    ):
        reader = SnapshotReader(objects, Path(scratch), repo.prefix)
        walk = _Walk(reader, repo, shown)
        base = _baseline(reader, repo, commits, since) if since and not all_commits else None
        for commit in commits[base or 0 : _stop(commits, until, all_commits)]:
            walk.commit(commit)
        if since is not None and base is not None:  # before `since` is where it starts from
            walk.found = [f for f in walk.found if utc(f[0].committed or f[0].date) >= since]
    landed = _every_commit if all_commits else partial(_as_landed, repo)
    entries = landed(commits, walk.found)
    return History(entries, tuple(walk.links), len(commits), shown, tuple(c.sha for c in line))


def _stop(commits: list[Commit], until: datetime | None, all_commits: bool) -> int:
    """The index after the last commit to read: the last one landed by `until`."""
    if until is None or all_commits:
        return len(commits)
    landed = [i for i, c in enumerate(commits) if utc(c.committed or c.date) <= until]
    return landed[-1] + 1 if landed else 0


def _baseline(
    reader: SnapshotReader, repo: Repository, commits: list[Commit], since: datetime
) -> int | None:
    """The index of the last commit that landed before `since` with a config that loads
    (None when there is none: the walk starts at the root)."""
    before = [i for i, c in enumerate(commits) if utc(c.committed or c.date) < since]
    for index in reversed(before):
        if reader.at(commits[index].sha, repo.prefix)[1].desired is not None:
            return index
    return None


def _as_landed(
    repo: Repository, commits: list[Commit], found: list[tuple[Commit, list[Event]]]
) -> tuple[Entry, ...]:
    """Entries of first-parent commits: a merge's changes are written by the pull
    request's last commit's author."""
    heads = read_commits(repo, [c.parents[1] for c, _ in found if len(c.parents) > 1])
    entries: list[Entry] = []
    for commit, events in found:
        pr = pull_request(commit.subject)
        head = heads.get(commit.parents[1]) if len(commit.parents) > 1 else None
        made, merge = (head, commit.sha) if head is not None else (commit, None)
        entries.extend(Entry(made, event, pr, merge, commit) for event in events)
    return tuple(entries)


def _every_commit(
    commits: list[Commit], found: list[tuple[Commit, list[Event]]]
) -> tuple[Entry, ...]:
    by_sha = {c.sha: c for c in commits}
    landed = _landing(commits)
    position = {sha: index for index, (sha, _, _) in enumerate(landed)}
    info = {sha: (pr, merge) for sha, pr, merge in landed}
    ordered = sorted(found, key=lambda pair: position[pair[0].sha])
    return tuple(
        Entry(commit, event, *info[commit.sha], by_sha.get(info[commit.sha][1] or commit.sha))
        for commit, events in ordered
        for event in events
    )


class _Walk:
    """Reads each commit's snapshot, parents first, and collects its events."""

    def __init__(self, snapshots: SnapshotReader, repo: Repository, shown: str) -> None:
        self._snapshots = snapshots
        self._repo = repo
        self._shown = shown
        self._trees: dict[str, str | None] = {}
        self._states: dict[str, DesiredState] = {}  # the last state that loaded
        self._by_target: dict[str, dict[str, DesiredState]] = {}  # the same, per target
        self.found: list[tuple[Commit, list[Event]]] = []
        self.links: list[tuple[str, str]] = []

    def commit(self, commit: Commit) -> None:
        tree, snapshot = self._snapshots.at(commit.sha, self._repo.prefix)
        parents = [p for p in commit.parents if p in self._trees]  # a shallow clone cuts some
        self._trees[commit.sha] = tree
        before = [self._states[p] for p in parents] or [DesiredState()]
        loaded = snapshot.desired
        self._states[commit.sha] = loaded if loaded is not None else before[0]
        earlier = self._by_target.get(parents[0], {}) if parents else {}
        self._by_target[commit.sha] = snapshot.by_target if loaded is not None else earlier
        untouched = [self._trees[p] for p in parents] if parents else [None]
        if tree in untouched:
            return
        events = self._events(snapshot, before)
        if snapshot.by_target and events:
            events = reached(events, before[0], earlier, snapshot.by_target)
        self.found.append((commit, events))

    def _events(self, snapshot: Snapshot, before: list[DesiredState]) -> list[Event]:
        if snapshot.desired is None:
            return [Event("config", self._shown, "unloadable", problem=snapshot.problem)]
        first = state_changes(before[0], snapshot.desired)
        self.links.extend(first.links)
        events = first.events
        for other in before[1:]:
            also = set(state_changes(other, snapshot.desired).events)
            events = [e for e in events if e in also]
        return events


def _landing(commits: list[Commit]) -> list[tuple[str, int | None, str | None]]:
    """Every commit's (sha, pull request, merge that brought it in), in landing order:
    down the first-parent line from the root, each merge preceded by what it brought."""
    by_sha = {c.sha: c for c in commits}
    topo = {c.sha: index for index, c in enumerate(commits)}
    mainline = _first_parents(commits, by_sha)
    seen: set[str] = set()
    order: list[tuple[str, int | None, str | None]] = []
    for commit in mainline:
        pr = pull_request(commit.subject)
        brought = _brought(commit, by_sha, seen)
        for sha in sorted(brought, key=topo.__getitem__):
            order.append((sha, pull_request(by_sha[sha].subject) or pr, commit.sha))
        order.append((commit.sha, pr, None))
        seen.update(brought)
        seen.add(commit.sha)
    return order


def _first_parents(commits: list[Commit], by_sha: dict[str, Commit]) -> list[Commit]:
    children = {p for c in commits for p in c.parents}
    head: Commit | None = next(c for c in reversed(commits) if c.sha not in children)
    line: list[Commit] = []
    while head is not None:
        line.append(head)
        head = by_sha.get(head.parents[0]) if head.parents else None
    return line[::-1]


def _brought(merge: Commit, by_sha: dict[str, Commit], seen: set[str]) -> set[str]:
    """The commits a merge brings in: those behind its other parents not seen before."""
    brought: set[str] = set()
    stack = [p for p in merge.parents[1:] if p in by_sha]
    while stack:
        sha = stack.pop()
        if sha in seen or sha in brought:
            continue
        brought.add(sha)
        stack.extend(p for p in by_sha[sha].parents if p in by_sha)
    return brought


def reached(
    events: list[Event],
    before: DesiredState,
    earlier: dict[str, DesiredState],
    now: dict[str, DesiredState],
) -> list[Event]:
    """The events, each naming the targets it reaches when that is not all of them: an
    event reaches a target when the same event turns that target's state before into its
    state now (a config that had the single `target:` before counts as one state for
    every target)."""
    per_target = {
        name: set(state_changes(earlier.get(name, before), state).events)
        for name, state in now.items()
    }
    out = []
    for event in events:
        names = tuple(name for name, seen in per_target.items() if event in seen)
        out.append(event if len(names) == len(now) else replace(event, targets=names))
    return out
