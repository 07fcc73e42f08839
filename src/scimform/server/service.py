"""The SCIM service: AWS IAM Identity Center's SCIM semantics over the embedded store.

`ScimService(store).handle(method, path, query, body)` answers one request, with `path`
relative to `/scim/v2` (e.g. `/Users/abc`). No HTTP framework in here: the ASGI app and the
in-process `local:` target both call `handle`, so both behave exactly like AWS.

Status codes as AWS documents them in the Errors table of each operation: POST 201; GET,
PUT and user PATCH 200 with the resource; group PATCH and DELETE 204 with no body; an
unknown id or endpoint 404, and ListGroups filtered on a member that does not exist 404
(ResourceNotFoundException); a duplicate 409; a body that cannot be parsed or breaks the
schema 400, and so is an operation AWS does not support (PUT on groups, /Bulk, /Me,
/.search, a method an endpoint lacks): ValidationException "also occurs if the operation
is unsupported". A store busy past its timeout is a 503 with Retry-After, which clients
retry; nothing was done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import orjson

from scimform.errors import Conflict, NotFound, ScimProblem, StoreBusy
from scimform.server import discovery
from scimform.server.documents import check_group, check_user
from scimform.server.filters import GROUP_FILTERS, USER_FILTERS
from scimform.server.group_patch import plan_group_patch
from scimform.server.listing import Page, list_resources, parse_list_query, refuse_unsupported
from scimform.server.problems import (
    BUSY,
    DUPLICATE,
    ScimResponse,
    bad_request,
    error_response,
    not_found,
    not_supported,
    problem_response,
)
from scimform.server.quota import STORE_QUOTA, Quota
from scimform.server.user_patch import patch_user
from scimform.store import Store

_DISCOVERY = {
    "Schemas": discovery.SCHEMAS,
    "ResourceTypes": discovery.RESOURCE_TYPES,
}
_NOT_IMPLEMENTED = {"Bulk": "/Bulk", "Me": "/Me", ".search": "/.search"}


class ScimService:
    """AWS's SCIM endpoint over one store; `classic_cap` is how many results a list without
    cursor holds (100 today, 50 on older AWS deployments); `quota` how many users, and
    how many groups, the store may hold."""

    def __init__(
        self, store: Store, *, classic_cap: int = discovery.PAGE_SIZE, quota: int = STORE_QUOTA
    ) -> None:
        self.store = store
        self.classic_cap = classic_cap
        self.user_quota = Quota("user", quota, store.count_users)
        self.group_quota = Quota("group", quota, store.count_groups)

    def handle(
        self, method: str, path: str, query: Mapping[str, str], body: bytes | None
    ) -> ScimResponse:
        """Answer one SCIM request; every refusal is an AWS error body, never an exception."""
        try:
            return self._route(method.upper(), path.removeprefix("/").split("/"), query, body)
        except ScimProblem as problem:
            return problem_response(problem)
        except Conflict:
            return error_response(409, DUPLICATE)
        except NotFound as missing:
            return error_response(404, str(missing))
        except StoreBusy:
            return error_response(503, BUSY, {"Retry-After": "1"})
        except RecursionError:
            # orjson bounds the nesting of a body; this is a last guard for any other path.
            return problem_response(bad_request("the request nests too deeply."))

    def _route(
        self, method: str, parts: list[str], query: Mapping[str, str], body: bytes | None
    ) -> ScimResponse:
        if "" in parts:
            raise ScimProblem(404, f"no SCIM endpoint at /{'/'.join(parts)}.")
        head, rest = parts[0], parts[1:]
        if head in ("Users", "Groups") and rest == [".search"]:
            raise not_supported(f"/{head}/.search")
        if head == "Users" and len(rest) <= 1:
            return self._users(method, rest[0] if rest else None, query, body)
        if head == "Groups" and len(rest) <= 1:
            return self._groups(method, rest[0] if rest else None, query, body)
        if head in _NOT_IMPLEMENTED and not rest:
            raise not_supported(_NOT_IMPLEMENTED[head])
        if head == "ServiceProviderConfig" and not rest:
            _only_get(method)
            return ScimResponse(200, discovery.SERVICE_PROVIDER_CONFIG)
        if head in _DISCOVERY and len(rest) <= 1:
            _only_get(method)
            return _discovery(head, rest[0] if rest else None)
        raise ScimProblem(404, f"no SCIM endpoint at /{'/'.join(parts)}.")

    # --- users ----------------------------------------------------------------------------

    def _users(
        self, method: str, user_id: str | None, query: Mapping[str, str], body: bytes | None
    ) -> ScimResponse:
        store = self.store
        if user_id is not None:
            return self._user(method, user_id, query, body)
        if method == "GET":
            request = parse_list_query(query, USER_FILTERS)
            listed = list_resources(request, store.list_users, self.classic_cap)
            return ScimResponse(200, listed)
        _allow(method, "POST", "GET, POST")
        doc = check_user(_json(body), creating=True)
        self.user_quota.check()
        created = store.create_user(doc)
        self.user_quota.created()
        return ScimResponse(201, created)

    def _user(
        self, method: str, user_id: str, query: Mapping[str, str], body: bytes | None
    ) -> ScimResponse:
        store = self.store
        if method == "GET":
            refuse_unsupported(query)
            return ScimResponse(200, _found(store.get_user, "User", user_id))
        if method == "PUT":
            doc = check_user(_json(body), creating=False)
            return ScimResponse(200, _found(store.replace_user, "User", user_id, doc))
        if method == "PATCH":
            payload = _json(body)
            with store.transaction():
                stored = _found(store.get_user, "User", user_id)
                return ScimResponse(200, store.replace_user(user_id, patch_user(stored, payload)))
        _allow(method, "DELETE", "GET, PUT, PATCH, DELETE")
        _found(store.delete_user, "User", user_id)
        self.user_quota.deleted()
        return ScimResponse(204)

    # --- groups ---------------------------------------------------------------------------

    def _groups(
        self, method: str, group_id: str | None, query: Mapping[str, str], body: bytes | None
    ) -> ScimResponse:
        store = self.store
        if group_id is not None:
            return self._group(method, group_id, query, body)
        if method == "GET":
            request = parse_list_query(query, GROUP_FILTERS)
            self._refuse_unknown_member(request.filters.get("member_id"))
            listed = list_resources(request, self._list_groups, self.classic_cap)
            return ScimResponse(200, listed)
        _allow(method, "POST", "GET, POST")
        doc, member_ids = check_group(_json(body))
        self.group_quota.check()
        with _unknown_members():
            created = store.create_group(doc, member_ids)
        self.group_quota.created()
        return ScimResponse(201, _no_members(created))

    def _group(
        self, method: str, group_id: str, query: Mapping[str, str], body: bytes | None
    ) -> ScimResponse:
        store = self.store
        if method == "GET":
            refuse_unsupported(query)
            return ScimResponse(200, _no_members(_found(store.get_group, "Group", group_id)))
        if method == "PUT":
            raise not_supported("PUT on a group (use PATCH)")
        if method == "PATCH":
            self._patch_group(group_id, _json(body))
            return ScimResponse(204)
        _allow(method, "DELETE", "GET, PATCH, DELETE")
        _found(store.delete_group, "Group", group_id)
        self.group_quota.deleted()
        return ScimResponse(204)

    def _refuse_unknown_member(self, member_id: str | None) -> None:
        # AWS's ListGroups: ResourceNotFoundException (404) "when filter querying with a
        # nonexisting member". A user in no group is no such case: 200, no groups.
        if member_id is not None and not self.store.count_users(user_id=member_id):
            raise not_found("User", member_id)

    def _list_groups(self, **filters: Any) -> Page:
        items, next_cursor = self.store.list_groups(**filters)
        return [_no_members(item) for item in items], next_cursor

    def _patch_group(self, group_id: str, payload: Any) -> None:
        store = self.store
        with store.transaction():
            change = plan_group_patch(_found(store.get_group, "Group", group_id), payload)
            if change.doc is not None:
                store.replace_group(group_id, change.doc)
            with _unknown_members():
                for step in change.steps:
                    if step.action == "add":
                        store.add_members(group_id, step.user_ids)
                    else:
                        store.remove_members(group_id, step.user_ids)


@contextmanager
def _unknown_members() -> Iterator[None]:
    """Turns the store's NotFound for a member id into the 400 AWS sends for a bad value."""
    try:
        yield
    except NotFound as exc:
        raise bad_request(
            f"{exc}: members must be ids of existing users (groups do not nest)."
        ) from None


def _found(call: Callable[..., Any], resource: str, resource_id: str, *args: Any) -> Any:
    try:
        return call(resource_id, *args)
    except NotFound:
        raise not_found(resource, resource_id) from None


def _no_members(group: dict[str, Any]) -> dict[str, Any]:
    # AWS never returns members on a group read; they are read through filters.
    group["members"] = []
    return group


def _json(body: bytes | None) -> Any:
    if not body:
        raise bad_request("the request has no body.")
    # orjson, not json: it refuses what no store can keep (lone surrogates such as
    # "\ud800" in a value or a key, text that is not UTF-8, NaN) and bounds nesting at
    # 1024 levels, where json's recursion would fail with a 500.
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise bad_request(_why_not_json(str(exc))) from None


def _why_not_json(reason: str) -> str:
    if "surrogate" in reason:
        return (
            "the body holds a lone UTF-16 surrogate (such as \\ud800), which is not a "
            "character; send text as valid UTF-8."
        )
    if "depth" in reason or "recursion" in reason:
        return "the body nests more than 1024 levels deep."
    if "UTF-8" in reason:
        return "the body is not valid UTF-8."
    return f"the body is not valid JSON ({reason})."


def _allow(method: str, expected: str, allowed: str) -> None:
    if method != expected:
        raise not_supported(f"{method} on this endpoint (it answers {allowed})", {"Allow": allowed})


def _only_get(method: str) -> None:
    _allow(method, "GET", "GET")


def _discovery(kind: str, resource_id: str | None) -> ScimResponse:
    resources = _DISCOVERY[kind]
    if resource_id is None:
        return ScimResponse(200, discovery.list_of(resources))
    found = discovery.by_id(resources, resource_id)
    if found is None:
        raise ScimProblem(404, f"no {kind} entry with id {resource_id}.")
    return ScimResponse(200, found)
