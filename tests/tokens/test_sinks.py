"""Sinks: the file (0600, replaced in one step) and the command (secret on stdin only)."""

from __future__ import annotations

import shlex
import stat
import sys
from pathlib import Path

import pytest
from scimform_cli import cli

from scimform.errors import TokenSinkError
from scimform.store import Store
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


ECHOES = {
    "prefix": "sys.stderr.write('rejected token starting ' + s[:12] + '...')",
    "wrapped": "sys.stderr.write('\\n'.join(s[i:i + 20] for i in range(0, len(s), 20)))",
    "base64": "import base64; sys.stderr.write(base64.b64encode(s.encode()).decode())",
}


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
def test_a_failing_command_that_echoes_part_of_the_secret(echo: str) -> None:
    code = f"import sys; s = sys.stdin.read(); {echo}; sys.exit(3)"
    sink = parse_sink(python_command(code))
    with pytest.raises(TokenSinkError, match="exited with status 3") as caught:
        sink.deliver(Secret(SECRET))
    message = str(caught.value)
    assert "<token>" in message
    assert not any(SECRET[i : i + 8] in message for i in range(len(SECRET) - 7))


def test_rotate_never_prints_a_piece_the_sink_echoed(tmp_path: Path) -> None:
    """Through the CLI on a local store: the sink keeps the secret and echoes 12 characters
    of it, wrapped over lines, then fails; the rotation's report shows none of it."""
    store = Store.open(tmp_path / "store.db")
    made = store.enable_provisioning()
    assert made is not None
    (old,) = store.list_tokens()
    (tmp_path / "scimform.yaml").write_text("target:\n  url: local:store.db\n")
    expected = f"  expected:\n    - {{id: {old.id}, created: {old.created.date()}, "
    expected += f"expires: {old.expires.date()}}}\n"
    (tmp_path / "tokens.yaml").write_text("tokens:\n" + expected)
    kept = tmp_path / "kept"
    code = (
        f"import sys; s = sys.stdin.read(); open({str(kept)!r}, 'w').write(s); "
        "sys.stderr.write('refused: ' + s[:6] + '\\n' + s[6:12] + ' and ' + s); sys.exit(4)"
    )
    result = cli("tokens", "rotate", str(tmp_path), "--token-sink", python_command(code))
    store.close()
    assert result.exit_code == 1, result.output
    assert "exited with status 4: refused: <token>" in result.output
    secret = kept.read_text()
    shown = "".join(result.output.split())
    assert not any(secret[i : i + 8] in shown for i in range(len(secret) - 7))
