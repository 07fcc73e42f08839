"""The embedded store behind a `local:` target, as a new user meets it through the CLI:
`plan` and `status` make nothing, `apply` makes the store (with no hidden token), and
`scimform server enable` then gives the first token, as the README says."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from scimform_cli import cli

from scimform.store import Store

QUICKSTART = Path(__file__).parents[2] / "examples" / "quickstart"


def run(*args: str) -> Result:
    result = cli(*args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return Path(shutil.copytree(QUICKSTART, tmp_path / "quickstart"))


def test_plan_makes_no_store_and_apply_makes_one_without_a_token(config: Path) -> None:
    result = run("plan", str(config))
    assert result.exit_code == 2, result.output
    assert "Plan: 12 to add" in result.stdout
    assert "(new: read as empty; apply creates it)" in result.stderr
    assert not (config / ".scimform").exists()
    result = run("apply", str(config), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "apply creates it" in result.stderr  # said before the store is made
    store_path = config / ".scimform" / "store.db"
    assert f"Created the embedded store {store_path} (no access token" in result.stderr
    with Store.open(config / ".scimform" / "store.db") as store:
        assert store.count_users() == 8
        assert store.provisioning().enabled
        assert store.list_tokens() == []  # a local: target needs none: none is hidden
    again = run("apply", str(config), "--auto-approve")
    assert again.exit_code == 0 and "Created the embedded store" not in again.stderr
    assert run("plan", str(config)).exit_code == 0


def test_a_store_made_by_apply_gets_its_first_token_from_server_enable(
    config: Path, tmp_path: Path
) -> None:
    assert run("apply", str(config), "--auto-approve").exit_code == 0
    db = str(config / ".scimform" / "store.db")
    token_file = tmp_path / "t.txt"
    result = run("server", "enable", "--db", db, "--token-file", str(token_file))
    assert result.exit_code == 0, result.output
    assert token_file.stat().st_size > 500
    assert f"The access token is in {token_file}" in result.output
    with Store.open(db) as store:
        (made,) = store.list_tokens()
        assert store.authenticate(token_file.read_text().strip()) is not None
    status = run("tokens", "status", str(config))
    assert made.id in status.output  # the live token is shown, as undeclared


def test_rotate_on_a_store_without_tokens_says_there_is_none(config: Path, tmp_path: Path) -> None:
    assert run("apply", str(config), "--auto-approve").exit_code == 0
    status = run("tokens", "status", str(config))
    assert status.exit_code == 0, status.output
    result = run("tokens", "rotate", str(config), "--token-sink", f"file:{tmp_path / 'x'}")
    assert result.exit_code == 1
    assert "the target has no access token to rotate" in result.output
    assert not (tmp_path / "x").exists()
    with Store.open(config / ".scimform" / "store.db") as store:
        assert store.list_tokens() == []


def test_a_store_in_a_missing_directory_is_not_made_by_plan(config: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent" / "dir" / "store.db"
    settings = config / "scimform.yaml"
    settings.write_text(f"target:\n  url: local:{missing}\n" + settings.read_text())
    result = run("plan", str(config))
    assert result.exit_code == 2, result.output
    assert f"embedded store {missing} (new: read as empty; apply creates it)" in result.stderr
    assert not missing.parent.parent.exists()


def test_an_empty_directory_is_an_error_and_makes_nothing(tmp_path: Path) -> None:
    result = run("plan", str(tmp_path))
    assert result.exit_code == 1
    assert "error[config.empty]" in result.stderr
    assert "scimform init" in result.stderr
    assert "No changes" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_server_status_on_a_missing_store_makes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "state" / "store.db"
    result = run("server", "--db", str(db), "status")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: there is no store at {db}; `scimform server enable` (or `scimform apply` on "
        "a config with a local: target) creates one\n"
    )
    assert not db.parent.exists()
    assert run("server", "token", "list", "--db", str(db)).exit_code == 1
    assert not db.parent.exists()


def test_recording_an_expired_token_is_refused(config: Path) -> None:
    tokens = (config / "tokens.yaml").read_text()
    result = run("tokens", "record", str(config), "--id", "t-1", "--created", "2025-1-1")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --created: token t-1 would have expired on 2026-01-01, which has passed; "
        "nothing was recorded. Give the day it was made in the console (YYYY-MM-DD)\n"
    )
    assert (config / "tokens.yaml").read_text() == tokens


def test_a_plan_failing_on_an_expired_token_never_says_no_changes(config: Path) -> None:
    assert run("apply", str(config), "--auto-approve").exit_code == 0
    made = date.today() - timedelta(days=400)
    with (config / "tokens.yaml").open("a") as out:
        out.write(
            f"  expected:\n    - id: t-1\n      created: {made}\n"
            f"      expires: {made + timedelta(days=365)}\n"
        )
    result = run("plan", str(config))
    assert result.exit_code == 1
    assert "No changes" not in result.output
    assert result.stdout.startswith("The plan fails: the token check found errors (below).")
