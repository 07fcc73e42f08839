"""Realism knobs: latency, rate limit, injected faults and the legacy list cap."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from scimform.server.knobs import FaultDice, Knobs, RateLimiter, parse_fault
from scimform.server.problems import INTERNAL, THROTTLED
from scimform.wire import USER_SCHEMA

Doc = dict[str, Any]


def _user(name: str) -> Doc:
    return {
        "schemas": [USER_SCHEMA],
        "userName": name,
        "name": {"givenName": "A", "familyName": "B"},
        "displayName": "A B",
    }


def test_knobs_are_off_by_default() -> None:
    knobs = Knobs()
    assert (knobs.latency_ms, knobs.rate_limit, dict(knobs.faults)) == (0, None, {})
    assert knobs.classic_cap == 100


def test_added_latency(scim_server_factory: Any) -> None:
    server = scim_server_factory(knobs=Knobs(latency_ms=150))
    with server.client() as client:
        started = time.perf_counter()
        assert client.get("/Users").status_code == 200
        assert time.perf_counter() - started >= 0.15


@pytest.mark.parametrize("retry_after", [True, False])
def test_rate_limit_answers_429(scim_server_factory: Any, retry_after: bool) -> None:
    server = scim_server_factory(knobs=Knobs(rate_limit=2, retry_after=retry_after))
    with server.client() as client:
        responses = [client.get("/Users") for _ in range(6)]
    assert [r.status_code for r in responses[:2]] == [200, 200]
    throttled = [r for r in responses if r.status_code == 429]
    assert throttled
    for response in throttled:
        assert response.json()["detail"] == THROTTLED and response.json()["status"] == "429"
        assert ("retry-after" in response.headers) is retry_after
        if retry_after:
            assert int(response.headers["retry-after"]) >= 1


def test_rate_limiter_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(10, clock=lambda: now[0])
    assert all(limiter.take() == 0 for _ in range(10))
    assert limiter.take() == pytest.approx(0.1)
    now[0] += 0.25
    assert limiter.take() == 0 and limiter.take() == 0
    assert limiter.take() > 0


def test_injected_500_and_429_do_nothing(scim_server_factory: Any) -> None:
    for kind, status, detail in (("500", 500, INTERNAL), ("429", 429, THROTTLED)):
        server = scim_server_factory(knobs=Knobs(faults={kind: 1.0}))
        with server.client() as client:
            response = client.post("/Users", json=_user("a@corp.example"))
        assert response.status_code == status and response.json()["detail"] == detail
        assert server.store.counts()["users"] == 0


def test_reset_drops_the_connection_before_the_request_is_handled(
    scim_server_factory: Any,
) -> None:
    server = scim_server_factory(knobs=Knobs(faults={"reset": 1.0}))
    with server.client() as client, pytest.raises(httpx.TransportError):
        client.post("/Users", json=_user("a@corp.example"))
    assert server.store.counts()["users"] == 0


def test_lost_response_commits_but_the_client_sees_a_failure(scim_server_factory: Any) -> None:
    server = scim_server_factory(knobs=Knobs(faults={"lost": 1.0}))
    with server.client() as client, pytest.raises(httpx.TransportError):
        client.post("/Users", json=_user("a@corp.example"))
    assert server.store.counts()["users"] == 1
    # A retried create is handled as well (a 409, lost too): still one user.
    with server.client() as client, pytest.raises(httpx.TransportError):
        client.post("/Users", json=_user("a@corp.example"))
    assert server.store.counts()["users"] == 1


def _outcomes(server: Any, count: int) -> list[str]:
    outcomes = []
    with server.client() as client:
        for _ in range(count):
            try:
                outcomes.append(str(client.get("/Users").status_code))
            except httpx.TransportError:
                outcomes.append("dropped")
    return outcomes


def test_faults_are_repeatable_for_a_seed(scim_server_factory: Any) -> None:
    faults = {"500": 0.2, "429": 0.2, "reset": 0.2}
    first = _outcomes(scim_server_factory(knobs=Knobs(faults=faults, fault_seed=7)), 40)
    again = _outcomes(scim_server_factory(knobs=Knobs(faults=faults, fault_seed=7)), 40)
    other = _outcomes(scim_server_factory(knobs=Knobs(faults=faults, fault_seed=8)), 40)
    assert first == again
    assert first != other
    assert {"200", "500", "429", "dropped"} <= set(first)


def test_fault_dice_rates() -> None:
    dice = FaultDice({"500": 0.1, "lost": 0.05}, seed=1)
    rolls = [dice.roll() for _ in range(20000)]
    assert rolls.count("500") / 20000 == pytest.approx(0.1, abs=0.01)
    assert rolls.count("lost") / 20000 == pytest.approx(0.05, abs=0.01)
    assert FaultDice({}, seed=1).roll() is None


def test_legacy_cap_of_50_for_lists_without_cursor(scim_server_factory: Any) -> None:
    server = scim_server_factory(knobs=Knobs(classic_cap=50))
    with server.store.transaction():
        for i in range(70):
            server.store.create_user(_user(f"user{i}@corp.example"))
    with server.client() as client:
        classic = client.get("/Users").json()
        paged = client.get("/Users", params={"cursor": ""}).json()
    assert (classic["totalResults"], classic["itemsPerPage"]) == (50, 50)
    assert paged["itemsPerPage"] == 70


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"latency_ms": -1}, "negative"),
        ({"rate_limit": 0}, "positive"),
        ({"faults": {"503": 0.1}}, "unknown fault"),
        ({"faults": {"500": 1.5}}, "between 0 and 1"),
        ({"faults": {"500": 0.6, "429": 0.6}}, "more than 1"),
        ({"classic_cap": 0}, "cap"),
        ({"classic_cap": 101}, "cap"),
    ],
)
def test_bad_knobs_are_refused(options: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Knobs(**options)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("500=0.05", ("500", 0.05)), ("lost=10%", ("lost", 0.1)), (" reset = 1 ", ("reset", 1.0))],
)
def test_parse_fault(text: str, expected: tuple[str, float]) -> None:
    assert parse_fault(text) == expected


@pytest.mark.parametrize("text", ["500", "500=lots"])
def test_parse_fault_refuses_malformed_values(text: str) -> None:
    with pytest.raises(ValueError):
        parse_fault(text)
