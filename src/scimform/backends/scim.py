"""The SCIM backend: AWS IAM Identity Center's SCIM API over an httpx client.

The store's `/ServiceProviderConfig` is read once, on the first read, and decides how
listings are paged (`paging`: by cursor as AWS does, else by startIndex, every page
checked) and whether filters can be used. Any read that fails after its retries, or a
listing that cannot be trusted to be whole, is a LiveReadError: a partial live state
must never be taken for the whole store. Writes are
retried the same way; a create retried into 409 (its first response was lost, or someone
else made the object) is looked up and adopted, a delete of something already gone is
done, and any other failure is a ChangeFailed with the status and AWS's detail. The token
lives in the client's auth and never reaches a message.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, overload

import httpx

from scimform.backends.excerpt import status_line
from scimform.backends.paging import Paging
from scimform.backends.provider import UNKNOWN, Provider, provider_of
from scimform.backends.sender import (
    THROTTLE_BUDGET_S,
    THROTTLED,
    NoResponse,
    Sender,
    detail_of,
    document,
    take_document,
)
from scimform.errors import ChangeFailed, LiveReadError
from scimform.wire import PATCH_SCHEMA

# Answers to /ServiceProviderConfig that mean the store has none to give.
_NO_CONFIG = (400, 404, 501)
# One wording for a 401 wherever it is met: tokens.auth's check of the token in use says it too.
# AWS answers 401 to a wrong tenant id in the URL too, and does not say which it was.
UNAUTHORIZED = (
    "the SCIM token was refused: it is expired, deleted or wrong, or the tenant id in the "
    "URL is not the one the token belongs to (AWS answers 401 to both)"
)


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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sender = Sender(
            client, rate_limit=rate_limit, retries=retries, sleep=sleep, clock=clock
        )
        self._paging: Paging | None = None
        self._removes_by_filter = False
        self._paging_lock = threading.Lock()

    @property
    def requests(self) -> int:
        """Requests sent so far, retries included."""
        return self._sender.sent

    @property
    def throttled(self) -> int:
        """Requests the store answered 429 (each was sent again, or failed)."""
        return self._sender.throttled

    def pacing(self) -> float | None:
        """The learned request rate while the store is throttling, else None."""
        return self._sender.rate.shown()

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
        """The ids of the groups a user is in. A user deleted since it was listed (AWS
        answers 404 to the filter) is a store that changed under the read."""
        gone = (
            f"user {user_id} was deleted while the live store was read, so its groups "
            "cannot be read; the store changed under the read, so plan again"
        )
        found = self._pages("/Groups", _eq("members.value", user_id), gone=gone)
        return [doc["id"] for doc in found]

    def group_document(self, group_id: str) -> dict[str, Any]:
        """One group's document, as `GET /Groups/{id}` gives it."""
        gone = f"group {group_id} was deleted while the live store was read; plan again"
        return self._read(f"/Groups/{group_id}", {}, gone=gone)

    def filters_supported(self) -> bool:
        """False when the store's configuration says it supports no filter."""
        return self.provider().filters

    def provider(self) -> Provider:
        """What the store's /ServiceProviderConfig says, read on first use."""
        return self._paging_for().provider

    def group_members(self, group_id: str) -> list[dict[str, Any]]:
        """The documents of the users in a group (what `group_member_ids` reads, kept)."""
        return list(self._pages("/Users", _eq("groups.value", group_id)))

    def user_groups(self, user_id: str) -> list[dict[str, Any]]:
        """The documents of the groups a user is in (what `user_group_ids` reads, kept)."""
        return list(self._pages("/Groups", _eq("members.value", user_id)))

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        """The user with that id, or None when there is none (404)."""
        path = f"/Users/{user_id}"
        try:
            response = self._sender.send("GET", path)
        except NoResponse as exc:
            raise LiveReadError(f"reading {path} failed: {exc.reason}") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise LiveReadError(f"reading {path} failed: {_explain(response)}")
        body = take_document(response)
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise LiveReadError(f"reading {path} failed: the response is not a SCIM user")
        return body

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

    def _pages(
        self, path: str, filter_: str | None = None, *, gone: str | None = None
    ) -> Iterator[dict[str, Any]]:
        def read(params: dict[str, str], may_refuse: bool) -> dict[str, Any] | None:
            return self._read(path, params, may_refuse=may_refuse, gone=gone)

        return self._paging_for().items(read, path, filter_)

    def _paging_for(self) -> Paging:
        with self._paging_lock:
            if self._paging is None:
                self._paging = Paging(self._read_provider())
            return self._paging

    def _read_provider(self) -> Provider:
        path = "/ServiceProviderConfig"
        try:
            response = self._sender.send("GET", path)
        except NoResponse as exc:
            raise LiveReadError(f"reading {path} failed: {exc.reason}") from None
        if response.status_code in _NO_CONFIG:
            return UNKNOWN
        if response.status_code != 200:
            raise LiveReadError(f"reading {path} failed: {_explain(response)}")
        return provider_of(take_document(response))

    @overload
    def _read(
        self, path: str, params: dict[str, str], *, gone: str | None = None
    ) -> dict[str, Any]: ...

    @overload
    def _read(
        self, path: str, params: dict[str, str], *, may_refuse: bool, gone: str | None = None
    ) -> dict[str, Any] | None: ...

    def _read(
        self,
        path: str,
        params: dict[str, str],
        *,
        may_refuse: bool = False,
        gone: str | None = None,
    ) -> dict[str, Any] | None:
        try:
            response = self._sender.send("GET", path, params=params)
        except NoResponse as exc:
            raise LiveReadError(f"reading {path} failed: {exc.reason}") from None
        status = response.status_code
        if may_refuse and status in (400, 501):
            return None
        if status == 404 and gone is not None:
            raise LiveReadError(gone)
        if status != 200:
            raise LiveReadError(f"reading {path} failed: {_explain(response)}")
        body = take_document(response)
        if not isinstance(body, dict):
            raise LiveReadError(f"reading {path} failed: the response is not a SCIM document")
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
        """PATCH a group with these PatchOp operations (at most 100 member values each).

        Members are removed as AWS removes them, with a value list; a store that refuses
        that (400) but takes RFC 7644's form, a filter in the path, is sent that form from
        then on. When both are refused, the first refusal is the error."""
        path = f"/Groups/{group_id}"
        by_filter = _removes_by_filter(operations)
        if by_filter is not None and self._removes_by_filter:
            operations = by_filter
        try:
            self._write("PATCH", path, _patch(operations), ok=(200, 204))
        except ChangeFailed as refused:
            if refused.status != 400 or by_filter is None or self._removes_by_filter:
                raise
            try:
                self._write("PATCH", path, _patch(by_filter), ok=(200, 204))
            except ChangeFailed:
                raise refused from None
            self._removes_by_filter = True

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


def _patch(operations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": operations}


def _removes_by_filter(operations: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Member removals by value list as RFC 7644's remove with a filter in the path
    (`members[value eq "a" or value eq "b"]`); None when an operation is anything else."""
    converted = []
    for op in operations:
        values = op.get("value")
        if op.get("op") != "remove" or op.get("path") != "members" or not values:
            return None
        selected = " or ".join(_eq("value", v["value"]) for v in values)
        converted.append({"op": "remove", "path": f"members[{selected}]"})
    return converted


def _eq(attribute: str, value: str) -> str:
    # A JSON string is a valid SCIM string literal, quotes and backslashes escaped.
    return f"{attribute} eq {json.dumps(value)}"


def _explain(response: httpx.Response) -> str:
    status = response.status_code
    if status == 401:
        return f"401: {UNAUTHORIZED}; check target.token and target.url in scimform.yaml"
    if status == THROTTLED:
        return (
            f"429 {detail_of(response)} (the store let no request through for "
            f"{THROTTLE_BUDGET_S:.0f} s)"
        )
    return status_line(status, detail_of(response))


def _json(response: httpx.Response) -> dict[str, Any]:
    body = document(response)
    if not isinstance(body, dict):
        raise ChangeFailed(
            f"{response.request.method} {response.request.url.path}: the response is not JSON",
            response.status_code,
        )
    return body
