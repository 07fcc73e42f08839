import json
import os
import re
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from scimform_cli import cli

from scimform.store import Store

SECRET = re.compile(r"^[A-Za-z0-9_-]{500,620}$", re.MULTILINE)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "store.db"


def run(*args: str, ok: bool = True) -> Result:
    result = cli(*args)
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1, result.output
        # One clear line, no traceback.
        assert result.stderr.startswith("Error: ")
        assert result.stderr.count("\n") == 1
        assert "Traceback" not in result.output
    return result


def authenticates(db: Path, secret: str) -> bool:
    with Store.open(db) as store:
        return store.authenticate(secret) is not None


def test_enable_shows_the_endpoint_and_the_first_token_once(db: Path) -> None:
    out = run("server", "enable", "--db", str(db)).stdout
    with Store.open(db) as store:
        tenant = store.provisioning().tenant_id
        (token,) = store.list_tokens()
    assert f"SCIM endpoint: http://127.0.0.1:8080/{tenant}/scim/v2" in out
    assert token.id in out
    (secret,) = SECRET.findall(out)
    assert authenticates(db, secret)
    again = run("server", "enable", "--db", str(db)).stdout
    assert "already exist" in again
    assert not SECRET.search(again)


def test_enable_into_a_token_file(db: Path, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    out = run("server", "enable", "--db", str(db), "--token-file", str(token_file)).stdout
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    secret = token_file.read_text().strip()
    assert SECRET.match(secret)
    assert secret not in out
    assert authenticates(db, secret)


def test_a_token_file_is_never_overwritten(db: Path, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("keep me")
    result = run("server", "enable", "--db", str(db), "--token-file", str(token_file), ok=False)
    assert "already exists" in result.stderr
    assert token_file.read_text() == "keep me"
    run("server", "enable", "--db", str(db), "--token-file", str(tmp_path / "first"))
    run("server", "token", "create", "--db", str(db), "--token-file", str(token_file), ok=False)
    with Store.open(db) as store:
        assert len(store.list_tokens()) == 1  # no token was spent on the refused file
    missing_dir = tmp_path / "nope" / "token"
    result = run(
        "server", "token", "create", "--db", str(db), "--token-file", str(missing_dir), ok=False
    )
    assert "cannot create the token file" in result.stderr
    assert not missing_dir.exists()


def test_a_token_file_is_removed_when_no_token_is_made(db: Path, tmp_path: Path) -> None:
    run("server", "enable", "--db", str(db), "--token-file", str(tmp_path / "first"))
    second = tmp_path / "second"
    out = run("server", "enable", "--db", str(db), "--token-file", str(second)).stdout
    assert "no new one was made" in out
    assert not second.exists()


def test_the_token_life_cycle(db: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    run("server", "enable", "--db", str(db), "--token-file", str(first))
    out = run("server", "token", "create", "--db", str(db)).stdout
    (secret2,) = SECRET.findall(out)
    secret1 = first.read_text().strip()
    third = run("server", "token", "create", "--db", str(db), "--token-file", str(second), ok=False)
    assert "delete one first" in third.stderr
    assert not second.exists()

    assert authenticates(db, secret1)
    listed = run("server", "token", "list", "--db", str(db)).stdout
    rows = json.loads(run("server", "token", "list", "--db", str(db), "--json").stdout)
    assert len(rows) == 2
    assert rows[0]["last_used"] is not None
    assert rows[1]["last_used"] is None
    for row in rows:
        assert row["id"] in listed
    assert "never" in listed
    for secret in (secret1, secret2):
        assert secret not in listed
        assert secret[:20] not in listed

    run("server", "token", "delete", "--db", str(db), rows[0]["id"])
    assert not authenticates(db, secret1)
    assert authenticates(db, secret2)
    missing = run("server", "token", "delete", "--db", str(db), rows[0]["id"], ok=False)
    assert rows[0]["id"] in missing.stderr


def test_disable_needs_the_tokens_gone(db: Path) -> None:
    run("server", "enable", "--db", str(db))
    refused = run("server", "disable", "--db", str(db), ok=False)
    assert "delete them first" in refused.stderr
    (row,) = json.loads(run("server", "token", "list", "--db", str(db), "--json").stdout)
    run("server", "token", "delete", "--db", str(db), row["id"])
    assert "No access tokens" in run("server", "token", "list", "--db", str(db)).stdout
    assert "disabled" in run("server", "disable", "--db", str(db)).stdout
    status = json.loads(run("server", "status", "--db", str(db), "--json").stdout)
    assert status["provisioning"] == "disabled"


def test_a_token_needs_provisioning_enabled(db: Path) -> None:
    refused = run("server", "token", "create", "--db", str(db), ok=False)
    assert "scimform server enable" in refused.stderr


def test_status_and_seed(db: Path) -> None:
    run("server", "enable", "--db", str(db))
    out = run(
        "server",
        "seed",
        "--db",
        str(db),
        "--users",
        "50",
        "--groups",
        "5",
        "--memberships",
        "120",
        "--seed",
        "3",
    ).stdout
    assert "Added 50 users, 5 groups and 120 memberships" in out
    status = json.loads(run("server", "status", "--db", str(db), "--json").stdout)
    with Store.open(db) as store:
        tenant = store.provisioning().tenant_id
    assert status == {
        "store": str(db),
        "provisioning": "enabled",
        "tenant_id": tenant,
        "endpoint": f"http://127.0.0.1:8080/{tenant}/scim/v2",
        "tokens": 1,
        "users": 50,
        "groups": 5,
        "memberships": 120,
    }
    text = run("server", "status", "--db", str(db)).stdout
    assert "Automatic provisioning: enabled" in text
    assert "Users: 50, groups: 5, memberships: 120" in text
    clash = run(
        "server",
        "seed",
        "--db",
        str(db),
        "--users",
        "50",
        "--groups",
        "0",
        "--memberships",
        "0",
        ok=False,
    )
    assert "already taken" in clash.stderr


def test_the_default_store_and_the_group_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run("server", "seed", "--users", "3", "--groups", "1", "--memberships", "2")
    assert (tmp_path / ".scimform" / "store.db").exists()
    elsewhere = tmp_path / "elsewhere.db"
    run(
        "server",
        "--db",
        str(elsewhere),
        "seed",
        "--users",
        "4",
        "--groups",
        "0",
        "--memberships",
        "0",
    )
    status = json.loads(run("server", "--db", str(elsewhere), "status", "--json").stdout)
    assert status["users"] == 4
    assert json.loads(run("server", "status", "--json").stdout)["users"] == 3


def test_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("just some notes\n" * 50)
    result = run("server", "status", "--db", str(notes), ok=False)
    assert str(notes) in result.stderr
    assert "not a scimform store" in result.stderr


def test_the_console_script(db: Path, tmp_path: Path) -> None:
    # The console script installed beside this interpreter (the venv's own).
    script = str(Path(sys.executable).parent / "scimform")
    token_file = tmp_path / "token"
    done = subprocess.run(
        [script, "server", "enable", "--db", str(db), "--token-file", str(token_file)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert authenticates(db, token_file.read_text().strip())
    refused = subprocess.run(
        [script, "server", "disable", "--db", str(db)], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: automatic provisioning cannot be disabled")


def test_tokens_near_or_past_expiry_are_warned_about_as_the_console_does(db: Path) -> None:
    now = datetime.now(UTC)
    with Store.open(db) as store:
        made = store.enable_provisioning(now=now - timedelta(days=300))
        assert made is not None
        ageing = made[0]
        expired = store.create_token(now=now - timedelta(days=400))[0]
    for command in (("server", "token", "list"), ("server", "status")):
        result = run(*command, "--db", str(db))
        assert f"access token {ageing.id} expires on" in result.stderr
        assert "(in 64 days)" in result.stderr and "Rotate it" in result.stderr
        assert f"access token {expired.id} expired on" in result.stderr
        assert "Warning" not in result.stdout
    with Store.open(db) as store:
        store.delete_token(expired.id)
        store.delete_token(ageing.id)
        store.create_token()
    assert "Warning" not in run("server", "token", "list", "--db", str(db)).output
