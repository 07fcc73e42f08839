"""The admin HTTP token API and the token check, against a real `scimform serve` app on
127.0.0.1 (the shared uvicorn of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimform.errors import TargetError, TokenApiError, TokenRefused
from scimform.tokens.admin import AdminTokenApi, admin_root, read_admin_key
from scimform.tokens.api import Secret
from scimform.tokens.auth import REFUSED, token_refused, verify_token_in_use
from scimform.tokens.target import TargetKind, endpoint, open_token_api, scim_client, target_kind

KEY = "admin-key-" + "k" * 30


@pytest.fixture
def served(scim_server_factory: Callable[..., Any]) -> Any:
    return scim_server_factory(admin_key=KEY)


@pytest.fixture
def api(served: Any) -> Iterator[AdminTokenApi]:
    admin = AdminTokenApi(httpx.URL(served.url), KEY)
    yield admin
    admin.close()


def _admin(url: str, key: str) -> AdminTokenApi:
    return AdminTokenApi(httpx.URL(url), key)


def test_admin_root_is_beside_the_scim_endpoint() -> None:
    url = httpx.URL("http://127.0.0.1:8080/m3/tenant-1/scim/v2")
    assert str(admin_root(url)) == "http://127.0.0.1:8080/m3/_admin/v1"
    assert str(admin_root(httpx.URL("http://[::1]:9/t/scim/v2/"))) == "http://[::1]:9/_admin/v1"
    with pytest.raises(TargetError, match="does not look like a scimform serve"):
        admin_root(httpx.URL("http://127.0.0.1:8080/scim"))


def test_list_create_authenticate_delete(api: AdminTokenApi, served: Any) -> None:
    (first,) = api.list_tokens()
    assert first.id == served.store.list_tokens()[0].id
    info, secret = api.create_token()
    assert [t.id for t in api.list_tokens()] == [first.id, info.id]
    assert (info.expires - info.created).days == 365
    assert api.authenticates(secret)
    api.delete_token(info.id)
    assert not api.authenticates(secret)
    assert [t.id for t in served.store.list_tokens()] == [first.id]


def test_a_third_token_is_refused_clearly(api: AdminTokenApi) -> None:
    api.create_token()
    with pytest.raises(TokenApiError, match=r"creating a token failed: 409 .*2 access tokens"):
        api.create_token()


def test_deleting_an_unknown_token(api: AdminTokenApi) -> None:
    with pytest.raises(TokenApiError, match="deleting token nope failed: 404 no access token"):
        api.delete_token("nope")


def test_a_wrong_admin_key_is_named(served: Any) -> None:
    with (
        _admin(served.url, "wrong-key-" + "w" * 20) as api,
        pytest.raises(TokenApiError, match="refused the admin key"),
    ):
        api.list_tokens()


def test_a_server_without_admin_api_is_named(scim_server: Any) -> None:
    with (
        _admin(scim_server.url, KEY) as api,
        pytest.raises(TokenApiError, match="has no admin API"),
    ):
        api.list_tokens()


def test_a_scim_token_is_no_admin_key(served: Any) -> None:
    with (
        _admin(served.url, served.token) as api,
        pytest.raises(TokenApiError, match="refused the admin key") as caught,
    ):
        api.list_tokens()
    assert served.token not in str(caught.value)


def test_a_target_that_is_not_there() -> None:
    with (
        _admin("http://127.0.0.1:9/t/scim/v2", KEY) as api,
        pytest.raises(TokenApiError, match="listing the tokens failed: could not connect"),
    ):
        api.list_tokens()


def test_the_token_in_use_is_checked(served: Any) -> None:
    with scim_client(served.url, served.token) as client:
        verify_token_in_use(client, served.url, "env:SCIM_TOKEN")
    wrong = "not-the-token-" + "z" * 30
    with scim_client(served.url, wrong) as client, pytest.raises(TokenRefused) as caught:
        verify_token_in_use(client, served.url, "env:SCIM_TOKEN")
    message = str(caught.value)
    assert message.startswith(REFUSED)
    assert "target.token (env:SCIM_TOKEN)" in message and served.url in message
    assert wrong not in message and "Traceback" not in message


def test_a_deleted_token_is_refused(served: Any) -> None:
    served.store.delete_token(served.store.list_tokens()[0].id)
    with scim_client(served.url, served.token) as client, pytest.raises(TokenRefused):
        verify_token_in_use(client, served.url, None)


def test_token_refused_says_what_to_do() -> None:
    error = token_refused("https://scim.eu-west-1.amazonaws.com/t/scim/v2", "file:token")
    assert "expired, deleted or wrong" in str(error)
    assert "scimform tokens rotate" in str(error)


def test_the_admin_key_file(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text(f"  {KEY}\n")
    assert read_admin_key(path) == KEY
    path.write_text("short\n")
    with pytest.raises(TargetError, match="no key of at least 16"):
        read_admin_key(path)
    with pytest.raises(TargetError, match="cannot read the admin key file"):
        read_admin_key(tmp_path / "absent")


def test_target_kinds() -> None:
    assert target_kind("local:store.db") is TargetKind.LOCAL
    assert target_kind("https://scim.us-east-1.amazonaws.com/abc/scim/v2") is TargetKind.AWS
    assert target_kind("https://scim.eu-west-1.api.aws/abc/scim/v2") is TargetKind.AWS
    assert target_kind("http://127.0.0.1:8080/t/scim/v2") is TargetKind.SERVE
    assert target_kind("https://scim.example.com/t/scim/v2") is TargetKind.SERVE


def test_no_key_crosses_a_network_in_clear_text(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="use https://"):
        endpoint("http://scim.example.com/t/scim/v2")
    (tmp_path / "key").write_text(KEY)
    with pytest.raises(TargetError, match="use https://"):
        open_token_api("http://10.0.0.1/t/scim/v2", tmp_path, tmp_path / "key")


def test_aws_and_keyless_targets_have_no_token_api(tmp_path: Path) -> None:
    aws = "https://scim.us-east-1.amazonaws.com/abc/scim/v2"
    assert open_token_api(aws, tmp_path, tmp_path / "key") is None
    assert open_token_api("http://127.0.0.1:1/t/scim/v2", tmp_path, None) is None


def test_a_missing_local_store_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="does not exist yet"):
        open_token_api("local:store.db", tmp_path, None)
    assert not (tmp_path / "store.db").exists()


def test_a_secret_is_sent_only_as_a_header(api: AdminTokenApi) -> None:
    _, secret = api.create_token()
    assert isinstance(secret, Secret)
    assert secret.reveal() not in repr(secret)
