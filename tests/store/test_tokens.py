import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scimform.errors import NotFound, StoreError, TokenLimit
from scimform.store import Provisioning, Store

T0 = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def test_a_new_store_has_provisioning_off_and_a_tenant(store: Store) -> None:
    state = store.provisioning()
    assert state == Provisioning(enabled=False, tenant_id=state.tenant_id)
    assert re.match(
        r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$", state.tenant_id
    )
    assert store.list_tokens() == []


def test_enable_makes_the_first_token_once(store: Store) -> None:
    first = store.enable_provisioning(now=T0)
    assert first is not None
    info, secret = first
    assert store.provisioning().enabled
    assert 500 <= len(secret) <= 620
    assert re.match(r"^[A-Za-z0-9_-]+$", secret)
    assert info.created == T0
    assert info.expires == T0 + timedelta(days=365)
    assert info.last_used is None
    assert store.list_tokens() == [info]
    # Enabling again makes no second token.
    assert store.enable_provisioning() is None
    assert len(store.list_tokens()) == 1


def test_at_most_two_tokens(store: Store) -> None:
    first = store.enable_provisioning(now=T0)
    assert first is not None
    second, secret2 = store.create_token(now=T0 + timedelta(days=1))
    assert secret2 != first[1]
    with pytest.raises(TokenLimit, match="delete one first") as caught:
        store.create_token()
    assert first[0].id in str(caught.value)
    assert [t.id for t in store.list_tokens()] == [first[0].id, second.id]
    store.delete_token(first[0].id)
    third, _ = store.create_token(now=T0 + timedelta(days=2))
    assert [t.id for t in store.list_tokens()] == [second.id, third.id]


def test_tokens_need_provisioning_on(store: Store) -> None:
    with pytest.raises(StoreError, match="enable it first"):
        store.create_token()


def test_delete_an_unknown_token(store: Store) -> None:
    with pytest.raises(NotFound, match="no access token with id 'nope'"):
        store.delete_token("nope")


def test_disable_is_refused_while_tokens_exist(store: Store) -> None:
    first = store.enable_provisioning()
    assert first is not None
    with pytest.raises(StoreError, match="delete them first") as caught:
        store.disable_provisioning()
    assert first[0].id in str(caught.value)
    assert store.provisioning().enabled
    store.delete_token(first[0].id)
    store.disable_provisioning()
    assert not store.provisioning().enabled


def test_authenticate(store: Store) -> None:
    first = store.enable_provisioning(now=T0)
    assert first is not None
    info, secret = first
    assert store.authenticate(secret, now=T0 + timedelta(hours=1)) == info.__class__(
        info.id, info.created, info.expires, T0 + timedelta(hours=1)
    )
    assert store.authenticate(secret[:-1], now=T0) is None
    assert store.authenticate("", now=T0) is None
    assert store.authenticate(secret + "x", now=T0) is None


def test_an_expired_token_fails(store: Store) -> None:
    first = store.enable_provisioning(now=T0)
    assert first is not None
    info, secret = first
    assert store.authenticate(secret, now=info.expires - timedelta(seconds=1)) is not None
    token, reason = store.authenticate_reason(secret, now=info.expires)
    assert token is None
    assert "expired" in reason
    assert secret not in reason


def test_a_deleted_token_fails(store: Store) -> None:
    first = store.enable_provisioning(now=T0)
    assert first is not None
    _, secret2 = store.create_token(now=T0)
    store.delete_token(first[0].id)
    token, reason = store.authenticate_reason(first[1], now=T0)
    assert token is None
    assert "not known" in reason
    assert store.authenticate(secret2, now=T0) is not None


def test_disabled_provisioning_fails(store: Store) -> None:
    first = store.enable_provisioning(now=T0)
    assert first is not None
    store.delete_token(first[0].id)
    store.disable_provisioning()
    token, reason = store.authenticate_reason(first[1], now=T0)
    assert token is None
    assert reason == "automatic provisioning is disabled"


def test_last_used_is_written_at_most_once_a_minute(store: Store) -> None:
    first = store.enable_provisioning(now=T0)
    assert first is not None
    secret = first[1]

    def last_used() -> datetime | None:
        return store.list_tokens()[0].last_used

    assert last_used() is None
    store.authenticate(secret, now=T0 + timedelta(seconds=10))
    assert last_used() == T0 + timedelta(seconds=10)
    store.authenticate(secret, now=T0 + timedelta(seconds=65))
    assert last_used() == T0 + timedelta(seconds=10)
    store.authenticate(secret, now=T0 + timedelta(seconds=70))
    assert last_used() == T0 + timedelta(seconds=70)


def test_only_a_digest_of_the_secret_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with Store.open(path) as store:
        first = store.enable_provisioning()
        assert first is not None
        _, secret2 = store.create_token()
        secrets = [first[1], secret2]
        assert all(s not in repr(store.list_tokens()) for s in secrets)
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in secrets:
        assert secret.encode() not in files
        assert secret[:40].encode() not in files
        assert hashlib.sha256(secret.encode()).digest() in files


def test_tenant(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with Store.open(path) as store:
        store.set_tenant("my-tenant-01")
        for bad in ("", "has space", "slash/", "-leading", "x" * 129):
            with pytest.raises(StoreError, match="tenant id"):
                store.set_tenant(bad)
    with Store.open(path) as store:
        assert store.provisioning().tenant_id == "my-tenant-01"
