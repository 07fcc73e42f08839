"""open_backend: local: stores in process, SCIM endpoints over HTTP, and token references."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scimform.backends.auth import BearerToken
from scimform.backends.target import open_backend, target_label
from scimform.errors import ChangeFailed, TargetError
from scimform.store import Store

Doc = dict[str, Any]


def test_local_creates_the_store_and_serves_scim_in_process(
    tmp_path: Path, user_doc: Callable[..., Doc]
) -> None:
    backend = open_backend("local:state/store.db", None, tmp_path, environ={})
    try:
        alice = backend.create_user(user_doc("alice@corp.example")).doc
        assert [d["id"] for d in backend.iter_users()] == [alice["id"]]
        with pytest.raises(ChangeFailed) as failed:  # AWS's rules, not a store's
            backend.create_user(user_doc("bob@corp.example", emails=[{"value": "b"}] * 2))
        assert failed.value.status == 400
        assert failed.value.detail.startswith("Request is unparsable")
        again = backend.create_user(user_doc("alice@corp.example"))
        assert again.adopted and again.doc["id"] == alice["id"]
        backend.delete_user("no-such-id")  # 404 counts as done, in process too
    finally:
        backend.close()
    with Store.open(tmp_path / "state" / "store.db") as store:
        assert store.count_users() == 1
        assert store.provisioning().enabled


def test_local_absolute_path_and_store_closed_on_close(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.db"
    backend = open_backend(f"local:{path}", None, tmp_path / "config", environ={})
    assert list(backend.iter_groups()) == []
    backend.close()
    assert not path.exists()  # a read makes nothing
    with pytest.raises(Exception, match="closed"):
        list(backend.iter_groups())


def test_a_missing_store_reads_as_empty_and_the_first_write_creates_it(
    tmp_path: Path, user_doc: Callable[..., Doc]
) -> None:
    path = tmp_path / "new" / "dir" / "store.db"
    backend = open_backend(f"local:{path}", None, tmp_path, environ={})
    try:
        assert list(backend.iter_users()) == []
        assert list(backend.iter_groups()) == []
        assert not path.parent.exists()  # not even the directory
        alice = backend.create_user(user_doc("alice@corp.example")).doc
        assert [d["id"] for d in backend.iter_users()] == [alice["id"]]
    finally:
        backend.close()
    with Store.open(path) as store:
        assert store.count_users() == 1
        # Provisioning is on, and no token was made: a local: target needs none, and the
        # first one comes from `scimform server enable` if the store is ever served.
        assert store.provisioning().enabled
        assert store.list_tokens() == []


def test_an_existing_store_gets_no_token_either(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db"):
        pass
    backend = open_backend("local:s.db", None, tmp_path, environ={})
    backend.close()
    with Store.open(tmp_path / "s.db") as store:
        assert store.list_tokens() == []


def test_http_endpoint_with_an_env_token(scim_server: Any) -> None:
    environ = {"SCIM_TOKEN": scim_server.token}
    backend = open_backend(scim_server.url, "env:SCIM_TOKEN", Path("."), environ=environ)
    try:
        assert list(backend.iter_users()) == []
    finally:
        backend.close()


def test_http_endpoint_with_a_file_token(scim_server: Any, tmp_path: Path) -> None:
    (tmp_path / "token.txt").write_text(scim_server.token + "\n", encoding="utf-8")
    backend = open_backend(scim_server.url + "/", "file:token.txt", tmp_path, environ={})
    try:
        assert list(backend.iter_groups()) == []
    finally:
        backend.close()


@pytest.mark.parametrize(
    ("url", "token", "message"),
    [
        ("http://scim.example.com/scim/v2", "env:T", "not this machine"),
        ("https://scim.example.com/scim/v2", None, "needs a SCIM token"),
        ("ftp://scim.example.com/scim/v2", "env:T", "must be local:PATH or an https://"),
        ("https://user:pw@scim.example.com/scim/v2", "env:T", "must not carry credentials"),
        ("local:", None, "local: with no path"),
        ("https://scim.example.com/scim/v2", "env:MISSING", "MISSING, which is not set"),
        ("https://scim.example.com/scim/v2", "file:nope.txt", "cannot read the SCIM token file"),
        ("https://scim.example.com/scim/v2", "vault:x", "write env:NAME or file:PATH"),
    ],
)
def test_unusable_targets_are_clear_errors(
    tmp_path: Path, url: str, token: str | None, message: str
) -> None:
    with pytest.raises(TargetError, match=message):
        open_backend(url, token, tmp_path, environ={"T": "secret-token"})


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.4.5", "localhost", "[::1]"])
def test_http_is_allowed_on_loopback(host: str) -> None:
    backend = open_backend(f"http://{host}:9/scim/v2", "env:T", Path("."), environ={"T": "t"})
    backend.close()


def test_the_token_is_never_shown() -> None:
    assert "secret" not in repr(BearerToken("secret"))
    label = target_label("https://scim.example.com/t/scim/v2?token=secret", Path("."))
    assert label == "https://scim.example.com/t/scim/v2"
    assert target_label("local:s.db", Path("/cfg")) == (
        "embedded store /cfg/s.db (new: read as empty; apply creates it)"
    )


def test_a_store_that_cannot_be_created_fails_the_write_at_once(
    tmp_path: Path, user_doc: Callable[..., Doc]
) -> None:
    (tmp_path / "a-file").write_text("not a directory\n")
    path = tmp_path / "a-file" / "store.db"
    backend = open_backend(f"local:{path}", None, tmp_path, environ={})
    try:
        assert list(backend.iter_users()) == []  # reading is fine: nothing is there
        with pytest.raises(ChangeFailed) as failed:
            backend.create_user(user_doc("alice@corp.example"))
        assert failed.value.status == 507  # not retried: it would fail again
        assert "cannot create the directory of the store" in str(failed.value)
    finally:
        backend.close()
