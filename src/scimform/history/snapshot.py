"""The desired state a config directory declared at one commit.

The config's tree is written out to a scratch directory and read by the same loader as
`scimform validate`, so history sees exactly what plan would have seen then. Snapshots are
cached by tree, so a commit that left the config as it was costs nothing; and the scratch
directory is kept between trees, so only the files a commit changed are written again.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from scimform.config.loader import load_config
from scimform.config.reuse import LoadCache
from scimform.config.yamlio import YamlDocument, load_yaml
from scimform.diagnostics import Diagnostic, Severity
from scimform.history.git import ObjectReader, tree_entries
from scimform.model import DesiredState

_FILE_MODES = ("100644", "100755")
_UNREADABLE = ("yaml.", "file.", "config.")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the config declared at a commit: `desired`, or `problem` when it did not load
    (then `desired` is None); with several targets, each target's desired state."""

    desired: DesiredState | None
    problem: str | None = None
    by_target: dict[str, DesiredState] = field(default_factory=dict)


EMPTY = Snapshot(DesiredState())


class SnapshotReader:
    """Snapshots of config trees, each tree loaded once, written out under `scratch` (an
    empty directory the caller owns). `shown` is the config directory's path in the
    repository as messages begin it: "" at the top, else ending in "/"."""

    def __init__(self, objects: ObjectReader, scratch: Path, shown: str) -> None:
        self._objects = objects
        self._scratch = scratch
        self._shown = shown
        self._cache: dict[str, Snapshot] = {}
        self._written: dict[str, str] = {}  # path below scratch -> blob sha
        # Parsed files of the tree written out, by (path, blob sha): a commit that changes
        # one file of twenty parses one. Only the current tree's are kept.
        self._documents: dict[tuple[str, str], YamlDocument] = {}
        # What each file gave the loader, by blob: a commit that changes one file of
        # twenty reads and checks one, and builds the records of its users only.
        self._reuse = LoadCache(self._blob)

    def at(self, commit: str, prefix: str) -> tuple[str | None, Snapshot]:
        """The config tree's sha at `commit` (None when the directory did not exist) and
        its snapshot."""
        found = self._objects.read(f"{commit}:{prefix}")
        if found is None or found[1] != "tree":
            return None, EMPTY
        sha, _, content = found
        cached = self._cache.get(sha)
        if cached is None:
            wanted: dict[str, str] = {}
            self._list(content, len(sha), "", wanted)
            self._sync(wanted)
            cached = self._cache[sha] = self._load()
        return sha, cached

    def _list(self, tree: bytes, sha_length: int, below: str, into: dict[str, str]) -> None:
        """The files of `tree` (path -> blob sha) that the loader could read."""
        for mode, name, sha in tree_entries(tree, sha_length):
            if name.startswith(".") or "/" in name:
                continue  # the loader skips hidden files; "..", "/" would write outside
            if mode == "40000":
                sub = self._objects.read(sha)
                if sub is not None:
                    self._list(sub[2], sha_length, f"{below}{name}/", into)
            elif mode in _FILE_MODES:
                into[f"{below}{name}"] = sha
            # Symlinks and submodules are left out: a link could point anywhere.

    def _sync(self, wanted: dict[str, str]) -> None:
        """Make the scratch directory hold exactly the `wanted` files."""
        for path in self._written.keys() - wanted.keys():
            (self._scratch / path).unlink()
            self._documents.pop((path, self._written[path]), None)
        for path, sha in sorted(wanted.items()):
            if self._written.get(path) == sha:
                continue
            self._documents.pop((path, self._written.get(path, "")), None)
            blob = self._objects.read(sha)
            target = self._scratch / path
            if target.is_dir():  # a directory before, a file now
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob[2] if blob is not None else b"")
        self._written = wanted

    def _blob(self, path: Path) -> str | None:
        """The blob sha of a file of the tree written out (None: not one of its files)."""
        below = path.relative_to(self._scratch).as_posix()
        return self._written.get(below)

    def _read(self, path: Path, file: str) -> YamlDocument:
        """A file of the tree written out, parsed once per blob."""
        below = path.relative_to(self._scratch).as_posix()
        key = (below, self._written.get(below, ""))
        document = self._documents.get(key)
        if document is None:
            document = load_yaml(path, file)
            if key[1]:
                self._documents[key] = document
        return document

    def _load(self) -> Snapshot:
        loaded = load_config(self._scratch, self._read, cache=self._reuse)
        errors = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
        if not errors:
            return Snapshot(loaded.desired, by_target=loaded.by_target)
        # A file that cannot be read explains the errors it causes elsewhere: say it first.
        errors.sort(key=lambda d: not d.code.startswith(_UNREADABLE))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        # A message may name another place ("first at ..."): in the repository too.
        message = errors[0].message.replace(f"{self._scratch}/", self._shown)
        return Snapshot(None, f"{self._where(errors[0])}: {message}{more}")

    def _where(self, diagnostic: Diagnostic) -> str:
        """The diagnostic's place, as a path in the repository."""
        where = str(diagnostic.location) if diagnostic.location else str(self._scratch)
        scratch = str(self._scratch)
        if where.startswith(scratch + "/"):
            return self._shown + where[len(scratch) + 1 :]
        return self._shown.rstrip("/") or "."
