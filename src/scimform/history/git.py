"""Reading a git repository: where the config sits in it, its commits, and its objects.

git is run as a subprocess with argument lists (never a shell). Objects are read through
one long-lived `git cat-file --batch`, so reading a few hundred commits costs a few
process starts, not a few hundred.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from scimform.errors import ScimformError

_FIELD = "\x1f"  # unit separator: cannot appear in names or subjects git prints
_LOG_FORMAT = _FIELD.join(["%H", "%P", "%an", "%ae", "%aI", "%s", "%cI"])


@dataclass(frozen=True, slots=True)
class Commit:
    """One commit: its full sha, parents, author, author date (ISO 8601), subject and
    commit date (ISO 8601: when it was made where it is, such as a merge on GitHub)."""

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    date: str
    subject: str
    committed: str = ""

    @property
    def short(self) -> str:
        """The abbreviated sha people quote: the first seven characters."""
        return self.sha[:7]


@dataclass(frozen=True, slots=True)
class Repository:
    """A config directory's repository: `top` is its work tree, `prefix` the config
    directory below it ("" at the top, else ending in "/")."""

    top: Path
    prefix: str


def run_git(cwd: Path, *args: str) -> str:
    """git's standard output; a ScimformError carrying git's own message when it fails."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ScimformError("git is not installed (or not on PATH); install git") from None
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()
        raise ScimformError(f"git {args[0]} failed: {reason[-1] if reason else 'no message'}")
    return done.stdout


def open_repository(directory: Path) -> Repository:
    """The repository that holds `directory`; a clear ScimformError when there is none."""
    if not directory.is_dir():
        raise ScimformError(f"{directory}: no such directory; give the config directory")
    try:
        out = run_git(directory, "rev-parse", "--show-toplevel", "--show-prefix")
    except ScimformError:
        raise ScimformError(
            f"{directory} is not in a git repository: history reads the config's git log; "
            "run it inside the repository that holds the config"
        ) from None
    top, prefix = [*out.splitlines(), ""][:2]
    return Repository(Path(top), prefix)


def has_commits(repo: Repository) -> bool:
    """True when HEAD names a commit (a fresh repository has none)."""
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
        cwd=repo.top,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def list_commits(repo: Repository, first_parent: bool = False) -> list[Commit]:
    """Every commit reachable from HEAD, parents before children; with `first_parent`,
    only HEAD's first-parent line (the commits as they landed on the branch)."""
    line_only = ["--first-parent"] if first_parent else []
    out = run_git(
        repo.top, "log", *line_only, "--topo-order", "--reverse", f"--format={_LOG_FORMAT}", "HEAD"
    )
    return [_commit(line) for line in out.splitlines()]


def read_commits(repo: Repository, shas: list[str]) -> dict[str, Commit]:
    """The commits named by `shas` (full shas), by sha."""
    if not shas:
        return {}
    done = subprocess.run(
        ["git", "log", "--no-walk=unsorted", "--stdin", f"--format={_LOG_FORMAT}"],
        cwd=repo.top,
        input="\n".join(shas) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise ScimformError(f"git log failed: {done.stderr.strip() or 'no message'}")
    return {c.sha: c for c in map(_commit, done.stdout.splitlines())}


def _commit(line: str) -> Commit:
    sha, parents, author, email, date, subject, committed = line.split(_FIELD, 6)
    return Commit(sha, tuple(parents.split()), author, email, date, subject, committed)


def resolve_revision(repo: Repository, revision: str) -> str | None:
    """The full sha of the commit `revision` names, or None when it names none."""
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"],
        cwd=repo.top,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def is_ancestor(repo: Repository, commit: str, head: str = "HEAD") -> bool:
    """True when the commit `commit` is in the history of `head` (or is `head`); False when
    it is not, or is not in the repository (a shallow clone)."""
    done = subprocess.run(
        ["git", "merge-base", "--is-ancestor", "--end-of-options", commit, head],
        cwd=repo.top,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


class ObjectReader:
    """Objects by name (a sha, or `commit:path`), read from one `git cat-file --batch`.

    Use as a context manager: the process ends when the block does.
    """

    def __init__(self, top: Path) -> None:
        self._process = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=top,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """End the git process."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process.wait()

    def read(self, name: str) -> tuple[str, str, bytes] | None:
        """(sha, type, content) of the object `name`, or None when there is no such object."""
        stdin, stdout = self._pipes()
        stdin.write(name.encode() + b"\n")
        stdin.flush()
        header = stdout.readline().decode().split()
        if len(header) != 3:
            return None  # "<name> missing" (or ambiguous)
        sha, kind, size = header
        content = stdout.read(int(size))
        stdout.read(1)  # the newline after the content
        return sha, kind, content

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        return stdin, stdout


def tree_entries(content: bytes, sha_length: int) -> list[tuple[str, str, str]]:
    """The entries of a tree object: (mode, name, sha) each, in git's order. `sha_length`
    is the length in hex of the repository's object names (40, or 64 under sha256)."""
    width = sha_length // 2
    entries = []
    at = 0
    while at < len(content):
        space = content.index(b" ", at)
        nul = content.index(b"\0", space)
        mode = content[at:space].decode()
        name = content[space + 1 : nul].decode("utf-8", "surrogateescape")
        sha = content[nul + 1 : nul + 1 + width].hex()
        entries.append((mode, name, sha))
        at = nul + 1 + width
    return entries


@dataclass(frozen=True, slots=True)
class ConfigCommit:
    """The commit a config directory is at, and whether it has changes not committed
    (hidden files such as `.scimform/` are not part of the config and do not count)."""

    sha: str
    dirty: bool


def config_commit(directory: Path) -> ConfigCommit | None:
    """The commit HEAD names for the config in `directory`, for the audit record; None
    when the directory is not in a git repository or the repository has no commits."""
    try:
        repo = open_repository(directory)
    except ScimformError:
        return None
    if not has_commits(repo):
        return None
    sha = run_git(repo.top, "rev-parse", "HEAD").strip()
    status = run_git(repo.top, "status", "--porcelain", "-z", "--", repo.prefix or ".")
    return ConfigCommit(sha, any(_counts(path, repo.prefix) for path in _changed(status)))


def _changed(status: str) -> list[str]:
    entries = status.split("\0")
    paths: list[str] = []
    at = 0
    while at < len(entries):
        entry = entries[at]
        at += 1
        if len(entry) > 3:
            paths.append(entry[3:])
            if entry[0] in "RC":
                at += 1  # a rename or copy is followed by the path it came from
    return paths


def _counts(path: str, prefix: str) -> bool:
    below = path[len(prefix) :] if path.startswith(prefix) else path
    return not any(part.startswith(".") for part in below.split("/"))
