"""open_backend: local: stores in process, SCIM endpoints over HTTP, and token references."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import listener
import pytest
from listener import Listener, redirect_to

from scimform.backends.auth import BearerToken
from scimform.backends.target import open_backend, target_label
from scimform.errors import ChangeFailed, ScimformError, TargetError
from scimform.store import Store

attacker = listener.attacker  # the fixture

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
    assert path.exists()
    with pytest.raises(Exception, match="closed"):
        list(backend.iter_groups())


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


AWS = "https://scim.us-east-1.amazonaws.com/t/scim/v2"


@pytest.mark.parametrize(
    ("url", "token", "message"),
    [
        ("http://scim.example.com/scim/v2", "env:T", "not this machine"),
        (AWS, None, "needs a SCIM token"),
        ("ftp://scim.example.com/scim/v2", "env:T", "must be local:PATH or an https://"),
        ("https://user:pw@scim.example.com/scim/v2", "env:T", "must not carry credentials"),
        ("local:", None, "local: with no path"),
        (AWS, "env:MISSING", "MISSING, which is not set"),
        (AWS, "file:nope.txt", "cannot read the SCIM token file"),
        (AWS, "vault:x", "write env:NAME or file:PATH"),
        ("https://scim.example.com/scim/v2", "env:T", "not an AWS SCIM endpoint"),
        ("htps://scim.us-east-1.amazonaws.com/t/scim/v2", "env:T", "must be local:PATH"),
        ("scim.us-east-1.amazonaws.com/t/scim/v2", "env:T", "must be local:PATH"),
        (f"https://{'a' * 64}.example.com/scim/v2", "env:T", "longer than 63"),
        (AWS + "?x=1", "env:T", "must not carry a query"),
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


@pytest.mark.parametrize(
    "host",
    [
        "scim.us-east-1.amazonaws.com",
        "scim.eu-central-1.amazonaws.com",
        "scim.ap-southeast-2.api.aws",
        "scim.cn-north-1.amazonaws.com.cn",
        "scim.us-gov-west-1.amazonaws.com",
        "SCIM.US-EAST-1.AMAZONAWS.COM",
    ],
)
def test_aws_scim_hosts_are_allowed(host: str) -> None:
    backend = open_backend(f"https://{host}/t/scim/v2", "env:T", Path("."), environ={"T": "t"})
    backend.close()


@pytest.mark.parametrize(
    "host",
    [
        "scim.example.com",
        "evil.amazonaws.com",
        "scim.us-east-1.amazonaws.com.evil.example",
        "scim.us-east-1.amazonaws.com.",
        "s3.us-east-1.amazonaws.com",
        "localhost.evil.example",
    ],
)
def test_other_hosts_are_refused_unless_the_operator_allows_them(host: str) -> None:
    url = f"https://{host}/t/scim/v2"
    with pytest.raises(TargetError, match="not an AWS SCIM endpoint") as refused:
        open_backend(url, "env:T", Path("."), environ={"T": "t"})
    assert host.casefold() not in str(refused.value).casefold()  # an unknown host is not echoed
    allowed = {"T": "t", "SCIMFORM_ALLOWED_HOSTS": f"other.example, {host.upper()}"}
    open_backend(url, "env:T", Path("."), environ=allowed).close()


def test_the_token_is_never_shown() -> None:
    assert "secret" not in repr(BearerToken("secret"))
    assert target_label(AWS + "?token=secret", Path(".")) == "an invalid target.url"
    assert target_label(AWS + "/", Path(".")) == AWS + "/"
    assert target_label("local:s.db", Path("/cfg")) == "embedded store /cfg/s.db"
    pasted = "https://Ab3dEf9hIjKlMnOpQrStUvWxYz0123456789/scim/v2"
    assert "ab3def" not in target_label(pasted, Path(".")).casefold()
    allowed = {"SCIMFORM_ALLOWED_HOSTS": "scim.corp.example"}
    label = target_label("https://scim.corp.example/scim/v2", Path("."), allowed)
    assert label == "https://scim.corp.example/scim/v2"


def test_a_redirect_is_an_error_and_never_followed_with_the_token() -> None:
    with Listener() as elsewhere:
        answer = redirect_to(f"http://localhost:{elsewhere.port}/stolen/scim/v2/Users")
        with Listener(answer) as endpoint:
            url = f"http://127.0.0.1:{endpoint.port}/t/scim/v2"
            backend = open_backend(url, "env:T", Path("."), environ={"T": "the-token"})
            with pytest.raises(TargetError, match="307, redirecting to the host localhost"):
                try:
                    list(backend.iter_users())
                finally:
                    backend.close()
            assert b"Bearer the-token" in endpoint.received[0]  # the endpoint itself: fine
    assert elsewhere.received == []  # the redirect's target got no request at all


def test_a_config_pointing_elsewhere_opens_no_connection(attacker: Listener) -> None:
    url = "https://attacker.example/x/scim/v2"
    with pytest.raises(TargetError, match="not an AWS SCIM endpoint"):
        open_backend(url, "env:T", Path("."), environ={"T": "the-token"})
    assert attacker.received == []
    # The same name, allowed by the operator, does reach the listener: the refusal above
    # is what kept the token home.
    allowed = {"T": "the-token", "SCIMFORM_ALLOWED_HOSTS": "attacker.example"}
    backend = open_backend(url, "env:T", Path("."), environ=allowed)
    with pytest.raises(ScimformError):
        try:
            list(backend.iter_users())
        finally:
            backend.close()
    assert attacker.received  # a TLS hello: a connection was opened
