"""What a SCIM store says it can do: its `/ServiceProviderConfig`, read once per run.

Two answers matter to a reader. How to page: with cursors (RFC 9865) when the store
announces them, by `startIndex` (RFC 7644 section 3.4.2.4) when it announces only that;
a store that says nothing (AWS's configuration may not mention paging) is asked with a
cursor first, and `paging` falls back to `startIndex` when it answers as a classic list.
And whether filters work at all: without them, memberships can only come from group
documents. A store with no configuration at all (404) is taken to say nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PAGE_SIZE = 100


@dataclass(frozen=True)
class Provider:
    """The parts of a store's configuration that decide how it is read. `cursor` and
    `index` are None when the store does not say."""

    cursor: bool | None = None
    index: bool | None = None
    filters: bool = True
    page_size: int = PAGE_SIZE

    @property
    def pages_by_index(self) -> bool:
        """True when the store is to be paged by startIndex from the first request."""
        return self.cursor is False or (self.cursor is None and self.index is True)


UNKNOWN = Provider()


def provider_of(doc: Any) -> Provider:
    """The Provider a `/ServiceProviderConfig` document describes; what it does not say
    (or says in a shape that is not SCIM) is left unknown."""
    if not isinstance(doc, dict):
        return UNKNOWN
    pagination = _block(doc, "pagination")
    filtering = _block(doc, "filter")
    sizes = [PAGE_SIZE, _size(pagination.get("maxPageSize")), _size(filtering.get("maxResults"))]
    return Provider(
        cursor=_flag(pagination.get("cursor")),
        index=_flag(pagination.get("index")),
        filters=_flag(filtering.get("supported")) is not False,
        page_size=min(size for size in sizes if size is not None),
    )


def _block(doc: dict[str, Any], name: str) -> dict[str, Any]:
    block = doc.get(name)
    return block if isinstance(block, dict) else {}


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _size(value: Any) -> int | None:
    # A size of zero or less would page forever: ignored, as a size not given.
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
