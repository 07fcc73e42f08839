"""Every row of the Errors table of every operation in AWS's IAM Identity Center SCIM
developer guide (CreateUser, GetUser, ListUsers, PutUser, PatchUser, DeleteUser,
CreateGroup, GetGroup, ListGroups, PatchGroup, DeleteGroup, ServiceProviderConfig,
GetSchema/ListSchemas, ListResourceTypes), reproduced against the served store: the
status AWS documents and AWS's error body. The README's list of AWS behaviours names the
pages. ThrottlingException (429) and InternalServerException (500) are every table's last
rows: tests/server/test_knobs.py produces them with the rate-limit and fault knobs.
AccessDeniedException (403) has no condition anyone has described: every token has full
access, so the store never sends it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from scimform.wire import ERROR_SCHEMA, GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA

Doc = dict[str, Any]
UNKNOWN = "9067729b3d-00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class World:
    """alice is in the group, bob in none."""

    alice: str
    bob: str
    group: str


@pytest.fixture
def world(
    scim: httpx.Client, make_user: Callable[..., Doc], make_group: Callable[..., Doc]
) -> World:
    alice = make_user("alice@corp.example")["id"]
    bob = make_user("bob@corp.example")["id"]
    group = make_group("platform-admins", members=(alice,))["id"]
    return World(alice, bob, group)


def _user(user_name: str = "carol@corp.example", **extra: Any) -> Doc:
    doc: Doc = {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Carol", "familyName": "Danvers"},
        "displayName": "Carol Danvers",
    }
    return {**doc, **extra}


def _patch(*operations: Doc) -> Doc:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def _member_ops(op: str, ids: list[str]) -> Doc:
    return _patch({"op": op, "path": "members", "value": [{"value": i} for i in ids]})


def _eq(attribute: str, value: str) -> dict[str, str]:
    return {"filter": f'{attribute} eq "{value}"'}


Request = Callable[[httpx.Client, World], httpx.Response]

# (operation, AWS's error, condition as the table words it or as reproduced, request, status)
ROWS: list[tuple[str, str, str, Request, int]] = [
    # CreateUser
    ("CreateUser", "ValidationException", "violates schema: no displayName",
     lambda c, w: c.post("/Users", json={**_user(), "displayName": None}), 400),
    ("CreateUser", "ValidationException", "violates schema: two emails",
     lambda c, w: c.post("/Users", json=_user(emails=[
         {"value": "a@x.example", "primary": True}, {"value": "b@x.example"}])), 400),
    ("CreateUser", "ValidationException", "groups specified on create",
     lambda c, w: c.post("/Users", json=_user(groups=[{"value": w.group}])), 400),
    ("CreateUser", "ValidationException", "cannot be parsed",
     lambda c, w: c.post("/Users", content=b'{"userName": '), 400),
    ("CreateUser", "ConflictException", "User already exists",
     lambda c, w: c.post("/Users", json=_user("alice@corp.example")), 409),
    # GetUser
    ("GetUser", "ResourceNotFoundException", "Specified user does not exist",
     lambda c, w: c.get(f"/Users/{UNKNOWN}"), 404),
    ("GetUser", "ResourceNotFoundException", "Specified endpoint does not exist",
     lambda c, w: c.get("/Userz"), 404),
    ("GetUser", "ValidationException", "unsupported: attributes",
     lambda c, w: c.get(f"/Users/{w.alice}", params={"attributes": "userName"}), 400),
    # ListUsers
    ("ListUsers", "ValidationException", "unsupported: an operator other than eq",
     lambda c, w: c.get("/Users", params={"filter": 'userName co "a"'}), 400),
    ("ListUsers", "ValidationException", "unsupported: startIndex",
     lambda c, w: c.get("/Users", params={"startIndex": "2"}), 400),
    ("ListUsers", "ValidationException", "unsupported: a filter combination",
     lambda c, w: c.get("/Users", params={"filter": 'userName eq "a" and externalId eq "b"'}),
     400),
    ("ListUsers", "ValidationException", "count out of range with cursor",
     lambda c, w: c.get("/Users", params={"cursor": "", "count": "0"}), 400),
    # PutUser
    ("PutUser", "ValidationException", "violates schema: no userName",
     lambda c, w: c.put(f"/Users/{w.bob}", json={**_user(), "userName": None}), 400),
    ("PutUser", "ConflictException", "User already exists (userName taken)",
     lambda c, w: c.put(f"/Users/{w.bob}", json=_user("ALICE@corp.example")), 409),
    # PatchUser
    ("PatchUser", "ValidationException", "remove on userName",
     lambda c, w: c.patch(f"/Users/{w.bob}", json=_patch({"op": "remove", "path": "userName"})),
     400),
    ("PatchUser", "ValidationException", "remove without a path",
     lambda c, w: c.patch(f"/Users/{w.bob}", json=_patch({"op": "remove"})), 400),
    ("PatchUser", "ResourceNotFoundException", "Specified user does not exist",
     lambda c, w: c.patch(f"/Users/{UNKNOWN}",
                          json=_patch({"op": "replace", "path": "title", "value": "x"})), 404),
    ("PatchUser", "ConflictException", "User already exists (userName taken)",
     lambda c, w: c.patch(f"/Users/{w.bob}", json=_patch(
         {"op": "replace", "path": "userName", "value": "alice@corp.example"})), 409),
    # DeleteUser
    ("DeleteUser", "ResourceNotFoundException", "Specified user does not exist",
     lambda c, w: c.delete(f"/Users/{UNKNOWN}"), 404),
    ("DeleteUser", "ValidationException", "unsupported: DELETE on the collection",
     lambda c, w: c.delete("/Users"), 400),
    # CreateGroup
    ("CreateGroup", "ValidationException", "displayName is required",
     lambda c, w: c.post("/Groups", json={"schemas": [GROUP_SCHEMA]}), 400),
    ("CreateGroup", "ValidationException", "more than 100 members in a single request",
     lambda c, w: c.post("/Groups", json={"schemas": [GROUP_SCHEMA], "displayName": "big",
                                          "members": [{"value": w.alice}] * 101}), 400),
    ("CreateGroup", "ConflictException", "Group already exists",
     lambda c, w: c.post("/Groups", json={"schemas": [GROUP_SCHEMA],
                                          "displayName": "platform-admins"}), 409),
    # GetGroup
    ("GetGroup", "ResourceNotFoundException", "Specified group does not exist",
     lambda c, w: c.get(f"/Groups/{UNKNOWN}"), 404),
    # ListGroups
    ("ListGroups", "ResourceNotFoundException", "filter querying with a nonexisting member",
     lambda c, w: c.get("/Groups", params=_eq("members.value", UNKNOWN)), 404),
    ("ListGroups", "ResourceNotFoundException", "the same, paging with cursor",
     lambda c, w: c.get("/Groups", params={**_eq("members.value", UNKNOWN), "cursor": ""}), 404),
    ("ListGroups", "ResourceNotFoundException", "the same, in an (id and member) probe",
     lambda c, w: c.get("/Groups", params={"filter": f'id eq "{w.group}" and members eq '
                                                     f'"{UNKNOWN}"'}), 404),
    ("ListGroups", "ResourceNotFoundException", "a group id is no member (groups do not nest)",
     lambda c, w: c.get("/Groups", params=_eq("members.value", w.group)), 404),
    ("ListGroups", "ValidationException", "unsupported: sortBy",
     lambda c, w: c.get("/Groups", params={"sortBy": "displayName"}), 400),
    ("ListGroups", "ValidationException", "unsupported: an or filter",
     lambda c, w: c.get("/Groups", params={"filter": 'displayName eq "a" or displayName eq "b"'}),
     400),
    # PatchGroup
    ("PatchGroup", "ValidationException", "replace group memberships",
     lambda c, w: c.patch(f"/Groups/{w.group}", json=_member_ops("replace", [w.bob])), 400),
    ("PatchGroup", "ValidationException", "remove all group memberships",
     lambda c, w: c.patch(f"/Groups/{w.group}", json=_patch({"op": "remove", "path": "members"})),
     400),
    ("PatchGroup", "ValidationException", "more than 100 membership changes",
     lambda c, w: c.patch(f"/Groups/{w.group}", json=_member_ops("add", [w.bob] * 101)), 400),
    ("PatchGroup", "ValidationException", "an attribute other than displayName/members/externalId",
     lambda c, w: c.patch(f"/Groups/{w.group}", json=_patch(
         {"op": "replace", "path": "title", "value": "x"})), 400),
    ("PatchGroup", "ValidationException", "unsupported operation: PUT on a group",
     lambda c, w: c.put(f"/Groups/{w.group}", json={"schemas": [GROUP_SCHEMA],
                                                    "displayName": "renamed"}), 400),
    ("PatchGroup", "ResourceNotFoundException", "Specified group does not exist",
     lambda c, w: c.patch(f"/Groups/{UNKNOWN}", json=_member_ops("add", [w.bob])), 404),
    # DeleteGroup
    ("DeleteGroup", "ResourceNotFoundException", "Specified group does not exist",
     lambda c, w: c.delete(f"/Groups/{UNKNOWN}"), 404),
    # Discovery
    ("ServiceProviderConfig", "ValidationException", "read only: POST",
     lambda c, w: c.post("/ServiceProviderConfig", json={}), 400),
    ("GetSchema", "ValidationException", "unsupported: PUT",
     lambda c, w: c.put(f"/Schemas/{USER_SCHEMA}", json={}), 400),
    ("ListResourceTypes", "ValidationException", "unsupported: DELETE",
     lambda c, w: c.delete("/ResourceTypes"), 400),
    # Endpoints AWS lists as unsupported: /Bulk, /Me, /Search
    ("(unsupported)", "ValidationException", "POST /Bulk",
     lambda c, w: c.post("/Bulk", json={}), 400),
    ("(unsupported)", "ValidationException", "GET /Me",
     lambda c, w: c.get("/Me"), 400),
    ("(unsupported)", "ValidationException", "POST /Users/.search",
     lambda c, w: c.post("/Users/.search", json={}), 400),
]  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "error", "condition", "request_", "status"),
    ROWS,
    ids=[f"{row[0]}-{row[2]}" for row in ROWS],
)
def test_each_documented_error_condition(
    scim: httpx.Client,
    world: World,
    operation: str,
    error: str,
    condition: str,
    request_: Request,
    status: int,
) -> None:
    response = request_(scim, world)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["schemas"] == body["schema"] == [ERROR_SCHEMA]
    assert body["status"] == str(status)
    assert body["detail"] and body["exceptionRequestId"] and body["timeStamp"]


def test_every_operation_and_error_of_the_guide_is_covered() -> None:
    covered = {(row[0], row[1]) for row in ROWS}
    expected = {
        *((op, "ValidationException") for op in (
            "CreateUser", "GetUser", "ListUsers", "PutUser", "PatchUser", "DeleteUser",
            "CreateGroup", "ListGroups", "PatchGroup", "GetSchema", "ListResourceTypes",
        )),
        *((op, "ConflictException") for op in ("CreateUser", "PutUser", "PatchUser",
                                                "CreateGroup")),
        *((op, "ResourceNotFoundException") for op in (
            "GetUser", "PatchUser", "DeleteUser", "GetGroup", "ListGroups", "PatchGroup",
            "DeleteGroup",
        )),
    }  # fmt: skip
    assert expected <= covered


def test_listgroups_of_a_user_in_no_group_is_an_empty_list(
    scim: httpx.Client, world: World
) -> None:
    # The 404 is for a member that does not exist; an existing user in no group is 200.
    for params in (
        _eq("members.value", world.bob),
        {**_eq("members.value", world.bob), "cursor": ""},
    ):
        response = scim.get("/Groups", params=params)
        assert response.status_code == 200 and response.json()["Resources"] == []
    probe = {"filter": f'id eq "{world.group}" and members eq "{world.bob}"'}
    assert scim.get("/Groups", params=probe).json()["Resources"] == []
    found = scim.get("/Groups", params=_eq("members.value", world.alice)).json()["Resources"]
    assert [group["id"] for group in found] == [world.group]


def test_listusers_of_an_unknown_group_is_an_empty_list(scim: httpx.Client, world: World) -> None:
    # ListUsers's table has no ResourceNotFoundException: an unknown group lists no one.
    response = scim.get("/Users", params={**_eq("groups.value", UNKNOWN), "cursor": ""})
    assert response.status_code == 200 and response.json()["Resources"] == []


def test_the_404_names_the_member(scim: httpx.Client, world: World) -> None:
    response = scim.get("/Groups", params=_eq("members.value", UNKNOWN))
    assert UNKNOWN in response.json()["detail"]


def test_an_unsupported_method_says_what_the_endpoint_answers(scim: httpx.Client) -> None:
    response = scim.put("/Groups/x", json={})
    assert response.status_code == 400
    assert "not supported" in response.json()["detail"]
    refused = scim.post("/ServiceProviderConfig", json={})
    assert refused.headers["allow"] == "GET" and "GET" in refused.json()["detail"]
