"""The rotation procedure on a real embedded store, and what each failed step leaves.

Failures a real store cannot be made to produce on cue (a refused verification, a failed
delete) come from `Faulty`, a thin wrapper over the real token API that fails one call.
"""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from scimform.config.token_record import open_tokens_file
from scimform.engine.token_plan import TokenChange, TokenOperation, TokenPlan
from scimform.errors import TokenApiError
from scimform.model import ExpectedToken
from scimform.store import Store, TokenInfo
from scimform.tokens.api import Secret, StoreTokenApi
from scimform.tokens.apply import apply_tokens
from scimform.tokens.rotate import Step, choose_old, rotate
from scimform.tokens.sinks import CommandSink, FileSink


class Faulty:
    """The real API, with `fail` naming one operation that raises (or, for
    `authenticates`, answers False)."""

    def __init__(self, api: StoreTokenApi, fail: str) -> None:
        self.api, self.fail = api, fail
        self.label = api.label

    def list_tokens(self) -> list[TokenInfo]:
        return self.api.list_tokens()

    def create_token(self) -> tuple[TokenInfo, Secret]:
        return self.api.create_token()

    def delete_token(self, token_id: str) -> None:
        if self.fail == "delete":
            raise TokenApiError(f"deleting token {token_id} failed: 500 boom")
        self.api.delete_token(token_id)

    def authenticates(self, secret: Secret) -> bool:
        return False if self.fail == "verify" else self.api.authenticates(secret)

    def close(self) -> None:
        self.api.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "store.db") as opened:
        opened.enable_provisioning()
        yield opened


@pytest.fixture
def old(store: Store, tmp_path: Path) -> ExpectedToken:
    (info,) = store.list_tokens()
    entry = f"{{id: {info.id}, created: {info.created.date()}, expires: {info.expires.date()}"
    yaml_text = f"tokens:\n  expected:\n    # CI's token\n    - {entry}, used_by: ci}}\n"
    (tmp_path / "tokens.yaml").write_text(yaml_text)
    return ExpectedToken(info.id, info.created.date(), info.expires.date(), "ci")


def test_a_rotation_end_to_end(store: Store, old: ExpectedToken, tmp_path: Path) -> None:
    sink_file = tmp_path / "sink.token"
    result = rotate(StoreTokenApi(store), FileSink(sink_file), old, open_tokens_file(tmp_path))
    assert result.ok, result.problem
    assert result.done == tuple(Step)
    assert result.new is not None
    secret = sink_file.read_text().strip()
    assert stat.S_IMODE(sink_file.stat().st_mode) == 0o600
    assert store.authenticate(secret) is not None
    assert [t.id for t in store.list_tokens()] == [result.new.id]
    text = (tmp_path / "tokens.yaml").read_text()
    assert f"id: {result.new.id}" in text and "# CI's token" in text and "used_by: ci" in text
    assert old.id not in text and secret not in text
    assert result.recorded_in == tmp_path / "tokens.yaml"


def test_a_create_refused_changes_nothing(store: Store, old: ExpectedToken, tmp_path: Path) -> None:
    store.create_token()  # two exist now: AWS's limit
    before = [t.id for t in store.list_tokens()]
    yaml_before = (tmp_path / "tokens.yaml").read_text()
    result = rotate(StoreTokenApi(store), FileSink(tmp_path / "s"), old, open_tokens_file(tmp_path))
    assert result.stopped_at is Step.CREATE
    assert result.done == ()
    assert "2 access tokens" in (result.problem or "")
    assert [t.id for t in store.list_tokens()] == before
    assert (tmp_path / "tokens.yaml").read_text() == yaml_before


def test_a_failed_sink_deletes_the_new_token(
    store: Store, old: ExpectedToken, tmp_path: Path
) -> None:
    sink = CommandSink((sys.executable, "-c", "import sys; sys.stdin.read(); sys.exit(4)"))
    result = rotate(StoreTokenApi(store), sink, old, open_tokens_file(tmp_path))
    assert result.stopped_at is Step.HAND_OVER
    assert result.done == (Step.CREATE,)
    assert "exited with status 4" in (result.problem or "")
    assert result.new_deleted
    assert [t.id for t in store.list_tokens()] == [old.id]
    assert old.id in (tmp_path / "tokens.yaml").read_text()


def test_a_refused_new_token_is_deleted_and_the_old_stays(
    store: Store, old: ExpectedToken, tmp_path: Path
) -> None:
    api = Faulty(StoreTokenApi(store), "verify")
    result = rotate(api, FileSink(tmp_path / "s"), old, open_tokens_file(tmp_path))
    assert result.stopped_at is Step.VERIFY
    assert result.done == (Step.CREATE, Step.HAND_OVER)
    assert "refused the new token" in (result.problem or "")
    assert "put the old token back" in (result.problem or "")
    assert result.new_deleted
    assert [t.id for t in store.list_tokens()] == [old.id]


def test_a_failed_delete_keeps_both_and_declares_both(
    store: Store, old: ExpectedToken, tmp_path: Path
) -> None:
    api = Faulty(StoreTokenApi(store), "delete")
    result = rotate(api, FileSink(tmp_path / "s"), old, open_tokens_file(tmp_path))
    assert result.stopped_at is Step.DELETE_OLD
    assert Step.DELETE_OLD not in result.done
    assert "500 boom" in (result.problem or "")
    assert result.new is not None
    assert {t.id for t in store.list_tokens()} == {old.id, result.new.id}
    text = (tmp_path / "tokens.yaml").read_text()
    assert old.id in text and result.new.id in text  # the next plan deletes neither


def test_an_undeclared_old_token_is_rotated_and_the_new_one_declared(
    store: Store, tmp_path: Path
) -> None:
    (info,) = store.list_tokens()
    old = choose_old((), store.list_tokens(), None)
    assert old is not None and old.id == info.id
    result = rotate(StoreTokenApi(store), FileSink(tmp_path / "s"), old, open_tokens_file(tmp_path))
    assert result.ok, result.problem
    assert result.new is not None
    assert result.new.id in (tmp_path / "tokens.yaml").read_text()


def test_choose_old() -> None:
    soon = ExpectedToken("soon", date(2026, 1, 1), date(2027, 1, 1))
    late = ExpectedToken("late", date(2026, 3, 1), date(2027, 3, 1))
    assert choose_old((late, soon), [], None) == soon
    assert choose_old((late, soon), [], "late") == late
    assert choose_old((late, soon), [], "other") is None
    assert choose_old((), [], None) is None


def test_apply_deletes_undeclared_tokens(store: Store) -> None:
    extra, _ = store.create_token()
    delete = TokenChange(
        operation=TokenOperation.DELETE,
        token_id=extra.id,
        reason="not declared",
        created=extra.created.date(),
    )
    plan = TokenPlan(managed=True, changes=(delete,))
    done = apply_tokens(StoreTokenApi(store), plan, (), None, None)
    assert [(r.operation, r.outcome) for r in done.records] == [("delete", "done")]
    assert not done.failed
    assert extra.id not in {t.id for t in store.list_tokens()}
    again = apply_tokens(StoreTokenApi(store), plan, (), None, None)
    assert again.failed and "no access token" in (again.records[0].detail or "")


def test_a_failed_record_says_so_after_the_old_token_is_gone(store: Store, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (info,) = store.list_tokens()
    old = ExpectedToken(info.id, info.created.date(), info.expires.date())
    tokens_file = open_tokens_file(config)  # no tokens: yet, so config/tokens.yaml is made
    config.rmdir()  # and now it cannot be
    result = rotate(StoreTokenApi(store), FileSink(tmp_path / "s"), old, tokens_file)
    assert result.stopped_at is Step.RECORD
    assert result.done == (Step.CREATE, Step.HAND_OVER, Step.VERIFY, Step.DELETE_OLD)
    assert "cannot write the file" in (result.problem or "")
    assert result.new is not None
    assert [t.id for t in store.list_tokens()] == [result.new.id]
