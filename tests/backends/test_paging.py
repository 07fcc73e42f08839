"""Paging by cursor or by startIndex as the store's configuration says, and the listings
that must be refused: one that moves under the read, one that overruns or ends early, one
that ignores startIndex. Real stores page correctly (the embedded one by cursor, scim2-server
both ways: tests/backends/test_scim2_server.py); a listing that moves on demand needs a fake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scimform.backends.provider import provider_of
from scimform.backends.scim import ScimBackend
from scimform.errors import LiveReadError

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
Doc = dict[str, Any]


class _Listing:
    """/Users of `users` ids, paged by startIndex (and by cursor when `cursor`); `config`
    is the /ServiceProviderConfig body (None: 404). `between` runs after each page."""

    def __init__(self, users: int, config: Doc | None, cursor: bool = False) -> None:
        self.ids = [f"u{n:04d}" for n in range(users)]
        self.config, self.cursor = config, cursor
        self.between: Callable[[int], None] = lambda page: None
        self.pages = 0
        self.requests: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ServiceProviderConfig"):
            return (
                httpx.Response(404)
                if self.config is None
                else httpx.Response(200, json=self.config)
            )
        params = dict(request.url.params)
        self.requests.append(params)
        if "cursor" in params and not self.cursor:
            return httpx.Response(501, json={"detail": "Pagination by cursor is not supported"})
        count = int(params.get("count", "100"))
        start = (
            int(params["cursor"] or 0)
            if "cursor" in params
            else int(params.get("startIndex", "1")) - 1
        )
        page = self.ids[start : start + count]
        body: Doc = {"schemas": [LIST], "totalResults": len(self.ids), "itemsPerPage": len(page)}
        body["Resources"] = [{"id": i, "userName": i} for i in page]
        if "cursor" in params and start + count < len(self.ids):
            body["nextCursor"] = str(start + count)
        elif "cursor" not in params:
            body["startIndex"] = start + 1
        self.pages += 1
        self.between(self.pages)
        return httpx.Response(200, json=body)


def _backend(listing: _Listing) -> ScimBackend:
    client = httpx.Client(
        base_url="https://scim.test/t/scim/v2", transport=httpx.MockTransport(listing)
    )
    return ScimBackend(client, sleep=lambda _: None)


INDEX_ONLY = {
    "pagination": {"cursor": False, "index": True},
    "filter": {"supported": True, "maxResults": 50},
}


def test_a_store_announcing_only_index_paging_is_paged_by_start_index() -> None:
    listing = _Listing(260, INDEX_ONLY)
    listed = [doc["id"] for doc in _backend(listing).iter_users()]
    assert listed == listing.ids
    # maxResults 50 bounds the page size; no request ever carries a cursor.
    assert [r["startIndex"] for r in listing.requests] == [str(1 + 50 * n) for n in range(6)]
    assert all(r["count"] == "50" and "cursor" not in r for r in listing.requests)


def test_a_store_that_says_nothing_and_refuses_the_cursor_is_paged_by_index_from_then_on() -> None:
    listing = _Listing(150, None)
    backend = _backend(listing)
    assert [doc["id"] for doc in backend.iter_users()] == listing.ids
    assert [doc["id"] for doc in backend.iter_users()] == listing.ids
    assert ["cursor" in r for r in listing.requests] == [True, False, False, False, False]


def test_a_store_that_says_nothing_and_pages_by_cursor_is_paged_by_cursor() -> None:
    listing = _Listing(150, {}, cursor=True)
    assert [doc["id"] for doc in _backend(listing).iter_users()] == listing.ids
    assert [r.get("cursor") for r in listing.requests] == ["", "100"]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda ids: ids.append("u9999"), "counted 250 results, then 251"),
        (lambda ids: ids.insert(0, ids.pop()), "listed u0099 twice"),
    ],
    ids=["grows", "reorders"],
)
def test_a_listing_that_moves_under_the_read_is_refused(
    change: Callable[[list[str]], None], said: str
) -> None:
    listing = _Listing(250, INDEX_ONLY)

    def between(page: int) -> None:
        if page == 2:
            change(listing.ids)

    listing.between = between
    with pytest.raises(LiveReadError) as refused:
        list(_backend(listing).iter_users())
    assert said in str(refused.value) and "plan again" in str(refused.value)


def test_a_listing_that_ends_before_its_total_is_refused() -> None:
    listing = _Listing(120, INDEX_ONLY)
    original = listing.__call__

    def short(request: httpx.Request) -> httpx.Response:
        response = original(request)
        # Past the first 100, the store has nothing more, yet still counts 120.
        if request.url.params.get("startIndex") == "101":
            body = response.json()
            return httpx.Response(200, json={**body, "Resources": [], "itemsPerPage": 0})
        return response

    client = httpx.Client(
        base_url="https://scim.test/t/scim/v2", transport=httpx.MockTransport(short)
    )
    backend = ScimBackend(client, sleep=lambda _: None)
    with pytest.raises(LiveReadError, match="ended after 100 of 120 results"):
        list(backend.iter_users())


def test_the_configuration_is_read_once_per_run() -> None:
    listing = _Listing(10, INDEX_ONLY)
    backend = _backend(listing)
    for _ in range(3):
        list(backend.iter_users())
    assert backend.requests == 1 + 3


def test_provider_of_reads_what_the_configuration_says() -> None:
    aws_like = provider_of({"filter": {"supported": True, "maxResults": 100}})
    assert (aws_like.cursor, aws_like.index, aws_like.filters) == (None, None, True)
    assert not aws_like.pages_by_index
    assert provider_of({"pagination": {"index": True}}).pages_by_index
    assert not provider_of({"pagination": {"cursor": True, "index": True}}).pages_by_index
    assert provider_of({"filter": {"supported": False}}).filters is False
    assert provider_of({"pagination": {"maxPageSize": 0}}).page_size == 100
    assert provider_of("not a document").cursor is None


def test_a_user_deleted_during_the_read_is_a_changed_store_not_no_groups() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ServiceProviderConfig"):
            return httpx.Response(200, json={"pagination": {"cursor": True}})
        # AWS answers ListGroups filtered by a member that does not exist with 404.
        return httpx.Response(404, json={"detail": "Resource not found"})

    client = httpx.Client(
        base_url="https://scim.test/t/scim/v2", transport=httpx.MockTransport(handler)
    )
    backend = ScimBackend(client, sleep=lambda _: None)
    with pytest.raises(LiveReadError) as refused:
        backend.user_group_ids("u-gone")
    assert "user u-gone was deleted while the live store was read" in str(refused.value)
    assert "plan again" in str(refused.value)
