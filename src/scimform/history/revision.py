"""The desired state a config directory declared at one git revision, for a targeted plan
(`--changed-since REV`): read from the repository's objects by the same loader as
`validate`, as `scimform history` reads it, never from the work tree.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from scimform.config.loader import load_config
from scimform.config.schema import SETTINGS_FILE, SettingsFile
from scimform.config.targets import settings_for
from scimform.errors import ScimformError
from scimform.history.git import ObjectReader, open_repository, run_git
from scimform.history.snapshot import SnapshotReader
from scimform.model import DesiredState


@dataclass(frozen=True, slots=True)
class ConfigAt:
    """The config at a commit: the commit's sha, what it declared (an empty state when the
    directory did not exist yet) and its settings."""

    commit: str
    desired: DesiredState
    settings: SettingsFile
    by_target: dict[str, DesiredState] = field(default_factory=dict)

    def for_target(self, name: str) -> ConfigAt:
        """The config then as target `name` saw it: what went to it, under its settings.
        A config that had the single `target:` then is whole (it is the state the target
        was planned from); a target it did not declare then had nothing."""
        if self.settings.targets is None:
            return self
        if name not in self.settings.targets:
            return replace(self, desired=DesiredState(), by_target={})
        desired = self.by_target.get(name, DesiredState())
        return ConfigAt(self.commit, desired, settings_for(self.settings, name))


def config_at(directory: Path, revision: str) -> ConfigAt:
    """The config in `directory` at the commit `revision` names. A ScimformError when the
    revision is not a commit of the repository, or the config there does not load."""
    repo = open_repository(directory)
    sha = _commit(repo.top, revision, directory)
    with ObjectReader(repo.top) as objects, tempfile.TemporaryDirectory() as scratch:
        _, snapshot = SnapshotReader(objects, Path(scratch), repo.prefix).at(sha, repo.prefix)
        settings = _settings(objects, f"{sha}:{repo.prefix}{SETTINGS_FILE}")
    if snapshot.desired is None:
        raise ScimformError(
            f"--changed-since {revision}: the config at {sha[:7]} does not load "
            f"({snapshot.problem}), so what changed since cannot be told; plan without "
            "--changed-since (a full plan)"
        )
    return ConfigAt(sha, snapshot.desired, settings, snapshot.by_target)


def _settings(objects: ObjectReader, name: str) -> SettingsFile:
    """The settings file `name` names, read as the loader reads it (defaults if none)."""
    found = objects.read(name)
    if found is None or found[1] != "blob":
        return SettingsFile()
    with tempfile.TemporaryDirectory() as alone:
        (Path(alone) / SETTINGS_FILE).write_bytes(found[2])
        return load_config(Path(alone)).settings


def _commit(top: Path, revision: str, directory: Path) -> str:
    if revision.startswith("-"):
        raise ScimformError(f"--changed-since {revision}: not a revision (it starts with -)")
    try:
        return run_git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()
    except ScimformError:
        raise ScimformError(
            f"--changed-since {revision}: no such commit in the repository of {directory}; "
            "fetch it first (in CI, check out with enough history, e.g. fetch-depth: 0)"
        ) from None
