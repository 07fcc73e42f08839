"""Sinks: the file (0600, replaced in one step) and the command (secret on stdin only)."""

from __future__ import annotations

import shlex
import stat
import sys
from pathlib import Path

import pytest

from scimform.errors import TokenSinkError
from scimform.tokens.api import Secret
from scimform.tokens.sinks import CommandSink, FileSink, parse_sink

SECRET = "s3cr3t-" + "x" * 40


def python_command(code: str) -> str:
    """`command:` spec that runs a small Python program."""
    return "command:" + shlex.join([sys.executable, "-c", code])


def test_a_secret_hides_itself() -> None:
    secret = Secret(SECRET)
    assert SECRET not in repr(secret) and SECRET not in str(secret)
    assert SECRET not in f"{[secret]}"
    assert secret.reveal() == SECRET


def test_the_file_sink_writes_the_secret_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "scim.token"
    target.write_text("old\n")
    target.chmod(0o644)
    sink = parse_sink(f"file:{target}")
    assert isinstance(sink, FileSink)
    sink.deliver(Secret(SECRET))
    assert target.read_text() == SECRET + "\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["scim.token"]  # no temporary left


def test_the_file_sink_says_when_it_cannot_write(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "missing-dir" / "scim.token")
    with pytest.raises(TokenSinkError, match="cannot write the token to") as caught:
        sink.deliver(Secret(SECRET))
    assert SECRET not in str(caught.value)


def test_the_command_sink_gets_the_secret_on_stdin_not_argv(tmp_path: Path) -> None:
    out = tmp_path / "got"
    code = f"import sys; open({str(out)!r}, 'w').write(repr(sys.argv) + '\\n' + sys.stdin.read())"
    sink = parse_sink(python_command(code))
    assert isinstance(sink, CommandSink)
    sink.deliver(Secret(SECRET))
    argv_line, received = out.read_text().split("\n", 1)
    assert received == SECRET
    assert SECRET not in argv_line
    assert SECRET not in sink.label


def test_a_failing_command_names_its_status_and_never_echoes_the_secret() -> None:
    code = "import sys; s = sys.stdin.read(); sys.stderr.write('bad token ' + s); sys.exit(3)"
    sink = parse_sink(python_command(code))
    with pytest.raises(TokenSinkError, match="exited with status 3") as caught:
        sink.deliver(Secret(SECRET))
    assert "bad token <token>" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_a_command_that_is_not_there() -> None:
    sink = parse_sink("command:scimform-no-such-command-here --x")
    with pytest.raises(TokenSinkError, match="was not found"):
        sink.deliver(Secret(SECRET))


def test_the_command_is_split_without_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    sink = parse_sink(f"command:echo hi; touch {marker}")
    assert isinstance(sink, CommandSink)
    sink.deliver(Secret(SECRET))  # echo prints its arguments, the ";" among them
    assert not marker.exists()


@pytest.mark.parametrize("spec", ["", "file:", "command:", "command:  ", "ssh:host", "gh secret"])
def test_unknown_sinks_are_refused_with_what_to_write(spec: str) -> None:
    with pytest.raises(TokenSinkError, match="file:PATH"):
        parse_sink(spec)


def test_an_unbalanced_quote_is_refused() -> None:
    with pytest.raises(TokenSinkError, match="cannot be split"):
        parse_sink("command:gh secret set 'SCIM_TOKEN")
