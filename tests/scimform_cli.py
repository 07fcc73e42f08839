"""The one way tests run the scimform CLI in-process: `cli(*args, env=..., secrets=...)`;
and, where a real process matters (signals), `start(*args, env=...)` runs the console script.

It runs `scimform.cli.main` through click's CliRunner with NO_COLOR=1, re-raises an
exception the CLI did not turn into an exit code (with its traceback), and always checks
that no secret reached stdout or stderr: the `secrets` given, and every value of `env`
whose name ends in TOKEN or KEY (SCIM_TOKEN, SCIMFORM_PLAN_KEY, ...). A leak fails the
test without repeating the secret or the output that held it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import click
from click.testing import CliRunner, Result

from scimform.cli import main

Env = Mapping[str, str | None]
SCIMFORM = str(Path(sys.executable).parent / "scimform")  # the console script


def cli(
    *args: str, env: Env | None = None, input: str | None = None, secrets: Iterable[str] = ()
) -> Result:
    """Run `scimform ARGS...`; an env value of None unsets that variable."""
    return invoke(main, *args, env=env, input=input, secrets=secrets)


def invoke(
    command: click.Command,
    *args: str,
    env: Env | None = None,
    input: str | None = None,
    secrets: Iterable[str] = (),
) -> Result:
    """Run any click `command` as `cli` runs scimform's (the runner's own tests use it)."""
    environment: dict[str, str | None] = {"NO_COLOR": "1", **(env or {})}
    result = CliRunner().invoke(command, list(args), env=environment, input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception.with_traceback(result.exc_info[2] if result.exc_info else None)
    assert_no_secret(result, [*secrets, *secrets_in(environment)])
    return result


def secrets_in(env: Env) -> list[str]:
    """The values of variables named like a secret (…TOKEN, …KEY) that are set."""
    return [
        value for name, value in env.items() if value and name.upper().endswith(("TOKEN", "KEY"))
    ]


def assert_no_secret(result: Result, secrets: Iterable[str]) -> None:
    """Fail if any secret appears in stdout or stderr; the message names neither."""
    for number, secret in enumerate(s for s in secrets if s):
        for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            if secret in text:
                raise AssertionError(
                    f"secret #{number + 1} ({len(secret)} characters) appeared in {stream}"
                )


def start(*args: str, env: Mapping[str, str]) -> subprocess.Popen[str]:
    """Start `scimform ARGS...` as a process with NO_COLOR=1 and `env` on top of os.environ,
    stdout and stderr on pipes. The caller checks its output for secrets."""
    environment = {**os.environ, "NO_COLOR": "1", **env}
    return subprocess.Popen(
        [SCIMFORM, *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_progress(process: subprocess.Popen[str]) -> None:
    """Read the process's stderr up to its first progress line ("Applied N of M steps.")."""
    assert process.stderr is not None
    line = process.stderr.readline()
    while line and not line.startswith("Applied "):
        line = process.stderr.readline()
    assert line, "apply ended before it showed progress"


def signal_after_progress(process: subprocess.Popen[str], signum: int) -> tuple[str, str]:
    """Send `signum` once the apply shows progress; its stdout and the rest of its stderr
    when it has ended (killed if it has not within a minute)."""
    try:
        wait_for_progress(process)
        process.send_signal(signum)
        return process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
