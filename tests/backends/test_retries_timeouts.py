"""Timeouts are retried like dropped connections: against a real slow server, and (for a
timeout that passes) against a small fake, since a real server cannot be slow only once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scimform.backends.auth import BearerToken
from scimform.backends.scim import ScimBackend
from scimform.errors import LiveReadError
from scimform.server.knobs import Knobs

LIST = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]}


def test_a_read_that_always_times_out_is_retried_then_reported(
    scim_server_factory: Callable[..., Any], sleeps: Any
) -> None:
    server = scim_server_factory(knobs=Knobs(latency_ms=400))
    client = httpx.Client(base_url=server.url, auth=BearerToken(server.token), timeout=0.05)
    backend = ScimBackend(client, sleep=sleeps, retries=2)
    try:
        with pytest.raises(LiveReadError, match="the request timed out"):
            list(backend.iter_users())
        assert backend.requests == 3  # the first try and two retries
        assert len(sleeps.waits) == 2
    finally:
        backend.close()


def test_a_timeout_that_passes_is_retried_into_success(sleeps: Any) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        user = {"id": "u-1", "userName": "alice@corp.example"}
        return httpx.Response(200, json={**LIST, "itemsPerPage": 1, "Resources": [user]})

    client = httpx.Client(
        base_url="https://scim.test/t/scim/v2", transport=httpx.MockTransport(handler)
    )
    backend = ScimBackend(client, sleep=sleeps)
    try:
        users = list(backend.iter_users())
    finally:
        backend.close()
    assert [u["userName"] for u in users] == ["alice@corp.example"]
    # The first request, for the store's configuration, timed out and was retried.
    assert calls[:2] == ["/t/scim/v2/ServiceProviderConfig"] * 2
    assert len(calls) == 3 and len(sleeps.waits) == 1
