"""The config a directory held at a commit, for the approval check: read from the
repository's objects (never the work tree) by the same loader as `validate`.

A config that does not load at either commit is an error, never "no changes": the check
cannot say what a pull request grants from a config it cannot read.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scimform.config.loader import load_config
from scimform.config.schema import SettingsFile
from scimform.diagnostics import Severity
from scimform.errors import ScimformError
from scimform.history.git import open_repository, run_git
from scimform.model import DesiredState


@dataclass(frozen=True, slots=True)
class ConfigAt:
    """The config at a commit: its sha, what it declared (empty when the directory did not
    exist there) and its settings (the defaults then)."""

    commit: str
    desired: DesiredState
    settings: SettingsFile


def commit_of(directory: Path, revision: str) -> str:
    """The full sha of the commit `revision` names in the repository of `directory`."""
    repo = open_repository(directory)
    if not revision or revision.startswith("-"):
        raise ScimformError(f"{revision!r} is not a revision")
    try:
        return run_git(repo.top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except ScimformError:
        raise ScimformError(
            f"commit {revision} is not in the repository of {directory}: check out with the "
            "whole history (actions/checkout with fetch-depth: 0)"
        ) from None


def merge_base(directory: Path, base: str, head: str) -> str:
    """The commit the head branched from (what GitHub compares a pull request with)."""
    base, head = commit_of(directory, base).strip(), commit_of(directory, head).strip()
    repo = open_repository(directory)
    try:
        return run_git(repo.top, "merge-base", base, head).strip()
    except ScimformError:
        raise ScimformError(
            f"commits {base[:12]} and {head[:12]} have no common ancestor in the repository "
            f"of {directory}: check out with the whole history (fetch-depth: 0)"
        ) from None


def config_at(directory: Path, revision: str) -> ConfigAt:
    """The config in `directory` at `revision`; a ScimformError naming the first error
    when it does not load there."""
    sha = commit_of(directory, revision).strip()
    repo = open_repository(directory)
    tree = f"{sha}:{repo.prefix}"
    kind = subprocess.run(
        ["git", "cat-file", "-t", tree], cwd=repo.top, capture_output=True, text=True, check=False
    )
    if kind.stdout.strip() != "tree":
        return ConfigAt(sha, DesiredState(), SettingsFile())
    archive = subprocess.run(
        ["git", "archive", "--format=tar", tree], cwd=repo.top, capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise ScimformError(f"cannot read the config at {sha[:12]}: git archive failed")
    with tempfile.TemporaryDirectory() as scratch:
        _extract(archive.stdout, Path(scratch))
        loaded = load_config(Path(scratch))
        errors = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
        if errors:
            first = errors[0]
            where = str(first.location or "").replace(scratch, repo.prefix.rstrip("/") or ".")
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise ScimformError(
                f"the config at commit {sha[:12]} does not load: {where}: {first.message}"
                f"{more}; fix it (scimform validate) and push again"
            )
        return ConfigAt(sha, loaded.desired, loaded.settings)


def _extract(data: bytes, into: Path) -> None:
    """The regular files of a tar archive (links and the rest are left out, as the
    loader would not follow them)."""
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        members = [m for m in archive.getmembers() if m.isfile() or m.isdir()]
        archive.extractall(into, members=members, filter="data")
