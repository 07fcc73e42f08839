"""Only a bad cursor is the client's mistake: any other failure of the store while a cursor
page is read must not come back as a 400, which clients do not retry."""

from typing import Any

import pytest

from scimform.errors import BadCursor, ScimProblem, StoreError
from scimform.server.listing import ListRequest, list_resources


def _lister_raising(error: Exception) -> Any:
    def lister(**_: Any) -> tuple[list[dict[str, Any]], str | None]:
        raise error

    return lister


def test_a_bad_cursor_is_a_400() -> None:
    request = ListRequest({}, "tampered", 100)
    with pytest.raises(ScimProblem) as refused:
        list_resources(request, _lister_raising(BadCursor("bad")), 100)
    assert refused.value.status == 400
    assert "cursor is not valid" in refused.value.detail


def test_a_store_failure_on_a_cursor_page_is_not_called_a_bad_cursor() -> None:
    request = ListRequest({}, "fine", 100)
    with pytest.raises(StoreError, match="database is locked") as failed:
        list_resources(request, _lister_raising(StoreError("database is locked")), 100)
    assert not isinstance(failed.value, BadCursor)
