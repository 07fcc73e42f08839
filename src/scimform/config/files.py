"""Which files make up a config directory.

`scimform.yaml` at the top holds the settings; every other `*.yaml` below it (in any
subdirectory) holds users, groups and tokens. Hidden files and directories (`.git`,
`.scimform`) are skipped. Symlinked directories are followed once: a link back to a
directory already read (a loop) is reported and not followed again.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

from scimform.config.schema import SETTINGS_FILE
from scimform.diagnostics import Diagnostic, Location, Severity


@dataclass(frozen=True, slots=True)
class ConfigFiles:
    """The settings file (None when absent), the resource files in sorted order, and what
    was wrong with the directory itself."""

    settings: Path | None
    resources: tuple[Path, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())


def config_files(root: Path) -> ConfigFiles:
    """The files of the config directory `root`; paths are `root` joined with the path
    below it, so they read as the user wrote `root`."""
    if not root.exists():
        return ConfigFiles(
            None,
            (),
            (
                _problem(
                    root,
                    "config.not-found",
                    "no such directory",
                    "give the directory that holds scimform.yaml",
                ),
            ),
        )
    if not root.is_dir():
        return ConfigFiles(
            None,
            (),
            (
                _problem(
                    root,
                    "config.not-a-directory",
                    "a config is a directory, not a file",
                    "give the directory that holds this file",
                ),
            ),
        )
    walk = _Walk()
    walk.directory(root, top=True)
    settings = root / SETTINGS_FILE
    found = sorted(p for p in walk.files if p != settings)
    return ConfigFiles(
        settings if settings in walk.files else None, tuple(found), tuple(walk.problems)
    )


class _Walk:
    def __init__(self) -> None:
        self.files: set[Path] = set()
        self.problems: list[Diagnostic] = []
        self._seen: set[tuple[int, int]] = set()

    def directory(self, path: Path, top: bool = False) -> None:
        try:
            info = path.stat()
            identity = (info.st_dev, info.st_ino)
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError as exc:
            self.problems.append(_os_problem(path, exc))
            return
        if identity in self._seen:
            self.problems.append(
                _problem(
                    path,
                    "config.symlink-loop",
                    "this directory was already read through another path (a symlink loop)",
                    "it is read once; remove the link if it is a mistake",
                    Severity.WARNING,
                )
            )
            return
        self._seen.add(identity)
        for entry in entries:
            self._entry(Path(path, entry.name), entry, top)

    def _entry(self, path: Path, entry: os.DirEntry[str], top: bool) -> None:
        if entry.name.startswith("."):
            return
        try:
            is_dir = entry.is_dir()
            is_file = entry.is_file()
        except OSError as exc:
            self.problems.append(_os_problem(path, exc))
            return
        if is_dir:
            self.directory(path)
        elif entry.name.endswith(".yml") and is_file:
            self.problems.append(
                _problem(
                    path,
                    "config.yml-ignored",
                    "files ending in .yml are not read",
                    "rename it to .yaml if it belongs to the config",
                    Severity.WARNING,
                )
            )
        elif entry.name.endswith(".yaml"):
            if entry.name == SETTINGS_FILE and not top:
                self.problems.append(
                    _problem(
                        path,
                        "config.nested-settings",
                        f"only the {SETTINGS_FILE} at the top of the config is read",
                        "move its settings into the top-level file",
                        Severity.WARNING,
                    )
                )
            elif is_file or entry.is_symlink():
                # A dangling link is kept, so that reading it reports the problem.
                self.files.add(path)


def _os_problem(path: Path, exc: OSError) -> Diagnostic:
    if exc.errno == errno.ELOOP:
        return _problem(
            path,
            "config.symlink-loop",
            "this symlink points back at itself",
            "remove the link or point it at a real file",
        )
    return _problem(
        path,
        "config.unreadable",
        f"cannot read: {exc.strerror or exc}",
        "check the permissions, or remove it from the config directory",
    )


def _problem(
    path: Path, code: str, message: str, hint: str, severity: Severity = Severity.ERROR
) -> Diagnostic:
    return Diagnostic(severity, code, message, Location(str(path)), hint)
