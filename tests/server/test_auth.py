"""Bearer tokens, the console's token rules and the admin API (shared/aws-scim.md,
"Endpoint and auth"; issue 3, "Provisioning and tokens")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from scimform.server.admin import AdminApi
from scimform.wire import ERROR_SCHEMA

ADMIN_KEY = "admin-key-0123456789abcdef"


def _unauthorized(response: httpx.Response, words: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["schemas"] == body["schema"] == [ERROR_SCHEMA] and body["status"] == "401"
    assert words in body["detail"]


@pytest.fixture
def admin_server(scim_server_factory: Any) -> Any:
    return scim_server_factory(admin_key=ADMIN_KEY)


@pytest.fixture
def admin(admin_server: Any) -> Any:
    with httpx.Client(
        base_url=f"{admin_server.root}/_admin/v1",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    ) as client:
        yield client


def test_a_valid_token_is_accepted(scim: httpx.Client) -> None:
    assert scim.get("/Users").status_code == 200


def test_missing_or_malformed_authorization_is_401(scim_server: Any) -> None:
    with httpx.Client(base_url=scim_server.url) as client:
        _unauthorized(client.get("/Users"), "no bearer token")
        basic = {"Authorization": f"Basic {scim_server.token}"}
        _unauthorized(client.get("/Users", headers=basic), "no bearer token")
        _unauthorized(client.get("/Users", headers={"Authorization": "Bearer"}), "no bearer")


def test_unknown_token_is_401_and_the_detail_never_holds_it(scim_server: Any) -> None:
    wrong = scim_server.token[:-4] + "AAAA"
    with scim_server.client(token=wrong) as client:
        response = client.get("/Users")
    _unauthorized(response, "not known")
    assert wrong not in response.text and scim_server.token not in response.text
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_wrong_tenant_is_401(scim_server: Any) -> None:
    with httpx.Client(base_url=scim_server.root) as client:
        headers = {"Authorization": f"Bearer {scim_server.token}"}
        _unauthorized(client.get("/another-tenant/scim/v2/Users", headers=headers), "tenant")


def test_every_endpoint_needs_the_token(scim_server: Any) -> None:
    with httpx.Client(base_url=scim_server.url) as client:
        for path in ("/ServiceProviderConfig", "/Schemas", "/Users/x", "/Groups", "/Bulk"):
            assert client.get(path).status_code == 401


def test_expired_token_is_401(scim_server: Any) -> None:
    store = scim_server.store
    _, old = store.create_token(now=datetime.now(UTC) - timedelta(days=366))
    with scim_server.client(token=old) as client:
        _unauthorized(client.get("/Users"), "expired")


def test_deleted_token_is_401(scim_server: Any) -> None:
    store = scim_server.store
    info, second = store.create_token()
    with scim_server.client(token=second) as client:
        assert client.get("/Users").status_code == 200
        store.delete_token(info.id)
        _unauthorized(client.get("/Users"), "not known")


def test_disabled_provisioning_answers_401(scim_server_factory: Any) -> None:
    server = scim_server_factory(enable=False)
    with server.client(token="x" * 550) as client:
        _unauthorized(client.get("/Users"), "provisioning is disabled")


def test_token_life_cycle_over_the_admin_api(admin_server: Any, admin: httpx.Client) -> None:
    listed = admin.get("/tokens").json()["tokens"]
    assert len(listed) == 1 and set(listed[0]) == {"id", "created", "expires", "lastUsed"}
    made = admin.post("/tokens")
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    second = made.json()
    assert len(second["secret"]) >= 500
    expires = datetime.fromisoformat(second["expires"]) - datetime.fromisoformat(second["created"])
    assert expires == timedelta(days=365)
    with admin_server.client(token=second["secret"]) as client:
        assert client.get("/Users").status_code == 200
    third = admin.post("/tokens")
    assert third.status_code == 409 and "delete one first" in third.json()["detail"]
    listing = admin.get("/tokens")
    assert second["secret"] not in listing.text and admin_server.token not in listing.text
    assert admin.delete(f"/tokens/{second['id']}").status_code == 204
    assert admin.delete(f"/tokens/{second['id']}").status_code == 404
    with admin_server.client(token=second["secret"]) as client:
        assert client.get("/Users").status_code == 401


def test_rotation_as_the_console_describes_it(admin_server: Any, admin: httpx.Client) -> None:
    old_id = admin.get("/tokens").json()["tokens"][0]["id"]
    new = admin.post("/tokens").json()
    with admin_server.client(token=new["secret"]) as client:
        assert client.get("/Users").status_code == 200
    assert admin.delete(f"/tokens/{old_id}").status_code == 204
    with admin_server.client() as old_client:
        _unauthorized(old_client.get("/Users"), "not known")
    with admin_server.client(token=new["secret"]) as client:
        assert client.get("/Users").status_code == 200
    assert [t["id"] for t in admin.get("/tokens").json()["tokens"]] == [new["id"]]


def test_last_used_is_recorded(admin_server: Any, admin: httpx.Client) -> None:
    assert admin.get("/tokens").json()["tokens"][0]["lastUsed"] is None
    with admin_server.client() as client:
        client.get("/Users")
    assert admin.get("/tokens").json()["tokens"][0]["lastUsed"] is not None


def test_disabling_needs_every_token_deleted(admin_server: Any, admin: httpx.Client) -> None:
    status = admin.get("/provisioning").json()
    assert status == {"enabled": True, "tenantId": admin_server.app.tenant, "tokens": 1}
    refused = admin.post("/provisioning/disable")
    assert refused.status_code == 409 and "delete" in refused.json()["detail"]
    token_id = admin.get("/tokens").json()["tokens"][0]["id"]
    assert admin.delete(f"/tokens/{token_id}").status_code == 204
    assert admin.post("/provisioning/disable").json() == {"enabled": False}
    with admin_server.client() as client:
        _unauthorized(client.get("/Users"), "disabled")
    enabled = admin.post("/provisioning/enable").json()
    with admin_server.client(token=enabled["token"]["secret"]) as client:
        assert client.get("/Users").status_code == 200


def test_admin_api_is_off_without_a_key(scim_server: Any) -> None:
    with httpx.Client(base_url=scim_server.root) as client:
        headers = {"Authorization": f"Bearer {scim_server.token}"}
        assert client.get("/_admin/v1/tokens", headers=headers).status_code == 404


def test_admin_api_refuses_scim_tokens_and_wrong_keys(admin_server: Any) -> None:
    with httpx.Client(base_url=f"{admin_server.root}/_admin/v1") as client:
        for secret in (admin_server.token, ADMIN_KEY + "x", ADMIN_KEY[:-1]):
            headers = {"Authorization": f"Bearer {secret}"}
            assert client.get("/tokens", headers=headers).status_code == 401
        assert client.get("/tokens").status_code == 401
    with admin_server.client(token=ADMIN_KEY) as scim:
        assert scim.get("/Users").status_code == 401


def test_unknown_admin_paths_are_404(admin: httpx.Client) -> None:
    assert admin.get("/nope").status_code == 404
    assert admin.put("/tokens").status_code == 404


def test_admin_keys_must_be_long(scim_server: Any) -> None:
    with pytest.raises(ValueError, match="16 characters"):
        AdminApi(scim_server.store, "short")
