"""`scimform tokens status|rotate|record` through the real CLI, against a `local:` store and
a real `scimform serve` app (admin API on) on 127.0.0.1. No secret may appear in any output."""

from __future__ import annotations

import shlex
import stat
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from builders import tokens_yaml, write_config
from scimform_cli import cli

from scimform.store import Store

KEY = "admin-key-" + "k" * 30
AWS = "https://scim.eu-west-1.amazonaws.com/a1b2c3d4-tenant/scim/v2"
TODAY = date.today()


def stdin_to(path: Path) -> str:
    """A sink command that writes its standard input (and nothing from argv) to `path`."""
    code = f"import sys; open({str(path)!r}, 'w').write(sys.stdin.read())"
    return "command:" + shlex.join([sys.executable, "-c", code])


@pytest.fixture
def local(tmp_path: Path) -> Iterator[tuple[Path, Store, str]]:
    store = Store.open(tmp_path / "store.db")
    made = store.enable_provisioning()
    assert made is not None
    write_config(tmp_path, files={"tokens.yaml": tokens_yaml(store.list_tokens())})
    yield tmp_path, store, made[1]
    store.close()


@pytest.fixture
def served(scim_server_factory: Any, tmp_path: Path) -> tuple[Path, Any, Path]:
    server = scim_server_factory(admin_key=KEY)
    files = {
        "scim.token": server.token + "\n",
        "tokens.yaml": tokens_yaml(server.store.list_tokens()),
    }
    config = write_config(tmp_path / "config", url=server.url, token="file:scim.token", files=files)
    key_file = tmp_path / "admin.key"
    key_file.write_text(KEY + "\n")
    return config, server, key_file


def test_rotate_a_local_store_end_to_end(local: tuple[Path, Store, str], tmp_path: Path) -> None:
    root, store, old_secret = local
    (old,) = store.list_tokens()
    sink = tmp_path / "out" / "new.token"
    sink.parent.mkdir()
    result = cli(
        "tokens", "rotate", str(root), "--token-sink", f"file:{sink}", secrets=[old_secret]
    )
    assert result.exit_code == 0, result.output
    secret = sink.read_text().strip()
    assert stat.S_IMODE(sink.stat().st_mode) == 0o600
    (new,) = store.list_tokens()
    assert new.id != old.id
    assert store.authenticate(secret) is not None
    assert store.authenticate(old_secret) is None
    text = (root / "tokens.yaml").read_text()
    assert f"id: {new.id}" in text and old.id not in text
    assert "# Our SCIM tokens." in text and "# two months" in text
    assert secret not in result.output and secret not in text
    assert f"Rotated token {old.id} -> {new.id}" in result.output


def test_rotate_through_the_admin_api_of_serve(
    served: tuple[Path, Any, Path], tmp_path: Path
) -> None:
    config, server, key_file = served
    (old,) = server.store.list_tokens()
    got = tmp_path / "got"
    args = ["rotate", str(config), "--token-sink", stdin_to(got), "--admin-key-file", str(key_file)]
    result = cli("tokens", *args, secrets=(server.token, KEY))
    assert result.exit_code == 0, result.output
    secret = got.read_text()
    (new,) = server.store.list_tokens()
    assert new.id != old.id
    with server.client(secret) as client:  # the new token works over real HTTP
        assert client.get("/Users", params={"count": "1"}).status_code == 200
    with server.client() as client:  # the old one is gone
        assert client.get("/Users", params={"count": "1"}).status_code == 401
    assert f"id: {new.id}" in (config / "tokens.yaml").read_text()
    assert secret not in result.output and server.token not in result.output
    assert KEY not in result.output


def test_a_failing_sink_command_leaves_the_old_token(served: tuple[Path, Any, Path]) -> None:
    config, server, key_file = served
    before = (config / "tokens.yaml").read_text()
    (old,) = server.store.list_tokens()
    fail = "command:" + shlex.join([sys.executable, "-c", "import sys; sys.exit(7)"])
    args = ("rotate", str(config), "--token-sink", fail, "--admin-key-file", str(key_file))
    result = cli("tokens", *args, secrets=(server.token, KEY))
    assert result.exit_code == 1
    assert "Rotation stopped at: hand the new token to the sink" in result.output
    assert "exited with status 7" in result.output
    assert "was deleted again" in result.output
    assert f"The old token {old.id} is still in place." in result.output
    assert [t.id for t in server.store.list_tokens()] == [old.id]
    assert (config / "tokens.yaml").read_text() == before


def test_status_against_serve_compares_live_tokens_and_checks_the_token(
    served: tuple[Path, Any, Path],
) -> None:
    config, server, key_file = served
    secrets = (server.token, KEY)
    result = cli(
        "tokens", "status", str(config), "--admin-key-file", str(key_file), secrets=secrets
    )
    assert result.exit_code == 0, result.output
    assert "the target's tokens are the declared ones" in result.output
    assert "(file:scim.token) is accepted" in result.output
    extra, _ = server.store.create_token()
    result = cli(
        "tokens", "status", str(config), "--admin-key-file", str(key_file), secrets=secrets
    )
    assert f"token {extra.id}" in result.output and "apply deletes it" in result.output


def test_status_says_a_refused_token_is_expired_deleted_or_wrong(
    served: tuple[Path, Any, Path],
) -> None:
    config, _, _ = served
    (config / "scim.token").write_text("wrong-" + "w" * 40)
    result = cli("tokens", "status", str(config))
    assert result.exit_code == 1
    assert "the SCIM token was refused: it is expired, deleted or wrong" in result.output
    assert "w" * 40 not in result.output
    assert "Traceback" not in result.output


def test_rotate_on_serve_without_admin_key_says_what_to_pass(
    served: tuple[Path, Any, Path], tmp_path: Path
) -> None:
    config, _, _ = served
    result = cli("tokens", "rotate", str(config), "--token-sink", f"file:{tmp_path / 'x'}")
    assert result.exit_code == 1
    assert "--admin-key-file" in result.output
    assert not (tmp_path / "x").exists()


def test_status_windows_and_exit_codes(tmp_path: Path) -> None:
    warn = ("warn-me", TODAY - timedelta(days=320), TODAY + timedelta(days=45))
    write_config(tmp_path, url=AWS, files={"tokens.yaml": tokens_yaml([warn])})
    result = cli("tokens", "status", str(tmp_path))
    assert result.exit_code == 0
    assert "expiring" in result.output and "in 45 days" in result.output
    gone = ("gone", TODAY - timedelta(days=370), TODAY - timedelta(days=5))
    write_config(tmp_path, url=AWS, files={"tokens.yaml": tokens_yaml([gone])})
    result = cli("tokens", "status", str(tmp_path))
    assert result.exit_code == 1
    assert "expired" in result.output and "5 days ago" in result.output


def test_status_on_aws_prints_the_console_steps_for_a_due_rotation(tmp_path: Path) -> None:
    due = ("due-1", TODAY - timedelta(days=350), TODAY + timedelta(days=15))
    other = ("other-2", TODAY - timedelta(days=10), TODAY + timedelta(days=355))
    write_config(tmp_path, url=AWS, files={"tokens.yaml": tokens_yaml([due, other])})
    result = cli("tokens", "status", str(tmp_path))
    assert result.exit_code == 0
    assert "rotation is due" in result.output
    assert "Rotation of token due-1 is due. In the AWS console:" in result.output
    assert "other-2 is the other one" in result.output
    assert "--replaces due-1 --used-by github-actions" in result.output


def test_rotate_on_aws_prints_the_steps_and_changes_nothing(tmp_path: Path) -> None:
    token = ("tok-1", TODAY - timedelta(days=300), TODAY + timedelta(days=65))
    write_config(tmp_path, url=AWS, files={"tokens.yaml": tokens_yaml([token])})
    before = (tmp_path / "tokens.yaml").read_text()
    result = cli("tokens", "rotate", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "rotate token tok-1 in the console" in result.output
    assert "Generate new token" in result.output
    assert "Delete the old token tok-1" in result.output
    assert "scimform tokens record --id NEW_ID" in result.output
    assert (tmp_path / "tokens.yaml").read_text() == before


def test_rotate_if_due_does_nothing_before_the_window(
    local: tuple[Path, Store, str], tmp_path: Path
) -> None:
    root, store, _ = local
    before = [t.id for t in store.list_tokens()]
    result = cli(
        "tokens", "rotate", str(root), "--token-sink", f"file:{tmp_path / 'x'}", "--if-due"
    )
    assert result.exit_code == 0
    assert "No rotation is due" in result.output
    assert [t.id for t in store.list_tokens()] == before
    assert not (tmp_path / "x").exists()


def test_record_after_a_manual_rotation_keeps_comments(tmp_path: Path) -> None:
    old = ("old-1", TODAY - timedelta(days=340), TODAY + timedelta(days=25))
    write_config(tmp_path, url=AWS, files={"tokens.yaml": tokens_yaml([old])})
    args = ["record", str(tmp_path), "--id", "new-9", "--created", "2026-11-30"]
    result = cli("tokens", *args, "--replaces", "old-1")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "tokens.yaml").read_text()
    assert "{id: new-9, created: 2026-11-30, expires: 2027-11-30, used_by: github-actions}" in text
    assert "# the token CI uses" in text and "# Our SCIM tokens." in text
    result = cli("tokens", *args, "--replaces", "nope")
    assert result.exit_code == 1
    assert "token nope is not declared" in result.output and "tokens.yaml" in result.output


def test_a_config_with_errors_is_reported_not_traced(tmp_path: Path) -> None:
    bad = ("bad", TODAY, TODAY - timedelta(days=1))
    write_config(tmp_path, url=AWS, files={"tokens.yaml": tokens_yaml([bad])})
    result = cli("tokens", "status", str(tmp_path))
    assert result.exit_code == 1
    assert "tokens.yaml:" in result.output and "tokens.expires-before-created" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_sink_is_refused(local: tuple[Path, Store, str]) -> None:
    root, store, _ = local
    before = [t.id for t in store.list_tokens()]
    result = cli("tokens", "rotate", str(root), "--token-sink", "ssh:somewhere")
    assert result.exit_code == 1
    assert "file:PATH" in result.output
    assert [t.id for t in store.list_tokens()] == before


def test_rotate_on_aws_if_due(tmp_path: Path) -> None:
    token = ("tok-1", TODAY - timedelta(days=300), TODAY + timedelta(days=65))
    write_config(tmp_path, url=AWS, files={"tokens.yaml": tokens_yaml([token])})
    result = cli("tokens", "rotate", str(tmp_path), "--if-due")
    assert result.exit_code == 0
    assert "No rotation is due: token tok-1" in result.output
    assert "console" not in result.output
    due = ("tok-2", TODAY - timedelta(days=340), TODAY + timedelta(days=25))
    write_config(tmp_path, url=AWS, files={"tokens.yaml": tokens_yaml([due])})
    result = cli("tokens", "rotate", str(tmp_path), "--if-due")
    assert "rotate token tok-2 in the console" in result.output


def test_the_sink_can_be_the_file_the_config_reads_the_token_from(
    served: tuple[Path, Any, Path],
) -> None:
    config, server, key_file = served
    token_file = config / "scim.token"
    args = ["--admin-key-file", str(key_file)]
    sink = f"file:{token_file}"
    result = cli(
        "tokens", "rotate", str(config), "--token-sink", sink, *args, secrets=(server.token, KEY)
    )
    assert result.exit_code == 0, result.output
    assert token_file.read_text().strip() != server.token
    result = cli("tokens", "status", str(config), *args, secrets=(server.token, KEY))
    assert result.exit_code == 0, result.output
    assert "(file:scim.token) is accepted" in result.output
    assert "the target's tokens are the declared ones" in result.output
