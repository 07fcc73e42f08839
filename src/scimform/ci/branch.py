"""The `audit-log` branch through git plumbing: read a file at the branch's tip, and make
one commit on top of it without touching any work tree.

Only the tip is fetched (`--depth 1`): the branch holds the whole log in every commit, so
its history is for auditors, not for the workflow. A branch that does not exist yet is
"nothing recorded"; any other failure to read it is an error, never an empty log. The
workflow token reaches git through the environment (GIT_CONFIG_*), never through argv,
a URL or .git/config.
"""

from __future__ import annotations

import base64
import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from scimform.errors import ScimformError

BRANCH = "audit-log"
_LOCAL_REF = "refs/scimform/audit-log"
_BOT = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")


class PushRejected(ScimformError):
    """The remote refused the push (most often: the branch moved on meanwhile)."""


def auth_environment(token: str, server_url: str) -> dict[str, str]:
    """The environment that makes git send `token` to `server_url` (GitHub) and nowhere
    else, as actions/checkout does, without writing it to disk."""
    if not token:
        return {}
    host = urlsplit(server_url or "https://github.com")
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{host.scheme}://{host.netloc}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
    }


@dataclass(frozen=True)
class LogBranch:
    """The branch `branch` of `remote`, seen from the git repository at `cwd`."""

    cwd: Path
    remote: str = "origin"
    branch: str = BRANCH
    env: Mapping[str, str] = field(default_factory=dict)

    def tip(self) -> str | None:
        """Fetch the branch's tip and return its commit, or None when it does not exist."""
        ref = f"refs/heads/{self.branch}"
        done = self._git("ls-remote", "--exit-code", self.remote, ref, check=False)
        if done.returncode == 2:
            return None
        if done.returncode != 0:
            raise ScimformError(self._failed("read", done))
        fetched = self._git(
            "fetch", "--no-tags", "--depth=1", self.remote, f"+{ref}:{_LOCAL_REF}", check=False
        )
        if fetched.returncode != 0:
            raise ScimformError(self._failed("fetch", fetched))
        return self._git("rev-parse", f"{_LOCAL_REF}^{{commit}}").stdout.strip()

    def read(self, commit: str | None, path: str) -> bytes:
        """The file at `path` in `commit` (empty when there is no commit or no such file)."""
        if commit is None:
            return b""
        if self._git("cat-file", "-e", f"{commit}:{path}", check=False).returncode != 0:
            return b""
        return self._git_bytes("cat-file", "blob", f"{commit}:{path}")

    def commit(self, parent: str | None, files: Mapping[str, bytes], message: str) -> str:
        """A commit of `parent`'s tree with `files` written (an orphan when no parent)."""
        with tempfile.TemporaryDirectory() as scratch:
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self._git("read-tree", *([parent] if parent else ["--empty"]), extra=index)
            for path, data in sorted(files.items()):
                blob = self._git_bytes("hash-object", "-w", "--stdin", data=data).decode()
                info = f"100644,{blob.strip()},{path}"
                self._git("update-index", "--add", "--cacheinfo", info, extra=index)
            tree = self._git("write-tree", extra=index).stdout.strip()
        parents = ["-p", parent] if parent else []
        name, email = _BOT
        who = {f"GIT_{r}_{k}": v for r in ("AUTHOR", "COMMITTER")
               for k, v in (("NAME", name), ("EMAIL", email))}  # fmt: skip
        return self._git("commit-tree", tree, *parents, "-m", message, extra=who).stdout.strip()

    def push(self, commit: str) -> None:
        """Push `commit` as the branch's new tip (never forced); PushRejected on refusal."""
        done = self._git("push", self.remote, f"{commit}:refs/heads/{self.branch}", check=False)
        if done.returncode != 0:
            raise PushRejected(self._failed("push", done))

    def _failed(self, verb: str, done: _Done) -> str:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        said = lines[-1] if lines else "no message"
        return f"cannot {verb} the branch {self.branch} of {self.remote}: git says: {said}"

    def _git_bytes(self, *args: str, data: bytes | None = None) -> bytes:
        return self._git(*args, data=data).stdout_bytes

    def _git(
        self,
        *args: str,
        check: bool = True,
        data: bytes | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> _Done:
        env = os.environ | {"GIT_TERMINAL_PROMPT": "0"} | dict(self.env) | dict(extra or {})
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.cwd, input=data, capture_output=True, env=env
            )
        except FileNotFoundError:
            raise ScimformError("git is not installed (or not on PATH); install git") from None
        found = _Done(done)
        if check and found.returncode != 0:
            raise ScimformError(self._failed(args[0], found))
        return found


class _Done:
    """A finished git: its exit status, and its output as bytes or text."""

    def __init__(self, done: subprocess.CompletedProcess[bytes]) -> None:
        self.returncode = done.returncode
        self.stdout_bytes = done.stdout
        self.stdout = done.stdout.decode("utf-8", "replace")
        self.stderr = done.stderr
