"""The command line as a whole: every command listed, one name for the config directory,
usage errors that exit 1 (2 is plan's "changes"), and --debug anywhere."""

from pathlib import Path

import pytest
from scimform_cli import cli

COMMANDS = (
    "init", "validate", "fmt", "schema", "plan", "apply", "import", "tokens", "history",
    "access", "audit", "review", "ci", "serve", "server",
)  # fmt: skip
WITH_A_CONFIG_DIRECTORY = (
    ("init",), ("validate",), ("fmt",), ("plan",), ("apply",), ("history",), ("access",),
    ("review",), ("tokens", "status"), ("tokens", "rotate"), ("audit", "verify"),
    ("audit", "show"),
)  # fmt: skip


def test_help_lists_the_commands() -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"\n  {name} " in result.output, name


@pytest.mark.parametrize("command", WITH_A_CONFIG_DIRECTORY, ids=" ".join)
def test_every_command_calls_its_config_directory_dir(command: tuple[str, ...]) -> None:
    usage = cli(*command, "--help").output.splitlines()[0]
    assert usage.endswith("[DIR]"), usage


@pytest.mark.parametrize(
    "args", [("plna",), ("plan", "--bogus"), ("--bogus",), ("apply", "--nope"), ("ci", "nope")]
)
def test_every_usage_error_exits_1(args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.exit_code == 1, result.output


def test_debug_may_stand_after_the_command(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing")
    plain = cli("validate", missing)
    assert plain.exit_code == 1 and "Traceback" not in plain.output
    with pytest.raises(Exception, match="config"):
        cli("plan", missing, "--debug")  # the runner re-raises what --debug lets through
