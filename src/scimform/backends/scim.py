"""The SCIM backend: AWS IAM Identity Center's SCIM API over an httpx client.

Reads list with cursor pagination only (a classic list may be capped at 50 or 100 and
would silently hide the rest), and any read that fails after its retries is a
LiveReadError: a partial live state must never be taken for the whole store. Writes are
retried the same way; a create retried into 409 (its first response was lost, or someone
else made the object) is looked up and adopted, a delete of something already gone is
done, and any other failure is a ChangeFailed with the status and AWS's detail. The token
lives in the client's auth and never reaches a message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from scimform.backends.excerpt import status_line
from scimform.backends.sender import NoResponse, Sender, detail_of, document, take_document
from scimform.errors import ChangeFailed, LiveReadError
from scimform.wire import PATCH_SCHEMA

PAGE_SIZE = 100
# One wording for a 401 wherever it is met: tokens.auth's check of the token in use says it too.
UNAUTHORIZED = "the SCIM token was refused: it is expired, deleted or wrong"


@dataclass(frozen=True)
class Created:
    """A created object: the stored document (with "id"), and whether it already existed
    (the create hit 409 and the existing object was adopted)."""

    doc: dict[str, Any]
    adopted: bool


class ScimBackend:
    """A live SCIM store; safe to share between threads."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        rate_limit: float | None = None,
        retries: int = 6,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sender = Sender(client, rate_limit=rate_limit, retries=retries, sleep=sleep)

    @property
    def requests(self) -> int:
        """Requests sent so far, retries included."""
        return self._sender.sent

    def close(self) -> None:
        """Close the client (and, for `local:`, the store)."""
        self._sender.client.close()

    # --- reads ----------------------------------------------------------------------------

    def iter_users(self) -> Iterator[dict[str, Any]]:
        """Every user, page by page."""
        return self._pages("/Users")

    def iter_groups(self) -> Iterator[dict[str, Any]]:
        """Every group, page by page (AWS never includes members)."""
        return self._pages("/Groups")

    def group_member_ids(self, group_id: str) -> list[str]:
        """The ids of the users in a group."""
        return [doc["id"] for doc in self._pages("/Users", _eq("groups.value", group_id))]

    def user_group_ids(self, user_id: str) -> list[str]:
        """The ids of the groups a user is in."""
        return [doc["id"] for doc in self._pages("/Groups", _eq("members.value", user_id))]

    def find_user(
        self, *, user_name: str | None = None, external_id: str | None = None
    ) -> dict[str, Any] | None:
        """The user with that externalId, else that userName (exact match), or None."""
        return self._find("/Users", [("externalId", external_id), ("userName", user_name)])

    def find_group(
        self, *, display_name: str | None = None, external_id: str | None = None
    ) -> dict[str, Any] | None:
        """The group with that externalId, else that displayName (exact match), or None."""
        return self._find("/Groups", [("externalId", external_id), ("displayName", display_name)])

    def _find(self, path: str, keys: list[tuple[str, str | None]]) -> dict[str, Any] | None:
        for attribute, value in keys:
            if value is not None:
                for doc in self._pages(path, _eq(attribute, value)):
                    return doc
        return None

    def _pages(self, path: str, filter_: str | None = None) -> Iterator[dict[str, Any]]:
        cursor = ""
        seen: set[str] = set()
        listed = 0
        while True:
            params = {"cursor": cursor, "count": str(PAGE_SIZE)}
            if filter_ is not None:
                params["filter"] = filter_
            body = self._read(path, params)
            items = _resources(body, path)
            listed += len(items)
            yield from items
            next_cursor = body.get("nextCursor")
            if not next_cursor:
                _refuse_classic(body, listed, path)
                return
            if not isinstance(next_cursor, str) or next_cursor in seen:
                raise LiveReadError(f"reading {path}: the target sent an unusable nextCursor")
            seen.add(next_cursor)
            cursor = next_cursor

    def _read(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._sender.send("GET", path, params=params)
        except NoResponse as exc:
            raise LiveReadError(f"reading {path} failed: {exc.reason}") from None
        if response.status_code != 200:
            raise LiveReadError(f"reading {path} failed: {_explain(response)}")
        body = take_document(response)
        if not isinstance(body, dict):
            raise LiveReadError(f"reading {path} failed: the response is not a SCIM list")
        return body

    # --- writes ---------------------------------------------------------------------------

    def create_user(self, doc: dict[str, Any]) -> Created:
        """POST a user; on 409 the existing user (by externalId, else userName) is adopted."""
        return self._create("/Users", doc, lambda: self._adoptable_user(doc))

    def create_group(self, doc: dict[str, Any]) -> Created:
        """POST a group; on 409 the existing group (by externalId, else displayName) is
        adopted."""
        return self._create("/Groups", doc, lambda: self._adoptable_group(doc))

    def replace_user(self, user_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        """PUT a user's whole document; returns the stored document."""
        return _json(self._write("PUT", f"/Users/{user_id}", doc, ok=(200,)))

    def patch_group(self, group_id: str, operations: list[dict[str, Any]]) -> None:
        """PATCH a group with these PatchOp operations (at most 100 member values each)."""
        body = {"schemas": [PATCH_SCHEMA], "Operations": operations}
        self._write("PATCH", f"/Groups/{group_id}", body, ok=(200, 204))

    def delete_user(self, user_id: str) -> None:
        """DELETE a user; one already gone (404) counts as deleted."""
        self._write("DELETE", f"/Users/{user_id}", None, ok=(204, 200, 404))

    def delete_group(self, group_id: str) -> None:
        """DELETE a group; one already gone (404) counts as deleted."""
        self._write("DELETE", f"/Groups/{group_id}", None, ok=(204, 200, 404))

    def _create(
        self, path: str, doc: dict[str, Any], existing: Callable[[], dict[str, Any] | None]
    ) -> Created:
        response = self._write("POST", path, doc, ok=(201, 200, 409))
        if response.status_code != 409:
            return Created(_json(response), adopted=False)
        try:
            found = existing()
        except LiveReadError as exc:
            raise ChangeFailed(f"POST {path}: 409, and looking it up failed: {exc}", 409) from None
        if found is None:
            detail = detail_of(response)
            raise ChangeFailed(
                f"POST {path}: 409 {detail} (and no object with its keys was found to adopt)",
                409,
                detail,
            )
        return Created(found, adopted=True)

    def _adoptable_user(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        return self.find_user(user_name=doc.get("userName"), external_id=doc.get("externalId"))

    def _adoptable_group(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        return self.find_group(
            display_name=doc.get("displayName"), external_id=doc.get("externalId")
        )

    def _write(self, method: str, path: str, body: Any, *, ok: tuple[int, ...]) -> httpx.Response:
        try:
            response = self._sender.send(method, path, body=body)
        except NoResponse as exc:
            raise ChangeFailed(f"{method} {path}: {exc.reason}") from None
        if response.status_code not in ok:
            detail = detail_of(response)
            raise ChangeFailed(
                f"{method} {path}: {_explain(response)}", response.status_code, detail
            )
        return response


def _eq(attribute: str, value: str) -> str:
    # A JSON string is a valid SCIM string literal, quotes and backslashes escaped.
    return f"{attribute} eq {json.dumps(value)}"


def _explain(response: httpx.Response) -> str:
    status = response.status_code
    if status == 401:
        return f"401: {UNAUTHORIZED}; check target.token in scimform.yaml"
    return status_line(status, detail_of(response))


def _resources(body: dict[str, Any], path: str) -> list[dict[str, Any]]:
    items = body.get("Resources", [])
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) for item in items
    ):
        raise LiveReadError(f"reading {path} failed: the response's Resources are not SCIM")
    return items


def _refuse_classic(body: dict[str, Any], count: int, path: str) -> None:
    """A last page that says more exist than were listed (a classic, capped list) is
    refused: what it hides would look deleted."""
    total = body.get("totalResults")
    if isinstance(total, int) and total > count:
        raise LiveReadError(
            f"reading {path} failed: the target listed {count} of {total} without a cursor "
            "to the rest; it does not page with cursor as AWS does"
        )


def _json(response: httpx.Response) -> dict[str, Any]:
    body = document(response)
    if not isinstance(body, dict):
        raise ChangeFailed(
            f"{response.request.method} {response.request.url.path}: the response is not JSON",
            response.status_code,
        )
    return body
