"""Paging through a SCIM listing, by cursor or by startIndex, and refusing a listing that
cannot be trusted to be whole.

By cursor (RFC 9865, as AWS pages): follow `nextCursor` until a page has none. By
startIndex (RFC 7644 section 3.4.2.4): ask for `startIndex` 1, then one past what was
listed, until `totalResults` are listed. Either way every page is checked: no id listed
twice, `totalResults` the same on every page that carries it, a startIndex listing that
neither ends early nor overruns. A listing that fails a check is a LiveReadError: it moved
under the read (plan again) or the store does not page as it says, and what it would hide
must never look deleted.

A store that does not say how it pages is asked with a cursor first; one that refuses the
cursor, or answers with a classic list that holds less than its `totalResults`, is paged
by startIndex from then on, for the rest of the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scimform.backends.provider import Provider
from scimform.errors import LiveReadError

# Reads one page: the list body, or None when the store refused the request and
# `may_refuse` allowed that (a cursor a store that said nothing about paging refused).
ReadPage = Callable[[dict[str, str], bool], dict[str, Any] | None]
Doc = dict[str, Any]


class Paging:
    """How one store's listings are paged, learned once per run."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.by_index = provider.pages_by_index

    def items(self, read: ReadPage, path: str, filter_: str | None) -> Iterator[Doc]:
        """Every resource of the listing, page by page; LiveReadError when it cannot be
        trusted to be whole."""
        listing = _Listing(path, filter_, self.provider.page_size)
        if self.by_index:
            return listing.by_index(read, 1)
        return self._by_cursor(read, listing)

    def _by_cursor(self, read: ReadPage, listing: _Listing) -> Iterator[Doc]:
        cursors: set[str] = set()
        cursor = ""
        while True:
            may_refuse = not cursors and self.provider.cursor is None
            body = read(listing.params(cursor=cursor), may_refuse)
            if body is None:
                self.by_index = True
                yield from listing.by_index(read, 1)
                return
            yield from listing.page(body)
            next_cursor = body.get("nextCursor")
            if not next_cursor:
                if listing.short():
                    # A classic list: the store took no notice of the cursor.
                    self.by_index = self.by_index or self.provider.cursor is None
                    yield from listing.by_index(read, listing.listed + 1)
                return
            if not isinstance(next_cursor, str) or next_cursor in cursors:
                raise listing.refused("the store sent an unusable nextCursor")
            cursors.add(next_cursor)
            cursor = next_cursor


class _Listing:
    """One listing's pages so far: the ids seen and the total the store gave."""

    def __init__(self, path: str, filter_: str | None, page_size: int) -> None:
        self.path = path
        self.filter = filter_
        self.page_size = page_size
        self.seen: set[str] = set()
        self.total: int | None = None

    @property
    def listed(self) -> int:
        return len(self.seen)

    def params(self, **paging: str) -> dict[str, str]:
        params = {**paging, "count": str(self.page_size)}
        if self.filter is not None:
            params["filter"] = self.filter
        return params

    def short(self) -> bool:
        """True when the store said it holds more than has been listed."""
        return self.total is not None and self.total > self.listed

    def by_index(self, read: ReadPage, start: int) -> Iterator[Doc]:
        while self.total is None or self.listed < self.total:
            body = read(self.params(startIndex=str(start)), False)
            assert body is not None  # refusals are raised when none may be
            answered = body.get("startIndex", start)
            if answered != start:
                raise self.refused(
                    f"asked for startIndex {start}, the store answered startIndex {answered}: "
                    "it pages neither by cursor nor by startIndex"
                )
            if not isinstance(body.get("totalResults"), int):
                raise self.refused("a startIndex list without totalResults cannot be read whole")
            items = list(self.page(body))
            if not items and self.short():
                raise self.refused(
                    f"the listing ended after {self.listed} of {self.total} results: the "
                    "store changed while it was read; plan again"
                )
            yield from items
            start += len(items)

    def page(self, body: Doc) -> Iterator[Doc]:
        """A page's resources, checked against the pages before it."""
        items = _resources(body, self.path)
        total = body.get("totalResults")
        if isinstance(total, int) and not isinstance(total, bool):
            if self.total is not None and total != self.total:
                raise self.refused(
                    f"the store counted {self.total} results, then {total}, while they "
                    "were read: it changed under the read; plan again"
                )
            self.total = total
        for item in items:
            if item["id"] in self.seen:
                raise self.refused(
                    f"the store listed {item['id']} twice (after {self.listed} of "
                    f"{self.total if self.total is not None else 'an unknown number of'} "
                    "results): the listing moved while it was read, or the store does not "
                    "page as it says; plan again"
                )
            self.seen.add(item["id"])
        if self.total is not None and self.listed > self.total:
            raise self.refused(
                f"the store listed {self.listed} results but counted {self.total}: it "
                "changed under the read; plan again"
            )
        return iter(items)

    def refused(self, why: str) -> LiveReadError:
        return LiveReadError(f"reading {self.path} failed: {why}")


def _resources(body: Doc, path: str) -> list[Doc]:
    items = body.get("Resources", [])
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) for item in items
    ):
        raise LiveReadError(f"reading {path} failed: the response's Resources are not SCIM")
    return items
