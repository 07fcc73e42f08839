"""The HTTP surface: AWS's error body, content types, body limit, refused endpoints and
discovery (shared/aws-scim.md, "Endpoint and auth", "Operations", "Errors")."""

from __future__ import annotations

import json
import logging
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from scimform.server.app import MAX_BODY
from scimform.server.service import ScimService
from scimform.wire import ENTERPRISE_SCHEMA, ERROR_SCHEMA, GROUP_SCHEMA, USER_SCHEMA

Doc = dict[str, Any]


def test_error_body_is_aws_shaped(scim: httpx.Client, user_doc: Callable[..., Doc]) -> None:
    scim.post("/Users", json=user_doc())
    response = scim.post("/Users", json=user_doc())
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"schemas", "schema", "status", "detail", "exceptionRequestId", "timeStamp"}
    assert body["schemas"] == body["schema"] == [ERROR_SCHEMA]
    assert body["status"] == "409"
    uuid.UUID(body["exceptionRequestId"])
    assert datetime.fromisoformat(body["timeStamp"]).tzinfo is not None


def test_responses_are_application_json(scim: httpx.Client, user_doc: Callable[..., Doc]) -> None:
    created = scim.post(
        "/Users", json=user_doc(), headers={"Content-Type": "application/scim+json"}
    )
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/json"
    assert scim.get("/ServiceProviderConfig").headers["content-type"] == "application/json"


def test_plain_json_bodies_are_accepted_and_others_refused(
    scim: httpx.Client, user_doc: Callable[..., Doc]
) -> None:
    body = json.dumps(user_doc()).encode()
    plain = scim.post("/Users", content=body, headers={"Content-Type": "application/json"})
    assert plain.status_code == 201
    text = scim.post("/Users", content=body, headers={"Content-Type": "text/plain"})
    assert text.status_code == 415 and text.json()["status"] == "415"


def test_bodies_over_one_mebibyte_get_413(scim: httpx.Client, user_doc: Callable[..., Doc]) -> None:
    big = json.dumps(user_doc(title="t" * MAX_BODY)).encode()
    assert scim.post("/Users", content=big).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while streaming
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = scim.post("/Users", content=chunks())
    assert streamed.status_code == 413 and streamed.json()["status"] == "413"
    just_under = json.dumps(user_doc(title="t" * 1000)).encode()
    assert scim.post("/Users", content=just_under).status_code == 201


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/Bulk"),
        ("GET", "/Me"),
        ("POST", "/.search"),
        ("POST", "/Users/.search"),
        ("POST", "/Groups/.search"),
    ],
)
def test_endpoints_aws_does_not_support_are_400(scim: httpx.Client, method: str, path: str) -> None:
    # AWS lists /Bulk, /Me and /Search as unsupported, and every Errors table answers an
    # unsupported operation with ValidationException (400), not 501.
    response = scim.request(method, path, json={"schemas": []})
    assert response.status_code == 400 and response.json()["status"] == "400"
    assert "not supported" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/Nope", "/Users/a/b", "/Users/"])
def test_unknown_scim_paths_are_404_with_the_error_body(scim: httpx.Client, path: str) -> None:
    response = scim.get(path)
    assert response.status_code == 404 and response.json()["schemas"] == [ERROR_SCHEMA]


def test_paths_outside_the_scim_base_are_404(scim_server: Any) -> None:
    with httpx.Client(base_url=scim_server.root) as client:
        for path in ("/", "/scim/v2/Users", f"/{scim_server.app.tenant}/scim/v1/Users"):
            response = client.get(path, headers={"Authorization": f"Bearer {scim_server.token}"})
            assert response.status_code == 404, path


def test_wrong_methods_are_unsupported_operations(
    scim: httpx.Client, make_user: Callable[..., Doc]
) -> None:
    # 400 as AWS documents for an unsupported operation; Allow still says what would do.
    assert scim.delete("/Users").status_code == 400
    assert scim.post(f"/Users/{make_user()['id']}", json={}).status_code == 400
    for path in ("/ServiceProviderConfig", "/Schemas", "/ResourceTypes"):
        response = scim.post(path, json={})
        assert response.status_code == 400 and response.headers["allow"] == "GET"


def test_bodies_that_are_not_json_objects_are_400(scim: httpx.Client) -> None:
    for content in (b"{not json", b"[1, 2]", b'"text"', b""):
        response = scim.post("/Users", content=content)
        assert response.status_code == 400, content


def test_service_provider_config_says_what_aws_supports(scim: httpx.Client) -> None:
    config = scim.get("/ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True
    assert config["filter"] == {"supported": True, "maxResults": 100}
    for feature in ("bulk", "sort", "etag", "changePassword"):
        assert config[feature]["supported"] is False
    assert config["pagination"]["cursor"] is True and config["pagination"]["index"] is False


def test_schemas_publish_exactly_the_accepted_attributes(scim: httpx.Client) -> None:
    listed = scim.get("/Schemas").json()
    by_id = {schema["id"]: schema for schema in listed["Resources"]}
    assert {USER_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA} <= set(by_id)
    user = scim.get(f"/Schemas/{USER_SCHEMA}").json()
    names = {attr["name"] for attr in user["attributes"]}
    assert {"userName", "name", "displayName", "emails", "active"} <= names
    assert not names & {"password", "ims", "photos", "x509Certificates", "entitlements", "groups"}
    required = {a["name"] for a in user["attributes"] if a["required"]}
    assert required == {"userName", "name", "displayName"}
    emails = next(a for a in user["attributes"] if a["name"] == "emails")
    assert "display" not in {sub["name"] for sub in emails["subAttributes"]}
    manager = scim.get(f"/Schemas/{ENTERPRISE_SCHEMA}").json()["attributes"][-1]
    assert [sub["name"] for sub in manager["subAttributes"]] == ["value"]
    assert scim.get("/Schemas/urn:nope").status_code == 404


def test_resource_types(scim: httpx.Client) -> None:
    types = scim.get("/ResourceTypes").json()["Resources"]
    assert {(t["name"], t["endpoint"], t["schema"]) for t in types} == {
        ("User", "/Users", USER_SCHEMA),
        ("Group", "/Groups", GROUP_SCHEMA),
    }
    assert (
        scim.get("/ResourceTypes/User").json()["schemaExtensions"][0]["schema"] == ENTERPRISE_SCHEMA
    )
    assert scim.get("/ResourceTypes/Nope").status_code == 404


def test_the_in_process_service_answers_like_the_server(
    scim: httpx.Client, scim_server: Any, user_doc: Callable[..., Doc]
) -> None:
    service = ScimService(scim_server.store)
    created = service.handle("POST", "/Users", {}, json.dumps(user_doc()).encode())
    assert created.status == 201 and created.body is not None
    over_http = scim.get(f"/Users/{created.body['id']}").json()
    assert over_http == created.body
    duplicate = service.handle("POST", "/Users", {}, json.dumps(user_doc()).encode())
    http_duplicate = scim.post("/Users", json=user_doc())
    assert duplicate.status == http_duplicate.status_code == 409
    assert duplicate.body is not None
    assert duplicate.body["detail"] == http_duplicate.json()["detail"]


def test_servers_listen_on_loopback_only_by_default(scim_server: Any) -> None:
    assert scim_server.root.startswith("http://127.0.0.1:")


def test_a_client_that_leaves_mid_body_changes_nothing(
    scim: httpx.Client,
    scim_server: Any,
    user_doc: Callable[..., Doc],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="scimform.server.access")
    url = httpx.URL(scim_server.url)
    body = json.dumps(user_doc()).encode()
    head = (
        f"POST {url.path}/Users HTTP/1.1\r\nHost: {url.host}\r\n"
        f"Authorization: Bearer {scim_server.token}\r\n"
        f"Content-Type: application/scim+json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection((url.host, url.port or 80)) as raw:
        raw.sendall(head.encode() + body[:20])
    deadline = time.monotonic() + 5
    while "client disconnected" not in caplog.text:
        assert time.monotonic() < deadline, caplog.text
        time.sleep(0.01)
    assert scim.get("/Users").json()["totalResults"] == 0
    assert scim.post("/Users", json=user_doc()).status_code == 201


def test_an_unexpected_failure_is_a_500_with_the_aws_body(
    scim: httpx.Client,
    scim_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(scim_server.app.service, "handle", broken)
    with caplog.at_level(logging.ERROR, logger="scimform.server"):
        response = scim.get("/Users")
    assert response.status_code == 500 and response.json()["status"] == "500"
    assert "disk on fire" not in response.text
    assert "disk on fire" in caplog.text and scim_server.token not in caplog.text
