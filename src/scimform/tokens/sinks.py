"""Sinks: where a new SCIM token goes, so that its clients use it from now on.

`file:PATH` writes the token to PATH, readable by its owner only (0600), replacing the
file in one step so that a reader never sees half a token. `command:CMD` runs CMD
(split as a shell would split it, but run without a shell) with the token on its
standard input, never in its arguments, where other users could see it in the process
list; `command:gh secret set SCIM_TOKEN` stores it as a GitHub Actions secret.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from scimform.errors import TokenSinkError
from scimform.tokens.api import Secret
from scimform.tokens.scrub import scrub

COMMAND_TIMEOUT = 120.0
_STDERR_CHARS = 300
# Only the end of what a command said is shown; scrubbing this much of it bounds the cost
# whatever it printed, and a fragment cut at this edge is far from the part shown.
_STDERR_SCRUBBED = 16_384


class Sink(Protocol):
    """Receives a new token's secret."""

    @property
    def label(self) -> str:
        """What the sink is, as it may be shown."""
        ...

    def deliver(self, secret: Secret) -> None:
        """Hand the secret over; TokenSinkError (never quoting it) when that fails."""
        ...


@dataclass(frozen=True)
class FileSink:
    """Writes the secret to a file, mode 0600."""

    path: Path

    @property
    def label(self) -> str:
        """The file."""
        return f"file {self.path}"

    def deliver(self, secret: Secret) -> None:
        """Replace the file atomically with the secret and a newline."""
        directory = self.path.parent
        try:
            fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.")
        except OSError as exc:
            raise TokenSinkError(f"cannot write the token to {self.path}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                os.fchmod(out.fileno(), 0o600)  # mkstemp makes 0600; say so anyway
                out.write(secret.reveal() + "\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise TokenSinkError(f"cannot write the token to {self.path}: {exc.strerror}") from None


@dataclass(frozen=True)
class CommandSink:
    """Runs a command with the secret on its standard input."""

    argv: tuple[str, ...]

    @property
    def label(self) -> str:
        """The command line."""
        return f"command {shlex.join(self.argv)}"

    def deliver(self, secret: Secret) -> None:
        """Run the command; it must exit 0."""
        shown = shlex.join(self.argv)
        try:
            done = subprocess.run(
                self.argv,
                input=secret.reveal(),
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except FileNotFoundError:
            raise TokenSinkError(f"the sink command {self.argv[0]} was not found") from None
        except (OSError, subprocess.TimeoutExpired) as exc:
            why = "it timed out" if isinstance(exc, subprocess.TimeoutExpired) else str(exc)
            raise TokenSinkError(f"the sink command `{shown}` failed: {why}") from None
        if done.returncode != 0:
            said = _scrubbed(done.stderr, secret)
            raise TokenSinkError(
                f"the sink command `{shown}` exited with status {done.returncode}"
                + (f": {said}" if said else "")
            )


def parse_sink(spec: str) -> FileSink | CommandSink:
    """A sink from `file:PATH` or `command:CMD`; TokenSinkError for anything else."""
    kind, _, rest = spec.partition(":")
    rest = rest.strip()
    if kind == "file" and rest:
        return FileSink(Path(rest).expanduser())
    if kind == "command" and rest:
        try:
            argv = tuple(shlex.split(rest))
        except ValueError as exc:
            raise TokenSinkError(f"--token-sink command cannot be split: {exc}") from None
        if argv:
            return CommandSink(argv)
    raise TokenSinkError(
        f"--token-sink {spec!r} is not a sink; write file:PATH or "
        "'command:gh secret set SCIM_TOKEN' (the token goes to its standard input)"
    )


def _scrubbed(stderr: str, secret: Secret) -> str:
    """The end of what a failed command said, with any piece of the secret cut out should
    it echo one (whole, in part, wrapped or encoded)."""
    text = scrub(stderr[-_STDERR_SCRUBBED:], secret.reveal()).strip()
    return text[-_STDERR_CHARS:]
