"""The README tells the truth: its YAML is in fmt's layout, CI runs its test command as
written, and its quick start and `scimform init` work, run literally, in a fresh virtual
environment made in a clean checkout (the files git tracks, nothing else)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from scimform_cli import cli

TOP = Path(__file__).resolve().parents[1]
README = (TOP / "README.md").read_text(encoding="utf-8")


def _blocks(language: str, text: str = README) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


def _section(title: str) -> str:
    start = README.index(f"\n{title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


QUICK_START, TEST_COMMAND = (b.strip() for b in _blocks("sh", _section("## Quick start"))[:2])
(INIT,) = (b.strip() for b in _blocks("sh", _section("### Your own config")))


def test_the_yaml_snippets_are_in_fmt_layout(tmp_path: Path) -> None:
    # A snippet of a config file starts with a comment naming it; the others (such as a
    # .pre-commit-config.yaml) are not scimform's to format.
    named = [(re.match(r"# ([\w/.-]+\.yaml)\n", s), s) for s in _blocks("yaml")]
    others = [s for name, s in named if name is None]
    assert not [s for s in others if re.search(r"^(users|groups|tokens|target):", s, re.M)]
    snippets = [(name, s) for name, s in named if name is not None]
    assert len(snippets) >= 3
    for index, (name, snippet) in enumerate(snippets):
        path = tmp_path / str(index) / name.group(1)
        path.parent.mkdir(parents=True)
        path.write_text(snippet, encoding="utf-8")
        result = cli("fmt", "--check", str(path))
        assert result.exit_code == 0, f"{name.group(1)}: {result.output}"


def test_ci_runs_the_readme_test_command_as_written() -> None:
    run = (TOP / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND in run.splitlines()
    assert TEST_COMMAND.startswith("python3 -m venv .venv && ")


def _clean_checkout(into: Path) -> Path:
    listed = subprocess.run(
        ["git", "-C", str(TOP), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = TOP / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return into


def _bash(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # As a new shell would have it: no virtual environment active.
    environ = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        paths = environ.get("PATH", "").split(os.pathsep)
        environ["PATH"] = os.pathsep.join(p for p in paths if not p.startswith(active))
    environ["NO_COLOR"] = "1"
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=environ, capture_output=True, text=True, timeout=240
    )


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_quick_start_and_init_work_as_written(tmp_path: Path) -> None:
    clone = _clean_checkout(tmp_path / "clone")
    quick = _bash(QUICK_START, clone)
    assert quick.returncode == 0, quick.stdout + quick.stderr
    assert "Apply complete: 16 done." in quick.stdout
    assert (clone / ".venv" / "bin" / "scimform").exists()
    again = _bash(". .venv/bin/activate && scimform plan examples/quickstart", clone)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith("No changes.")
    work = tmp_path / "work"
    work.mkdir()
    init = _bash(f". {clone}/.venv/bin/activate && {INIT}", work)
    assert init.returncode == 2, init.stdout + init.stderr  # plan: changes to make
    assert "Plan: 2 to add" in init.stdout
    people = work / INIT.split()[2]
    assert (people / ".gitignore").read_text().splitlines()[-1] == ".scimform/"
    assert not (people / ".scimform").exists()  # plan makes no store
