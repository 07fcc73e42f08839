"""`scimform init` through the real CLI: a config that validates, is fmt-clean, plans and
applies; git ignores the local state; nothing is ever overwritten."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import Result
from scimform_cli import cli

from scimform.cli.schema import render_schemas


def run(*args: str) -> Result:
    result = cli(*args, env={"NO_COLOR": "1"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_init_then_validate_fmt_plan_and_apply(tmp_path: Path) -> None:
    root = tmp_path / "people"
    result = run("init", str(root))
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == [
        ".gitignore", "schemas", "schemas/resources.schema.json",
        "schemas/scimform.schema.json", "scimform.yaml", "users.yaml",
    ]  # fmt: skip
    validate = run("validate", str(root))
    assert validate.exit_code == 0, validate.output
    assert "0 errors, 0 warnings; 1 user, 1 group" in validate.output
    assert run("fmt", "--check", str(root)).exit_code == 0
    for name in ("scimform.yaml", "users.yaml"):
        first = (root / name).read_text().splitlines()[0]
        schema = first.removeprefix("# yaml-language-server: $schema=")
        assert (root / schema).is_file(), first
    assert (root / "schemas" / "scimform.schema.json").read_text() == (
        render_schemas()["scimform.schema.json"]
    )
    assert run("plan", str(root)).exit_code == 2
    assert run("apply", str(root), "--auto-approve").exit_code == 0
    assert run("plan", str(root)).exit_code == 0


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_add_leaves_the_store_and_audit_log_out(tmp_path: Path) -> None:
    assert run("init", str(tmp_path)).exit_code == 0
    assert run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    assert (tmp_path / ".scimform" / "store.db").exists()
    assert (tmp_path / ".scimform" / "audit.jsonl").exists()
    git = ["git", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    staged = subprocess.run(
        [*git, "diff", "--cached", "--name-only"], check=True, capture_output=True, text=True
    ).stdout.split()
    assert sorted(staged) == [
        ".gitignore", "schemas/resources.schema.json", "schemas/scimform.schema.json",
        "scimform.yaml", "users.yaml",
    ]  # fmt: skip


def test_an_existing_config_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "scimform.yaml").write_text("ownership:\n  prune: true\n")
    result = run("init", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path} already has scimform.yaml; init starts a new config and never "
        "overwrites one (choose an empty directory)\n"
    )
    assert (tmp_path / "scimform.yaml").read_text() == "ownership:\n  prune: true\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scimform.yaml"]


def test_an_existing_gitignore_gets_the_line_once(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.pyc")
    assert run("init", str(tmp_path)).exit_code == 0
    text = (tmp_path / ".gitignore").read_text()
    assert text.startswith("*.pyc\n") and text.count(".scimform/") == 1
    (tmp_path / "scimform.yaml").unlink()
    (tmp_path / "users.yaml").unlink()
    assert run("init", str(tmp_path)).exit_code == 0
    assert (tmp_path / ".gitignore").read_text() == text
