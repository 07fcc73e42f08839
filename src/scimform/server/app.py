"""The ASGI app that serves a store as AWS IAM Identity Center's SCIM endpoint.

Routes: `/<tenant>/scim/v2/...` to the SCIM service (bearer token required; a wrong tenant,
or a missing, unknown, expired or deleted token, or disabled provisioning gives 401), and
`/_admin/v1/...` to the admin API when an admin key is set (404 otherwise). Request bodies
over 1 MiB get 413; request bodies must be `application/scim+json` (or `application/json`);
responses are `application/json`, as AWS's are.

A plain ASGI callable rather than a framework: the routing is two prefixes, and every
microsecond here is one the 1,000 requests/s target does not have. The store is fast
enough (well under a millisecond per call) to be called on the event loop.

The access log (logger `scimform.server.access`) has the client, method, path without
query string, status and duration: never a header, so never a token.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

from scimform.server.admin import PREFIX as ADMIN_PREFIX
from scimform.server.admin import AdminApi
from scimform.server.exchange import (
    MAX_BODY,
    ClientGone,
    Exchange,
    Receive,
    Scope,
    Send,
    TooLarge,
)
from scimform.server.knobs import FaultDice, Knobs, RateLimiter, retry_after_seconds
from scimform.server.problems import (
    INTERNAL,
    THROTTLED,
    ScimResponse,
    error_response,
)
from scimform.server.service import ScimService
from scimform.store import Store

_SCIM_PATH = re.compile(r"^/([^/]+)/scim/v2(/.*)?$")
_BODY_TYPES = frozenset({"application/scim+json", "application/json"})

access_log = logging.getLogger("scimform.server.access")
error_log = logging.getLogger("scimform.server")


class ScimApp:
    """The ASGI application for one store. `tenant` renames the store's tenant id first."""

    def __init__(
        self,
        store: Store,
        *,
        knobs: Knobs | None = None,
        admin_key: str | None = None,
        tenant: str | None = None,
    ) -> None:
        if tenant is not None:
            store.set_tenant(tenant)
        self.store = store
        self.knobs = knobs or Knobs()
        self.tenant = store.provisioning().tenant_id
        self.service = ScimService(store, classic_cap=self.knobs.classic_cap)
        self.admin = AdminApi(store, admin_key) if admin_key else None
        rate = self.knobs.rate_limit
        self._limiter = RateLimiter(rate) if rate else None
        self._dice = FaultDice(self.knobs.faults, self.knobs.fault_seed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # uvicorn runs the app with lifespan off (runner.make_server): only HTTP arrives.
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        exchange = Exchange(scope, receive, send)
        try:
            await self._dispatch(exchange)
        except ClientGone:
            exchange.note = "client disconnected"
        except Exception:
            error_log.exception("internal error answering %s %s", exchange.method, exchange.path)
            if not exchange.started:
                await exchange.respond(error_response(500, INTERNAL))
        _log_access(exchange, started)

    async def _dispatch(self, exchange: Exchange) -> None:
        if exchange.path == ADMIN_PREFIX or exchange.path.startswith(ADMIN_PREFIX + "/"):
            await self._admin(exchange)
            return
        match = _SCIM_PATH.match(exchange.path)
        if match is None:
            await exchange.respond(error_response(404, f"no endpoint at {exchange.path}."))
            return
        if exchange.declared_too_large():
            await exchange.respond(_too_large())
            return
        refusal = self._refuse_unauthorized(match.group(1), exchange.header("authorization"))
        if refusal is not None:
            await exchange.respond(refusal)
            return
        await self._scim(exchange, match.group(2) or "/")

    async def _scim(self, exchange: Exchange, path: str) -> None:
        knobs = self.knobs
        if knobs.latency_ms:
            await asyncio.sleep(knobs.latency_ms / 1000)
        throttled = self._throttle()
        if throttled is not None:
            exchange.note = "rate-limited"
            await exchange.respond(throttled)
            return
        fault = self._dice.roll()
        if fault is not None:
            exchange.note = f"fault={fault}"
        if fault in ("500", "429", "reset"):
            await self._fail(exchange, fault)
            return
        try:
            body = await exchange.body()
        except TooLarge:
            await exchange.respond(_too_large())
            return
        refusal = _refuse_content_type(exchange, body)
        response = refusal or self.service.handle(exchange.method, path, exchange.query(), body)
        if fault == "lost":
            await exchange.drop()
            return
        await exchange.respond(response)

    async def _fail(self, exchange: Exchange, fault: str | None) -> None:
        if fault == "reset":
            await exchange.drop()
        elif fault == "429":
            await exchange.respond(self._throttled_response(1.0))
        else:
            await exchange.respond(error_response(500, INTERNAL))

    def _throttle(self) -> ScimResponse | None:
        if self._limiter is None:
            return None
        wait = self._limiter.take()
        return self._throttled_response(wait) if wait > 0 else None

    def _throttled_response(self, wait: float) -> ScimResponse:
        headers = {"Retry-After": retry_after_seconds(wait)} if self.knobs.retry_after else {}
        return error_response(429, THROTTLED, headers)

    def _refuse_unauthorized(self, tenant: str, authorization: str | None) -> ScimResponse | None:
        scheme, _, secret = (authorization or "").partition(" ")
        secret = secret.strip()
        if tenant != self.tenant:
            reason = "the tenant id in the URL is not this store's"
        elif scheme.casefold() != "bearer" or not secret:
            reason = "no bearer token was sent"
        else:
            info, reason = self.store.authenticate_reason(secret)
            if info is not None:
                return None
        headers = {"WWW-Authenticate": 'Bearer realm="scim"'}
        return error_response(401, f"Unauthorized: {reason}.", headers)

    async def _admin(self, exchange: Exchange) -> None:
        if self.admin is None:
            await exchange.respond(error_response(404, f"no endpoint at {exchange.path}."))
        elif not self.admin.authorized(exchange.header("authorization")):
            await exchange.respond(error_response(401, "Unauthorized: admin key required."))
        else:
            await exchange.respond(self.admin.handle(exchange.method, exchange.path))


def _refuse_content_type(exchange: Exchange, body: bytes) -> ScimResponse | None:
    if not body:
        return None
    media = (exchange.header("content-type") or "application/scim+json").split(";")[0]
    if media.strip().lower() in _BODY_TYPES:
        return None
    return error_response(415, "Send the body as application/scim+json.")


def _too_large() -> ScimResponse:
    return error_response(413, f"The request body is larger than {MAX_BODY} bytes.")


def _log_access(exchange: Exchange, started: float) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    client = exchange.scope.get("client") or ("-", 0)
    elapsed = (time.perf_counter() - started) * 1000
    status = exchange.status or "dropped"
    note = f" {exchange.note}" if exchange.note else ""
    access_log.info(
        '%s:%s "%s %s" %s %.1fms%s',
        client[0],
        client[1],
        exchange.method,
        exchange.path,
        status,
        elapsed,
        note,
    )
