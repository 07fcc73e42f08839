"""The ASGI app that serves a store as AWS IAM Identity Center's SCIM endpoint.

Routes: `/<tenant>/scim/v2/...` to the SCIM service (bearer token required; a wrong tenant,
or a missing, unknown, expired or deleted token, or disabled provisioning gives 401), and
`/_admin/v1/...` to the admin API when an admin key is set (404 otherwise). Request bodies
over 1 MiB get 413; request bodies must be `application/scim+json` (or `application/json`);
responses are `application/json`, as AWS's are.

A plain ASGI callable rather than a framework: the routing is two prefixes, and every
microsecond here is one the 1,000 requests/s target does not have. Store calls (the token
check and the SCIM service) run on worker threads, never on the event loop: a write that
waits for another process's lock must not hold up anyone else. Reads and writes have
threads of their own, so that writes queued behind a lock never starve reads.

The access log (logger `scimform.server.access`) has the client, method, path and query
string (any parameter named like a token is masked), status and duration: never a
header, so never the bearer token.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from scimform.server.access import shown_target
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
_READS = frozenset({"GET", "HEAD"})
# Worker threads for store calls: reads, and writes (which take the store's write lock in
# turn, each waiting at most the store's busy timeout).
READ_THREADS = 16
WRITE_THREADS = 16

T = TypeVar("T")

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
        # Plain executors rather than anyio's to_thread: a third of the cost per request.
        self._reads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="scim-read")
        self._writes = ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="scim-write")

    def close(self) -> None:
        """Stop the worker threads (after the requests under way are answered)."""
        self._reads.shutdown()
        self._writes.shutdown()

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
        refusal = await self._off_loop(
            self._reads, self._refuse_unauthorized, match.group(1), exchange.header("authorization")
        )
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
        response = _refuse_content_type(exchange, body)
        if response is None:
            threads = self._reads if exchange.method in _READS else self._writes
            handle = self.service.handle
            response = await self._off_loop(
                threads, handle, exchange.method, path, exchange.query(), body
            )
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

    async def _off_loop(
        self, threads: ThreadPoolExecutor, call: Callable[..., T], *args: object
    ) -> T:
        return await asyncio.get_running_loop().run_in_executor(threads, call, *args)

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
            answer = await self._off_loop(
                self._writes, self.admin.handle, exchange.method, exchange.path
            )
            await exchange.respond(answer)


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
        shown_target(exchange.path, exchange.scope.get("query_string", b"")),
        status,
        elapsed,
        note,
    )
