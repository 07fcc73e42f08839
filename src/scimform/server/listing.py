"""Listing users and groups: query parameters and the two response shapes AWS has.

With `cursor` (RFC 9865; empty on the first request) the response is a page of at most
`count` (1..100) items with `itemsPerPage` and, except on the last page, `nextCursor`.
Without `cursor` it is a classic ListResponse that holds at most the first 100 results (50
on older deployments, the `classic_cap` knob) and offers no way to see more: AWS even sets
`totalResults` to the number returned (ssosync saw `"totalResults": 50` in a store of
hundreds, and 10 when it asked for 10), so a client cannot tell that it missed any. Sorting,
`startIndex` other than 1 and attribute selection are refused, as AWS does not support them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scimform.errors import BadCursor
from scimform.server.discovery import PAGE_SIZE
from scimform.server.filters import FilterRules, store_filters
from scimform.server.problems import bad_request
from scimform.wire import LIST_SCHEMA

_REFUSED = {
    "sortby": "sorting is not supported by AWS IAM Identity Center.",
    "sortorder": "sorting is not supported by AWS IAM Identity Center.",
    "startindex": (
        "startIndex past 1 is not supported by AWS IAM Identity Center; page with cursor."
    ),
    "attributes": "the attributes parameter is not supported by AWS IAM Identity Center.",
    "excludedattributes": (
        "the excludedAttributes parameter is not supported by AWS IAM Identity Center."
    ),
}

Page = tuple[list[dict[str, Any]], str | None]
Lister = Callable[..., Page]


@dataclass(frozen=True, slots=True)
class ListRequest:
    """A list request: store filters, the cursor (None for a classic list) and the count."""

    filters: dict[str, str]
    cursor: str | None
    count: int


def parse_list_query(query: Mapping[str, str], rules: FilterRules) -> ListRequest:
    """The list request a query string asks for, or a 400 for what AWS refuses."""
    params = refuse_unsupported(query)
    filters = store_filters(params.get("filter"), rules)
    return ListRequest(filters, params.get("cursor"), _count(params.get("count")))


def refuse_unsupported(query: Mapping[str, str]) -> dict[str, str]:
    """The query parameters by lower-case name; a 400 for sorting, a startIndex past 1 and
    attribute selection, which AWS does not support on any read."""
    params = {key.casefold(): value for key, value in query.items()}
    # AWS answers `startIndex=1` (many clients send it on every list) with the first page.
    if params.get("startindex", "").strip() == "1":
        del params["startindex"]
    for name, reason in _REFUSED.items():
        if name in params:
            raise bad_request(reason)
    return params


def _count(raw: str | None) -> int:
    if raw is None:
        return PAGE_SIZE
    try:
        count = int(raw)
    except ValueError:
        raise bad_request(f"count must be a whole number, not {raw!r}.") from None
    if count < 0:
        raise bad_request("count must not be negative.")
    return min(count, PAGE_SIZE)


def list_resources(request: ListRequest, lister: Lister, classic_cap: int) -> dict[str, Any]:
    """The ListResponse for `request`, read through the store's list function."""
    if request.cursor is None:
        return _classic(request, lister, classic_cap)
    if request.count < 1:
        raise bad_request("count must be between 1 and 100 when paging with cursor.")
    try:
        items, next_cursor = lister(
            **request.filters, after=request.cursor or None, limit=request.count
        )
    except BadCursor:
        # Only a bad cursor is the client's mistake; any other store failure stays a 5xx,
        # which clients retry.
        raise bad_request("the cursor is not valid; start again with an empty cursor.") from None
    body: dict[str, Any] = {
        "schemas": [LIST_SCHEMA],
        "itemsPerPage": len(items),
        "Resources": items,
    }
    if next_cursor is not None:
        body["nextCursor"] = next_cursor
    return body


def _classic(request: ListRequest, lister: Lister, classic_cap: int) -> dict[str, Any]:
    limit = min(request.count, classic_cap)
    items = lister(**request.filters, limit=limit)[0] if limit > 0 else []
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": len(items),
        "itemsPerPage": len(items),
        "startIndex": 1,
        "Resources": items,
    }
