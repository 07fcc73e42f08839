"""The admin HTTP API: the console's token operations, for managing a remote `serve`.

Off unless `serve` is given an admin key file. Every request must carry
`Authorization: Bearer <admin key>`; SCIM tokens are not admin keys and are refused (401),
and the admin key opens no SCIM endpoint. Paths:

    GET    /_admin/v1/provisioning           {"enabled", "tenantId", "tokens"}
    POST   /_admin/v1/provisioning/enable    enables; {"enabled", "token"?} (first token)
    POST   /_admin/v1/provisioning/disable   409 while tokens exist (AWS's rule)
    GET    /_admin/v1/tokens                 {"tokens": [{"id", "created", "expires",
                                              "lastUsed"}]}, never a secret
    POST   /_admin/v1/tokens                 201 {"id", ..., "secret"}: shown this once;
                                              409 when two tokens exist
    DELETE /_admin/v1/tokens/{id}            204, or 404

Errors use the same body as SCIM errors.
"""

from __future__ import annotations

import hmac
from typing import Any

from scimform.errors import NotFound, StoreError
from scimform.server.problems import ScimResponse, error_response
from scimform.store import Store, TokenInfo

PREFIX = "/_admin/v1"
_NO_STORE = {"Cache-Control": "no-store"}


def token_json(info: TokenInfo) -> dict[str, Any]:
    """What the console shows of a token."""
    return {
        "id": info.id,
        "created": info.created.isoformat(),
        "expires": info.expires.isoformat(),
        "lastUsed": info.last_used.isoformat() if info.last_used else None,
    }


class AdminApi:
    """Token and provisioning operations on `store`, for holders of `key`."""

    def __init__(self, store: Store, key: str) -> None:
        if len(key) < 16:
            raise ValueError("the admin key must be at least 16 characters long")
        self.store = store
        self._key = key.encode("utf-8")

    def authorized(self, authorization: str | None) -> bool:
        """Whether an Authorization header carries the admin key (compared in constant time)."""
        scheme, _, secret = (authorization or "").partition(" ")
        if scheme.casefold() != "bearer":
            return False
        return hmac.compare_digest(secret.strip().encode("utf-8"), self._key)

    def handle(self, method: str, path: str) -> ScimResponse:
        """Answer one admin request; `path` starts with /_admin/v1."""
        route = path.removeprefix(PREFIX).rstrip("/")
        try:
            return self._route(method, route)
        except NotFound as exc:
            return error_response(404, str(exc))
        except StoreError as exc:
            return error_response(409, str(exc))

    def _route(self, method: str, route: str) -> ScimResponse:
        store = self.store
        if (method, route) == ("GET", "/provisioning"):
            state = store.provisioning()
            count = len(store.list_tokens())
            status = {"enabled": state.enabled, "tenantId": state.tenant_id, "tokens": count}
            return ScimResponse(200, status)
        if (method, route) == ("POST", "/provisioning/enable"):
            made = store.enable_provisioning()
            body: dict[str, Any] = {"enabled": True}
            if made is not None:
                body["token"] = {**token_json(made[0]), "secret": made[1]}
            return ScimResponse(200, body, _NO_STORE)
        if (method, route) == ("POST", "/provisioning/disable"):
            store.disable_provisioning()
            return ScimResponse(200, {"enabled": False})
        if (method, route) == ("GET", "/tokens"):
            return ScimResponse(200, {"tokens": [token_json(t) for t in store.list_tokens()]})
        if (method, route) == ("POST", "/tokens"):
            info, secret = store.create_token()
            return ScimResponse(201, {**token_json(info), "secret": secret}, _NO_STORE)
        if method == "DELETE" and route.startswith("/tokens/") and route.count("/") == 2:
            store.delete_token(route.removeprefix("/tokens/"))
            return ScimResponse(204)
        return error_response(404, f"no admin endpoint {method} {PREFIX}{route}.")
