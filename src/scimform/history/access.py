"""Who was in which group at a moment, from the config as it had landed.

The moment is a date (its last moment, UTC), a time, or a revision. For a date or time the
config is the one at the last commit of the default branch's first-parent line that
landed by then (its commit date), so a pull request merged the next day is not in it yet.
When that commit's config does not load, the last one before it that loads is used and
the commits passed over are named. No store is read.

Names are matched by the engine's identity rule: a user by userName (case-insensitively)
or externalId, a group by displayName or a `previously:` name; a group asked for by a
name it only took later (after a rename) is found through its latest names.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from scimform.config.targets import unknown_target_message
from scimform.engine.match import group_names, same_identity, user_names
from scimform.errors import ScimformError, UnknownTarget
from scimform.history.git import (
    Commit,
    ObjectReader,
    Repository,
    has_commits,
    list_commits,
    open_repository,
    read_commits,
    resolve_revision,
)
from scimform.history.snapshot import SnapshotReader
from scimform.history.timeline import utc
from scimform.history.window import end_of
from scimform.model import DesiredState, Group, User, name_order, user_key


@dataclass(frozen=True, slots=True)
class Moment:
    """The config at a moment: the commit it is read from (None when nothing had landed
    yet), its desired state, and the later commits up to the moment whose config did not
    load (commit, problem); with several targets, each target's desired state."""

    asked: str
    commit: Commit | None
    desired: DesiredState
    skipped: tuple[tuple[Commit, str], ...] = ()
    by_target: dict[str, DesiredState] = field(default_factory=dict)

    def for_target(self, name: str) -> Moment:
        """The moment as target `name` saw it: what went to it. A config that had the
        single `target:` then is whole; a target it did not declare then is an error."""
        if not self.by_target:
            return self
        if name not in self.by_target:
            raise UnknownTarget(
                unknown_target_message(name, self.by_target, f"the config at {self.asked}")
            )
        return replace(self, desired=self.by_target[name], by_target={})


@dataclass(frozen=True, slots=True)
class Membership:
    """One member of one group at the moment, with what the config says of the user."""

    group: str
    user_name: str
    display_name: str | None
    email: str | None
    external_id: str | None


def state_at(directory: Path, at: str, moment: datetime | None = None) -> Moment:
    """The config in `directory` as it had landed at `at` (see the module doc); `moment`,
    when given, is the time `at` stands for."""
    repo = open_repository(directory)
    if not has_commits(repo):
        return Moment(at, None, DesiredState())
    line = list_commits(repo, first_parent=True)
    moment = moment or end_of(at)
    if moment is not None:
        chosen = [c for c in line if utc(c.committed or c.date) <= moment]
    else:
        chosen = _up_to_revision(repo, line, at)
    with (
        tempfile.TemporaryDirectory(prefix="scimform-access-") as scratch,
        ObjectReader(repo.top) as objects,
    ):
        reader = SnapshotReader(objects, Path(scratch), repo.prefix)
        return _loadable(at, reader, repo, chosen)


def _up_to_revision(repo: Repository, line: list[Commit], revision: str) -> list[Commit]:
    sha = resolve_revision(repo, revision)
    if sha is None:
        raise ScimformError(
            f'"{revision}" is neither a date (YYYY-MM-DD) nor a revision of this repository'
        )
    shas = [c.sha for c in line]
    if sha in shas:
        return line[: shas.index(sha) + 1]
    return list(read_commits(repo, [sha]).values())  # a commit off the line: as it is


def _loadable(at: str, reader: SnapshotReader, repo: Repository, chosen: list[Commit]) -> Moment:
    skipped: list[tuple[Commit, str]] = []
    for commit in reversed(chosen):
        _, snapshot = reader.at(commit.sha, repo.prefix)
        if snapshot.desired is not None:
            return Moment(at, commit, snapshot.desired, tuple(skipped), snapshot.by_target)
        skipped.append((commit, snapshot.problem or "the config does not load"))
    return Moment(at, None, DesiredState(), tuple(skipped))


def memberships(
    state: DesiredState,
    group: str | None = None,
    user: str | None = None,
    aliases: tuple[str, ...] = (),
) -> list[Membership]:
    """Every (group, member) of `state`, or only `group`'s (under any of its names or
    `aliases`), or only `user`'s; in name order."""
    users = {user_key(u.user_name): u for u in state.users}
    rows = []
    for found in _groups(state, group, aliases):
        for member in found.members:
            person = users.get(user_key(member))
            if user is not None and not _is_user(person, member, user):
                continue
            rows.append(_row(found.display_name, member, person))
    return sorted(rows, key=lambda r: (name_order(r.group), name_order(r.user_name)))


def group_aliases(state: DesiredState, name: str) -> tuple[str, ...]:
    """The names (displayName and former names) of the groups in `state` that `name`
    names: how a group asked for by a later name is found at an earlier moment."""
    probe = Group(name)
    found = [g for g in state.groups if same_identity(g, probe, group_names)]
    return tuple(n for g in found for n in group_names(g))


def _groups(state: DesiredState, name: str | None, aliases: tuple[str, ...]) -> list[Group]:
    if name is None:
        return list(state.groups)
    probes = [Group(n) for n in (name, *aliases)]
    return [g for g in state.groups if any(same_identity(g, p, group_names) for p in probes)]


def _is_user(person: User | None, member: str, asked: str) -> bool:
    if person is None:
        return user_key(member) == user_key(asked)
    if person.external_id == asked:
        return True
    probe = User(asked, "", "", "")
    return same_identity(person, probe, user_names)


def _row(group: str, member: str, person: User | None) -> Membership:
    if person is None:
        return Membership(group, member, None, None, None)
    return Membership(
        group, person.user_name, person.display_name, person.email, person.external_id
    )


def known(state: DesiredState, group: str | None, user: str | None) -> bool:
    """True when the group or user asked for is declared in `state` (or nothing was)."""
    if group is not None:
        return bool(_groups(state, group, ()))
    if user is not None:
        return any(_is_user(u, u.user_name, user) for u in state.users)
    return True


def stamp(commit: Commit | None) -> datetime | None:
    """When a commit landed (its commit date), in UTC."""
    return utc(commit.committed or commit.date) if commit is not None else None
