"""Retries, backoff, Retry-After, pacing and failure reporting.

Faults a real server can inject (500, 429, dropped connections, a wrong token) are tested
against it; the rest (a lost response before a 409, a Retry-After date, a classic capped
list) against small stateful fakes on httpx.MockTransport.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from scimform.backends.retry import MAX_DELAY, backoff
from scimform.backends.scim import ScimBackend
from scimform.backends.sender import THROTTLE_BUDGET_S
from scimform.errors import ChangeFailed, LiveReadError
from scimform.server.discovery import SERVICE_PROVIDER_CONFIG
from scimform.server.knobs import Knobs

Doc = dict[str, Any]
Handler = Callable[[httpx.Request], httpx.Response]
LIST = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]}


def _fake(handler: Handler, sleeps: Callable[[float], None], **options: Any) -> ScimBackend:
    """A backend on a fake store; its /ServiceProviderConfig says what AWS's does (one
    request, before the first read)."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ServiceProviderConfig"):
            return httpx.Response(200, json=SERVICE_PROVIDER_CONFIG)
        return handler(request)

    transport = httpx.MockTransport(answer)
    client = httpx.Client(base_url="https://scim.test/t/scim/v2", transport=transport)
    return ScimBackend(client, sleep=sleeps, clock=sleeps.now, **options)


def _page(*items: Doc, next_cursor: str | None = None) -> httpx.Response:
    body: Doc = {**LIST, "itemsPerPage": len(items), "Resources": list(items)}
    if next_cursor:
        body["nextCursor"] = next_cursor
    return httpx.Response(200, json=body)


def test_a_read_failing_every_time_is_a_live_read_error(
    scim_server_factory: Callable[..., Any], backend_for: Callable[..., ScimBackend], sleeps: Any
) -> None:
    backend = backend_for(scim_server_factory(knobs=Knobs(faults={"500": 1.0})))
    with pytest.raises(LiveReadError, match="500 The server encountered an internal error"):
        list(backend.iter_users())
    assert backend.requests == 7  # the first try and six retries
    assert len(sleeps.waits) == 6
    assert sleeps.waits[-1] > sleeps.waits[0]


def test_throttling_honours_retry_after_and_gives_up_only_after_the_time_budget(
    scim_server_factory: Callable[..., Any],
    backend_for: Callable[..., ScimBackend],
    sleeps: Any,
    user_doc: Callable[..., Doc],
) -> None:
    backend = backend_for(scim_server_factory(knobs=Knobs(faults={"429": 1.0})), retries=2)
    with pytest.raises(ChangeFailed) as failed:
        backend.create_user(user_doc("alice@corp.example"))
    assert failed.value.status == 429
    assert "Too many requests" in failed.value.detail
    assert f"let no request through for {THROTTLE_BUDGET_S:.0f} s" in str(failed.value)
    # Not three attempts (`retries` bounds 5xx only): throttling is budgeted by time.
    assert backend.requests > 3
    assert THROTTLE_BUDGET_S <= sleeps.now() < THROTTLE_BUDGET_S + 5
    # Every try but the last waited for the Retry-After: 1 the server sends.
    honoured = [wait for wait in sleeps.waits if 1.0 <= wait <= 1.1]
    assert len(honoured) >= backend.requests - 1


def test_dropped_connections_are_retried_then_reported(
    scim_server_factory: Callable[..., Any], backend_for: Callable[..., ScimBackend], sleeps: Any
) -> None:
    backend = backend_for(scim_server_factory(knobs=Knobs(faults={"reset": 1.0})), retries=3)
    with pytest.raises(LiveReadError, match="connection was dropped"):
        list(backend.iter_groups())
    assert backend.requests == 4


def test_a_wrong_token_says_so_without_the_token(
    scim_server: Any, backend_for: Callable[..., ScimBackend]
) -> None:
    secret = "not-the-token-" + "x" * 40
    backend = backend_for(SimpleNamespace(url=scim_server.url, token=secret))
    with pytest.raises(LiveReadError) as failed:
        list(backend.iter_users())
    message = str(failed.value)
    assert "401" in message
    assert "the SCIM token was refused: it is expired, deleted or wrong" in message
    assert secret not in message and scim_server.token not in message
    assert backend.requests == 1  # a 401 is not retried


def test_transient_failures_then_success(sleeps: Any) -> None:
    answers = [httpx.Response(503), httpx.Response(500, json={"detail": "boom"})]

    def handler(request: httpx.Request) -> httpx.Response:
        if answers:
            return answers.pop(0)
        return _page({"id": "u1", "userName": "a"})

    backend = _fake(handler, sleeps)
    assert [d["id"] for d in backend.iter_users()] == ["u1"]
    assert backend.requests == 1 + 3 and len(sleeps.waits) == 2


def test_retry_after_as_a_date(sleeps: Any) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    answers = [httpx.Response(429, headers={"Retry-After": when})]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else _page()

    assert list(_fake(handler, sleeps).iter_groups()) == []
    assert 3.5 <= sleeps.waits[0] <= 5.6


def test_a_lost_create_is_retried_into_409_and_adopted(
    sleeps: Any, user_doc: Callable[..., Doc]
) -> None:
    stored: list[Doc] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            if not stored:
                stored.append({"id": "u1", "userName": "alice@corp.example"})
                raise httpx.ReadError("connection lost", request=request)
            return httpx.Response(409, json={"status": "409", "detail": "duplicate"})
        assert request.url.params["filter"] == 'userName eq "alice@corp.example"'
        return _page(*stored)

    created = _fake(handler, sleeps).create_user(user_doc("alice@corp.example"))
    assert created.adopted and created.doc["id"] == "u1"


def test_connection_refused_at_the_start_is_not_retried(sleeps: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    transport = httpx.MockTransport(handler)
    client = httpx.Client(base_url="https://scim.test/t/scim/v2", transport=transport)
    backend = ScimBackend(client, sleep=sleeps, clock=sleeps.now)
    with pytest.raises(LiveReadError, match="could not connect"):
        list(backend.iter_users())
    assert backend.requests == 1 and sleeps.waits == []  # the configuration's request


def test_a_capped_classic_list_is_refused(sleeps: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        items = [{"id": f"u{n}", "userName": f"u{n}"} for n in range(50)]
        body = {**LIST, "totalResults": 120, "itemsPerPage": 50, "startIndex": 1}
        return httpx.Response(200, json={**body, "Resources": items})

    with pytest.raises(LiveReadError, match="it pages neither by cursor nor by startIndex"):
        list(_fake(handler, sleeps).iter_users())


def test_pages_follow_next_cursor(sleeps: Any) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params["cursor"]
        seen.append(cursor)
        if cursor == "":
            return _page({"id": "a", "userName": "a"}, next_cursor="c2")
        return _page({"id": "b", "userName": "b"})

    assert [d["id"] for d in _fake(handler, sleeps).iter_users()] == ["a", "b"]
    assert seen == ["", "c2"]


def test_a_delete_already_done_and_a_failed_delete(sleeps: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/gone"):
            return httpx.Response(404, json={"detail": "not found"})
        return httpx.Response(400, json={"detail": "refused"})

    backend = _fake(handler, sleeps)
    backend.delete_user("gone")
    with pytest.raises(ChangeFailed) as failed:
        backend.delete_group("kept")
    assert (failed.value.status, failed.value.detail) == (400, "refused")


def test_the_rate_limit_spaces_requests(sleeps: Any) -> None:
    backend = _fake(lambda request: _page(), sleeps, rate_limit=10)
    for _ in range(5):
        list(backend.iter_users())
    # Each request waits for its slot, a tenth of a second after the one before.
    # (The first of the six requests reads the store's configuration.)
    assert sleeps.waits == pytest.approx([0.1] * 5, abs=0.01)


def test_backoff_grows_and_is_capped() -> None:
    import random

    rng = random.Random(1)
    assert 0.125 <= backoff(0, rng) <= 0.25
    assert backoff(20, rng) <= MAX_DELAY
