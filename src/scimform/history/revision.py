"""The desired state a config directory declared at one git revision, for a targeted plan
(`--changed-since REV`): read from the repository's objects by the same loader as
`validate`, as `scimform history` reads it, never from the work tree.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from scimform.errors import ScimformError
from scimform.history.git import ObjectReader, open_repository, run_git
from scimform.history.snapshot import SnapshotReader
from scimform.model import DesiredState


def config_at(directory: Path, revision: str) -> tuple[str, DesiredState]:
    """The commit `revision` names and what the config in `directory` declared there (an
    empty state when the directory did not exist yet). A ScimformError when the revision
    is not a commit of the repository, or the config there does not load."""
    repo = open_repository(directory)
    sha = _commit(repo.top, revision, directory)
    with ObjectReader(repo.top) as objects, tempfile.TemporaryDirectory() as scratch:
        _, snapshot = SnapshotReader(objects, Path(scratch), repo.prefix).at(sha, repo.prefix)
    if snapshot.desired is None:
        raise ScimformError(
            f"--changed-since {revision}: the config at {sha[:7]} does not load "
            f"({snapshot.problem}), so what changed since cannot be told; plan without "
            "--changed-since (a full plan)"
        )
    return sha, snapshot.desired


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
