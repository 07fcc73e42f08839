from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scimform.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "store.db")
    yield opened
    opened.close()


def _user_doc(user_name: str, external_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A SCIM User document as the service would hand it to the store."""
    doc: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Given", "familyName": "Family"},
        "displayName": "Given Family",
    }
    if external_id is not None:
        doc["externalId"] = external_id
    doc.update(extra)
    return doc


def _group_doc(display_name: str, external_id: str | None = None) -> dict[str, Any]:
    """A SCIM Group document without members."""
    doc: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": display_name,
    }
    if external_id is not None:
        doc["externalId"] = external_id
    return doc


Doc = Callable[..., dict[str, Any]]


@pytest.fixture
def user_doc() -> Doc:
    return _user_doc


@pytest.fixture
def group_doc() -> Doc:
    return _group_doc
