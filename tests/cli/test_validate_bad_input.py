"""The issue's bad inputs as a new user meets them, through the real CLI: each names the
file, line and column, says the rule and what to do, exits 1, and shows no traceback."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from scimform_cli import cli

USER = (
    "users:\n  - userName: alice@corp.example\n    externalId: a-1\n    givenName: Alice\n"
    "    familyName: Liddell\n    displayName: Alice Liddell\n    email: alice@corp.example\n"
)


def _tab(root: Path) -> None:
    (root / "u.yaml").write_text("users:\n  - userName: a\n\tgivenName: b\n")


def _list(root: Path) -> None:
    (root / "u.yaml").write_text("- userName: a\n")


def _huge(root: Path) -> None:
    with (root / "u.yaml").open("wb") as huge:
        huge.truncate(50 * 1024 * 1024)  # sparse: nothing is written to disk


def _latin1(root: Path) -> None:
    (root / "u.yaml").write_bytes("users:\n  - userName: j\xe9r\xf4me\n".encode("latin-1"))


def _self_loop(root: Path) -> None:
    os.symlink("u.yaml", root / "u.yaml")


def _dangling(root: Path) -> None:
    os.symlink("gone.yaml", root / "u.yaml")


def _case(root: Path) -> None:
    (root / "a.yaml").write_text(USER)
    (root / "u.yaml").write_text(
        USER.replace("userName: alice@", "userName: ALICE@")
        .replace("a-1", "a-2")
        .replace("email: alice@", "email: al@")
    )


# (make the bad input, the text the report must hold, where it must point)
BAD: list[tuple[Callable[[Path], None], str, str]] = [
    (_tab, "error[yaml.tab]: a tab is used for indentation", "u.yaml:3:1"),
    (_list, "error[file.not-a-mapping]: the top level of the file is a list", "u.yaml:1:1"),
    (_huge, "error[file.too-large]: the file is 50.0 MiB", "u.yaml:1:1"),
    (_latin1, "error[file.not-utf8]: byte 0xe9 is not valid UTF-8", "u.yaml:2:16"),
    (_self_loop, "error[config.symlink-loop]: this symlink points back at itself", "u.yaml"),
    (_dangling, "error[file.unreadable]: the file is a symlink to nothing", "u.yaml:1:1"),
    (_case, "error[user.duplicate-user-name]", "u.yaml:2:5"),
]


@pytest.mark.parametrize(("make", "text", "where"), BAD, ids=[m.__name__ for m, _, _ in BAD])
def test_bad_input_names_file_line_column_and_what_to_do(
    tmp_path: Path, make: Callable[[Path], None], text: str, where: str
) -> None:
    make(tmp_path)
    result = cli("validate", str(tmp_path))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    line = next(line for line in result.output.splitlines() if text in line)
    assert line.startswith(f"{tmp_path / where}: ")
    after = result.output.splitlines()[result.output.splitlines().index(line) + 1]
    assert after.startswith("    hint: ")
    assert "Traceback" not in result.output


def test_github_annotations_point_at_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tab(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = cli("validate", "--format", "github")
    assert result.exit_code == 1
    assert "::error file=u.yaml,line=3,col=1,title=yaml.tab::a tab is used for indentation" in (
        result.output
    )


def test_fmt_drops_a_bom_and_then_is_clean(tmp_path: Path) -> None:
    (tmp_path / "u.yaml").write_bytes(b"\xef\xbb\xbf" + USER.encode())
    checked = cli("fmt", "--check", str(tmp_path))
    assert (checked.exit_code, checked.stdout) == (1, f"would reformat {tmp_path / 'u.yaml'}\n")
    assert cli("fmt", str(tmp_path)).exit_code == 0
    assert (tmp_path / "u.yaml").read_bytes() == USER.encode()
    assert cli("fmt", "--check", str(tmp_path)).exit_code == 0


def test_fmt_reports_a_tab_as_validate_does(tmp_path: Path) -> None:
    _tab(tmp_path)
    result = cli("fmt", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path / 'u.yaml'}:3:1: error[yaml.tab]: a tab is used" in result.stderr


def test_every_command_has_a_whole_summary_line_in_the_main_help() -> None:
    result = cli("--help")
    lines = {line.split()[0]: line for line in result.output.splitlines() if line[:2] == "  "}
    for name in ("validate", "fmt", "schema"):
        assert not lines[name].endswith("..."), lines[name]


def test_fmt_leaves_hidden_files_alone_as_validate_does(tmp_path: Path) -> None:
    messy = "repos:\n- repo: local\n"
    (tmp_path / ".pre-commit-config.yaml").write_text(messy)
    (tmp_path / "u.yaml").write_text(USER)
    result = cli("fmt", str(tmp_path))
    assert result.exit_code == 0
    assert (tmp_path / ".pre-commit-config.yaml").read_text() == messy
    assert "0 files reformatted, 1 unchanged." in result.stderr
