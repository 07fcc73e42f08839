"""Bad input is a 400 with AWS's error body, never a 500 (which clients retry) and never a
plain-text body: deeply nested JSON, lone surrogates wherever text goes (a userName, a
displayName, a member value, a filter value, a JSON key), text that is not UTF-8, and
request lines or headers too long or not HTTP at all. Nothing is stored."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from scimform.server.problems import error_body
from scimform.server.protocol import MAX_HEADER_BYTES, MAX_REQUEST_LINE
from scimform.wire import ERROR_SCHEMA, GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA

Doc = dict[str, Any]
LONE = "\\ud800"  # a JSON escape of a lone high surrogate


def _assert_aws_400(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"schemas", "schema", "status", "detail", "exceptionRequestId", "timeStamp"}
    assert body["schemas"] == body["schema"] == [ERROR_SCHEMA] and body["status"] == "400"
    return body


def _user_json(user_name: str = '"carol@corp.example"', key: str = '"title"') -> bytes:
    # Written by hand: json.dumps would refuse nothing, but the point is the exact bytes.
    return (
        f'{{"schemas": ["{USER_SCHEMA}"], "userName": {user_name}, '
        '"name": {"givenName": "Carol", "familyName": "Danvers"}, '
        f'"displayName": "Carol Danvers", {key}: "x"}}'
    ).encode()


def _counts(scim: httpx.Client) -> tuple[int, int]:
    users = scim.get("/Users", params={"cursor": ""}).json()["itemsPerPage"]
    groups = scim.get("/Groups", params={"cursor": ""}).json()["itemsPerPage"]
    return users, groups


@pytest.mark.parametrize("depth", [1500, 100_000])
def test_deeply_nested_json_is_a_400(scim: httpx.Client, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    body = _assert_aws_400(scim.post("/Users", content=_user_json(nested)))
    assert "1024 levels" in body["detail"]
    patch = f'{{"schemas": ["{PATCH_SCHEMA}"], "Operations": {nested}}}'.encode()
    _assert_aws_400(scim.patch("/Users/x", content=patch))
    assert _counts(scim) == (0, 0)


def test_a_lone_surrogate_in_a_user_name_or_a_key_is_a_400(scim: httpx.Client) -> None:
    body = _assert_aws_400(scim.post("/Users", content=_user_json(f'"carol{LONE}"')))
    assert "surrogate" in body["detail"]
    _assert_aws_400(scim.post("/Users", content=_user_json(key=f'"{LONE}"')))
    _assert_aws_400(scim.post("/Users", content=_user_json(key=f'"x{LONE}y"')))
    assert _counts(scim) == (0, 0)


def test_a_lone_surrogate_in_a_display_name_is_a_400(
    scim: httpx.Client, make_group: Callable[..., Doc]
) -> None:
    group = f'{{"schemas": ["{GROUP_SCHEMA}"], "displayName": "team{LONE}"}}'.encode()
    _assert_aws_400(scim.post("/Groups", content=group))
    made = make_group()
    rename = (
        f'{{"schemas": ["{PATCH_SCHEMA}"], "Operations": [{{"op": "replace", '
        f'"path": "displayName", "value": "x{LONE}"}}]}}'
    ).encode()
    _assert_aws_400(scim.patch(f"/Groups/{made['id']}", content=rename))
    assert scim.get(f"/Groups/{made['id']}").json()["displayName"] == made["displayName"]


def test_a_lone_surrogate_in_a_member_value_is_a_400(
    scim: httpx.Client, make_group: Callable[..., Doc]
) -> None:
    group = make_group()
    add = (
        f'{{"schemas": ["{PATCH_SCHEMA}"], "Operations": [{{"op": "add", '
        f'"path": "members", "value": [{{"value": "{LONE}"}}]}}]}}'
    ).encode()
    _assert_aws_400(scim.patch(f"/Groups/{group['id']}", content=add))
    create = (
        f'{{"schemas": ["{GROUP_SCHEMA}"], "displayName": "other", '
        f'"members": [{{"value": "a{LONE}"}}]}}'
    ).encode()
    _assert_aws_400(scim.post("/Groups", content=create))
    assert _counts(scim) == (0, 1)


@pytest.mark.parametrize(
    ("path", "attribute"),
    [
        ("/Users", "userName"),
        ("/Users", "externalId"),
        ("/Users", "groups.value"),
        ("/Groups", "displayName"),
        ("/Groups", "members.value"),
    ],
)
def test_a_lone_surrogate_in_a_filter_value_is_a_400(
    scim: httpx.Client, path: str, attribute: str
) -> None:
    for cursor in ({}, {"cursor": ""}):
        response = scim.get(path, params={"filter": f'{attribute} eq "a{LONE}"', **cursor})
        assert "surrogate" in _assert_aws_400(response)["detail"]


def test_text_that_is_not_utf8_is_a_400(scim: httpx.Client) -> None:
    # \xed\xa0\x80 is a surrogate encoded as if it were a character (CESU-8); \xff is
    # never UTF-8. json.loads took the first as a lone surrogate.
    for raw in (b"\xed\xa0\x80", b"\xff"):
        content = _user_json().replace(b"carol@", b"carol" + raw + b"@")
        assert "UTF-8" in _assert_aws_400(scim.post("/Users", content=content))["detail"]
    assert _counts(scim) == (0, 0)


def test_nan_is_not_json(scim: httpx.Client) -> None:
    _assert_aws_400(scim.post("/Users", content=_user_json("NaN")))


def test_an_error_body_that_quotes_a_lone_surrogate_can_still_be_sent() -> None:
    body = error_body(400, "unknown attribute '\ud800'")
    assert orjson.loads(orjson.dumps(body))["detail"] == "unknown attribute '\\ud800'"


def _raw(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are; the status, headers and body that come back."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def _assert_raw_aws_400(answer: tuple[int, dict[str, str], bytes], words: str) -> None:
    status, headers, body = answer
    assert status == 400 and headers["content-type"] == "application/json"
    document = json.loads(body)
    assert document["schemas"] == document["schema"] == [ERROR_SCHEMA]
    assert document["status"] == "400" and words in document["detail"]
    assert document["exceptionRequestId"] and document["timeStamp"]


def test_an_over_long_request_line_is_a_400_with_aws_body(scim_server: Any) -> None:
    path = urlsplit(scim_server.url).path
    target = f"{path}/Users?filter=" + "a" * MAX_REQUEST_LINE
    request = f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    _assert_raw_aws_400(_raw(scim_server.url, request), "request target is longer")


def test_over_long_headers_are_a_400_with_aws_body(scim_server: Any) -> None:
    path = urlsplit(scim_server.url).path
    big = "b" * (MAX_HEADER_BYTES + 1)
    request = f"GET {path}/Users HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n".encode()
    _assert_raw_aws_400(_raw(scim_server.url, request), "headers are larger")
    many = "".join(f"X-H{i}: {'v' * 1000}\r\n" for i in range(80))
    request = f"GET {path}/Users HTTP/1.1\r\nHost: x\r\n{many}\r\n".encode()
    _assert_raw_aws_400(_raw(scim_server.url, request), "headers are larger")


def test_a_request_that_is_not_http_is_a_400_with_aws_body(scim_server: Any) -> None:
    _assert_raw_aws_400(_raw(scim_server.url, b"GET /\xff\xfe HTTP/1.1\r\n\r\n"), "not valid HTTP")
    _assert_raw_aws_400(_raw(scim_server.url, b"HELLO\r\n\r\n"), "not valid HTTP")


def test_long_but_reasonable_requests_are_served(scim: httpx.Client) -> None:
    value = "v" * 4000
    listed = scim.get("/Users", params={"filter": f'userName eq "{value}"', "cursor": ""})
    assert listed.status_code == 200 and listed.json()["Resources"] == []
    headers = {f"X-H{i}": "v" * 1000 for i in range(20)}
    assert scim.get("/ServiceProviderConfig", headers=headers).status_code == 200
