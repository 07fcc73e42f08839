"""Token changes in `scimform apply`, through the real CLI against a `local:` store and a real
`scimform serve` app (admin API on) on 127.0.0.1: undeclared tokens deleted (never the one
in use, never all), rotation end to end with a sink, and a failed rotation that leaves the
old token. The store is inspected directly; no secret may appear in any output or record."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from builders import tokens_yaml, write_config, write_files
from scimform_cli import cli

from scimform.audit import read_records
from scimform.store import Store, TokenInfo

KEY = "admin-key-" + "k" * 30
NOW = datetime.now(UTC)


def declare(root: Path, tokens: list[TokenInfo]) -> None:
    write_files(root, {"tokens.yaml": tokens_yaml(tokens)})


def audit_text(root: Path) -> str:
    return (root / ".scimform" / "audit.jsonl").read_text()


def works(server: Any, secret: str) -> bool:
    with server.client(secret) as client:
        return bool(client.get("/Users", params={"count": "1"}).status_code == 200)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[tuple[Path, Store]]:
    store = Store.open(tmp_path / "store.db")
    write_config(tmp_path)
    yield tmp_path, store
    store.close()


@pytest.fixture
def served(scim_server_factory: Any, tmp_path: Path) -> tuple[Path, Any, Path]:
    server = scim_server_factory(admin_key=KEY)
    token_file = {"scim.token": server.token + "\n"}
    config = write_config(
        tmp_path / "config", url=server.url, token="file:scim.token", files=token_file
    )
    key_file = tmp_path / "admin.key"
    key_file.write_text(KEY + "\n")
    return config, server, key_file


def test_apply_deletes_an_undeclared_token_of_a_local_store(local: tuple[Path, Store]) -> None:
    root, store = local
    made = store.enable_provisioning(now=NOW - timedelta(days=10))
    assert made is not None
    extra, extra_secret = store.create_token(now=NOW - timedelta(days=2))
    declare(root, [made[0]])
    result = cli("apply", str(root), "--auto-approve", secrets=(made[1], extra_secret))
    assert result.exit_code == 0, result.output
    assert f"delete token {extra.id}: done" in result.output
    assert [t.id for t in store.list_tokens()] == [made[0].id]
    (record,) = read_records(root / ".scimform" / "audit.jsonl")
    assert [(t.operation, t.token_id, t.outcome) for t in record.tokens] == [
        ("delete", extra.id, "done")
    ]
    again = cli("apply", str(root), "--auto-approve")
    assert again.exit_code == 0 and "No changes." in again.output


def test_serve_deletes_undeclared_tokens_but_never_the_one_in_use(
    served: tuple[Path, Any, Path],
) -> None:
    config, server, key_file = served
    (in_use,) = server.store.list_tokens()
    spare, spare_secret = server.store.create_token()
    declare(config, [spare])  # the token in use is not declared, and is the only other one
    args = ("apply", str(config), "--auto-approve", "--admin-key-file", str(key_file))
    kept = cli(*args, secrets=(server.token, spare_secret, KEY))
    assert kept.exit_code == 0, kept.output
    assert {t.id for t in server.store.list_tokens()} == {in_use.id, spare.id}
    assert "may be the token in use, so apply keeps it" in kept.output
    assert works(server, server.token)
    # Declared the right way round, the unused spare is deleted.
    declare(config, [in_use])
    deleted = cli(*args, secrets=(server.token, spare_secret, KEY))
    assert deleted.exit_code == 0, deleted.output
    assert f"delete token {spare.id}: done" in deleted.output
    assert [t.id for t in server.store.list_tokens()] == [in_use.id]
    assert works(server, server.token) and not works(server, spare_secret)


def test_apply_never_deletes_every_token(local: tuple[Path, Store]) -> None:
    root, store = local
    made = store.enable_provisioning()
    assert made is not None
    ghost = TokenInfo("no-such-token", NOW, NOW + timedelta(days=300), None)
    declare(root, [ghost])  # declares a token the store lacks; the live one is undeclared
    result = cli("apply", str(root), "--auto-approve")
    assert result.exit_code == 0, result.output  # nothing to do, and the config is told why
    assert "Token warning [tokens.none-declared-live]" in result.output
    assert "Token warning [tokens.missing]: token no-such-token" in result.output
    assert "apply deletes none" in result.output
    assert [t.id for t in store.list_tokens()] == [made[0].id]


def test_rotation_through_apply_with_a_file_sink(served: tuple[Path, Any, Path]) -> None:
    config, server, key_file = served
    (first,) = server.store.list_tokens()
    server.store.delete_token(first.id)
    old, old_secret = server.store.create_token(now=NOW - timedelta(days=345))  # 20 days left
    (config / "scim.token").write_text(old_secret + "\n")
    declare(config, [old])
    sink = config / "scim.token"  # the file target.token reads: the next plan uses the new one
    args = ("apply", str(config), "--auto-approve", "--admin-key-file", str(key_file))
    result = cli(*args, "--token-sink", f"file:{sink}", secrets=(old_secret, KEY))
    assert result.exit_code == 0, result.output
    new_secret = sink.read_text().strip()
    assert new_secret != old_secret and new_secret not in result.output
    (new,) = server.store.list_tokens()
    assert new.id != old.id
    assert works(server, new_secret) and not works(server, old_secret)
    text = (config / "tokens.yaml").read_text()
    assert f"id: {new.id}" in text and old.id not in text
    assert "# Our SCIM tokens." in text and "# two months" in text and "# the CI token" in text
    assert f"rotate token {old.id}: done (new token {new.id})" in result.output
    log = audit_text(config)
    assert new_secret not in log and old_secret not in log and KEY not in log
    (record,) = read_records(config / ".scimform" / "audit.jsonl")
    (operation,) = record.tokens
    assert (operation.operation, operation.outcome, operation.new_token_id) == (
        "rotate",
        "done",
        new.id,
    )
    after = cli("plan", str(config), "--admin-key-file", str(key_file))
    assert after.exit_code == 0, after.output


def test_without_a_sink_the_rotation_is_skipped_and_says_how(local: tuple[Path, Store]) -> None:
    root, store = local
    made = store.enable_provisioning(now=NOW - timedelta(days=345))
    assert made is not None
    declare(root, [made[0]])
    result = cli("apply", str(root), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert f"rotate token {made[0].id}: skipped: no --token-sink was given" in result.output
    assert [t.id for t in store.list_tokens()] == [made[0].id]
    assert not (root / ".scimform" / "audit.jsonl").exists()  # nothing was changed


def test_a_failed_rotation_leaves_the_old_token_and_says_where_it_stopped(
    local: tuple[Path, Store], tmp_path: Path
) -> None:
    root, store = local
    made = store.enable_provisioning(now=NOW - timedelta(days=345))
    assert made is not None
    old, old_secret = made
    declare(root, [old])
    before = (root / "tokens.yaml").read_text()
    failing = "command:" + shlex.join([sys.executable, "-c", "import sys; sys.exit(3)"])
    result = cli("apply", str(root), "--auto-approve", "--token-sink", failing)
    assert result.exit_code == 1, result.output
    assert "stopped at: hand the new token to the sink" in result.output
    assert f"the old token {old.id} is still in place" in result.output
    assert [t.id for t in store.list_tokens()] == [old.id]
    assert store.authenticate(old_secret) is not None
    assert (root / "tokens.yaml").read_text() == before
    (record,) = read_records(root / ".scimform" / "audit.jsonl")
    assert not record.succeeded
    (operation,) = record.tokens
    assert operation.outcome == "failed"
    assert operation.stopped_at == "hand the new token to the sink"
    assert old_secret not in audit_text(root)


def test_an_expired_token_fails_apply_until_a_rotation_replaces_it(
    local: tuple[Path, Store], tmp_path: Path
) -> None:
    root, store = local
    made = store.enable_provisioning(now=NOW - timedelta(days=370))
    assert made is not None
    declare(root, [made[0]])
    stuck = cli("apply", str(root), "--auto-approve")
    assert stuck.exit_code == 1
    assert "Token error [tokens.expired]" in stuck.output
    assert "The token check found 1 error(s)" in stuck.output
    sink = tmp_path / "new.token"
    fixed = cli("apply", str(root), "--auto-approve", "--token-sink", f"file:{sink}")
    assert fixed.exit_code == 0, fixed.output
    (new,) = store.list_tokens()
    assert new.id != made[0].id and store.authenticate(sink.read_text().strip()) is not None
    assert cli("plan", str(root)).exit_code == 0


def test_a_saved_plan_whose_token_changes_are_out_of_date_is_refused(
    local: tuple[Path, Store], tmp_path: Path
) -> None:
    root, store = local
    made = store.enable_provisioning()
    assert made is not None
    extra, _ = store.create_token()
    declare(root, [made[0]])
    saved = tmp_path / "plan.json"
    assert cli("plan", str(root), "--out", str(saved)).exit_code == 2
    store.delete_token(extra.id)  # someone deleted it in the console meanwhile
    result = cli("apply", str(root), "--auto-approve", "--plan", str(saved))
    assert result.exit_code == 1
    assert "is stale" in result.output and "Its token changes differ" in result.output
