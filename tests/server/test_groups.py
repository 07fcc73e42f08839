"""Groups over HTTP: AWS's create, read and PATCH rules (shared/aws-scim.md, "Groups")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scimform.server.problems import DUPLICATE, REPLACE_MEMBERS
from scimform.store import Store

Doc = dict[str, Any]
Patch = Callable[..., Doc]


def _member_ids(scim: httpx.Client, group_id: str) -> set[str]:
    listed = scim.get("/Users", params={"filter": f'groups.value eq "{group_id}"', "cursor": ""})
    assert listed.status_code == 200
    return {user["id"] for user in listed.json()["Resources"]}


def _users(store: Store, count: int) -> list[str]:
    docs = (
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"user{i}@corp.example",
            "name": {"givenName": "U", "familyName": f"N{i}"},
            "displayName": f"U N{i}",
        }
        for i in range(count)
    )
    return [store.create_user(doc)["id"] for doc in docs]


def test_members_are_never_returned_on_reads(
    scim: httpx.Client, make_user: Callable[..., Doc], make_group: Callable[..., Doc]
) -> None:
    alice = make_user()
    group = make_group(members=(alice["id"],))
    assert group["members"] == []
    assert scim.get(f"/Groups/{group['id']}").json()["members"] == []
    for params in ({}, {"cursor": ""}, {"filter": 'displayName eq "platform-admins"'}):
        listed = scim.get("/Groups", params=params).json()["Resources"]
        assert [g["members"] for g in listed] == [[]]
    assert _member_ids(scim, group["id"]) == {alice["id"]}


def test_display_name_is_required_and_unique_in_any_case(
    scim: httpx.Client, group_doc: Callable[..., Doc], make_group: Callable[..., Doc]
) -> None:
    missing = group_doc()
    del missing["displayName"]
    assert scim.post("/Groups", json=missing).status_code == 400
    make_group("platform-admins", externalId="g-1")
    for doc in (group_doc("Platform-Admins"), group_doc("other", externalId="g-1")):
        response = scim.post("/Groups", json=doc)
        assert response.status_code == 409 and response.json()["detail"] == DUPLICATE


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"displayName": "Administrator"}, "reserved"),
        ({"displayName": "AWSAdministrators"}, "reserved"),
        ({"displayName": ""}, "empty"),
        ({"displayName": "g" * 1025}, "1024"),
        ({"description": "x"}, "description"),
        ({"members": [{"value": "u", "display": "U"}]}, "display"),
    ],
)
def test_refused_group_documents(
    scim: httpx.Client, group_doc: Callable[..., Doc], changes: Doc, words: str
) -> None:
    response = scim.post("/Groups", json=group_doc(**changes))
    assert response.status_code == 400 and words in response.json()["detail"]


def test_post_takes_at_most_100_members(
    scim: httpx.Client, scim_server: Any, group_doc: Callable[..., Doc]
) -> None:
    ids = _users(scim_server.store, 101)
    too_many = group_doc("big", members=[{"value": i} for i in ids])
    response = scim.post("/Groups", json=too_many)
    assert response.status_code == 400 and "100" in response.json()["detail"]
    created = scim.post("/Groups", json=group_doc("big", members=too_many["members"][:100]))
    assert created.status_code == 201
    assert _member_ids(scim, created.json()["id"]) == set(ids[:100])


def test_post_with_an_unknown_member_creates_nothing(
    scim: httpx.Client, scim_server: Any, group_doc: Callable[..., Doc]
) -> None:
    response = scim.post("/Groups", json=group_doc(members=[{"value": "nobody"}]))
    assert response.status_code == 400 and "nobody" in response.json()["detail"]
    assert scim_server.store.counts()["groups"] == 0


def test_patch_adds_and_removes_members_and_answers_204(
    scim: httpx.Client, scim_server: Any, make_group: Callable[..., Doc], patch: Patch
) -> None:
    a, b, c = _users(scim_server.store, 3)
    group = make_group()
    add = patch({"op": "add", "path": "members", "value": [{"value": a}, {"value": b}]})
    response = scim.patch(f"/Groups/{group['id']}", json=add)
    assert response.status_code == 204 and response.content == b""
    assert _member_ids(scim, group["id"]) == {a, b}
    path_less = patch({"op": "add", "value": {"members": [{"value": c}]}})
    assert scim.patch(f"/Groups/{group['id']}", json=path_less).status_code == 204
    remove = patch(
        {"op": "remove", "path": f'members[value eq "{a}"]'},
        {"op": "remove", "path": "members", "value": [{"value": b}]},
    )
    assert scim.patch(f"/Groups/{group['id']}", json=remove).status_code == 204
    assert _member_ids(scim, group["id"]) == {c}


def test_membership_reads_by_user_and_probe(
    scim: httpx.Client, make_user: Callable[..., Doc], make_group: Callable[..., Doc]
) -> None:
    alice, bob = make_user("alice@corp.example"), make_user("bob@corp.example")
    admins = make_group("admins", members=(alice["id"],))
    make_group("devs", members=(alice["id"], bob["id"]))
    groups = scim.get("/Groups", params={"filter": f'members.value eq "{alice["id"]}"'})
    assert {g["displayName"] for g in groups.json()["Resources"]} == {"admins", "devs"}
    probe = f'id eq "{admins["id"]}" and members eq "{bob["id"]}"'
    assert scim.get("/Groups", params={"filter": probe}).json()["totalResults"] == 0
    probe = f'id eq "{admins["id"]}" and members eq "{alice["id"]}"'
    assert scim.get("/Groups", params={"filter": probe}).json()["totalResults"] == 1


def test_replacing_members_is_refused_with_aws_wording(
    scim: httpx.Client, make_user: Callable[..., Doc], make_group: Callable[..., Doc], patch: Patch
) -> None:
    alice = make_user()
    group = make_group(members=(alice["id"],))
    for operation in (
        {"op": "replace", "path": "members", "value": [{"value": alice["id"]}]},
        {"op": "replace", "value": {"members": []}},
    ):
        response = scim.patch(f"/Groups/{group['id']}", json=patch(operation))
        assert response.status_code == 400 and response.json()["detail"] == REPLACE_MEMBERS
    assert _member_ids(scim, group["id"]) == {alice["id"]}


@pytest.mark.parametrize(
    "operation",
    [{"op": "remove", "path": "members"}, {"op": "remove", "path": "members", "value": []}],
)
def test_removing_all_members_is_refused(
    scim: httpx.Client,
    make_user: Callable[..., Doc],
    make_group: Callable[..., Doc],
    patch: Patch,
    operation: Doc,
) -> None:
    alice = make_user()
    group = make_group(members=(alice["id"],))
    response = scim.patch(f"/Groups/{group['id']}", json=patch(operation))
    assert response.status_code == 400 and "all members" in response.json()["detail"]
    assert _member_ids(scim, group["id"]) == {alice["id"]}


def test_at_most_100_member_values_per_request(
    scim: httpx.Client, scim_server: Any, make_group: Callable[..., Doc], patch: Patch
) -> None:
    ids = _users(scim_server.store, 101)
    group = make_group()
    values = [{"value": i} for i in ids]
    split = patch(
        {"op": "add", "path": "members", "value": values[:60]},
        {"op": "add", "path": "members", "value": values[60:]},
    )
    for body in (patch({"op": "add", "path": "members", "value": values}), split):
        response = scim.patch(f"/Groups/{group['id']}", json=body)
        assert response.status_code == 400 and "100" in response.json()["detail"]
    assert _member_ids(scim, group["id"]) == set()
    ok = patch({"op": "add", "path": "members", "value": values[:100]})
    assert scim.patch(f"/Groups/{group['id']}", json=ok).status_code == 204


def test_rename_and_external_id(
    scim: httpx.Client, make_group: Callable[..., Doc], patch: Patch
) -> None:
    group = make_group("platform-administrators")
    body = patch(
        {"op": "replace", "path": "displayName", "value": "platform-admins"},
        {"op": "add", "path": "externalId", "value": "g-7"},
    )
    assert scim.patch(f"/Groups/{group['id']}", json=body).status_code == 204
    read = scim.get(f"/Groups/{group['id']}").json()
    assert (read["displayName"], read["externalId"]) == ("platform-admins", "g-7")
    assert read["meta"]["created"] == group["meta"]["created"]
    body = patch({"op": "remove", "path": "externalId"})
    assert scim.patch(f"/Groups/{group['id']}", json=body).status_code == 204
    assert "externalId" not in scim.get(f"/Groups/{group['id']}").json()


@pytest.mark.parametrize(
    ("operation", "words"),
    [
        ({"op": "add", "path": "description", "value": "x"}, "description"),
        ({"op": "remove", "path": "displayName"}, "cannot be removed"),
        ({"op": "replace", "path": "displayName", "value": "AWSAdministrators"}, "reserved"),
        ({"op": "replace", "value": {"displayName": "a", "externalId": "b"}}, "path"),
    ],
)
def test_only_display_name_external_id_and_members_can_be_patched(
    scim: httpx.Client, make_group: Callable[..., Doc], patch: Patch, operation: Doc, words: str
) -> None:
    group = make_group()
    response = scim.patch(f"/Groups/{group['id']}", json=patch(operation))
    assert response.status_code == 400 and words in response.json()["detail"]


def test_a_failed_patch_changes_nothing(
    scim: httpx.Client, make_group: Callable[..., Doc], patch: Patch
) -> None:
    group = make_group("before")
    body = patch(
        {"op": "replace", "path": "displayName", "value": "after"},
        {"op": "add", "path": "members", "value": [{"value": "no-such-user"}]},
    )
    response = scim.patch(f"/Groups/{group['id']}", json=body)
    assert response.status_code == 400 and "no-such-user" in response.json()["detail"]
    assert scim.get(f"/Groups/{group['id']}").json()["displayName"] == "before"


def test_groups_do_not_nest(
    scim: httpx.Client, make_group: Callable[..., Doc], patch: Patch
) -> None:
    parent, child = make_group("parent"), make_group("child")
    body = patch({"op": "add", "path": "members", "value": [{"value": child["id"]}]})
    response = scim.patch(f"/Groups/{parent['id']}", json=body)
    assert response.status_code == 400 and "do not nest" in response.json()["detail"]


def test_rename_to_a_taken_name_is_a_conflict(
    scim: httpx.Client, make_group: Callable[..., Doc], patch: Patch
) -> None:
    make_group("taken")
    group = make_group("mine")
    body = patch({"op": "replace", "path": "displayName", "value": "TAKEN"})
    assert scim.patch(f"/Groups/{group['id']}", json=body).status_code == 409


def test_put_on_a_group_is_a_validation_error_as_aws_documents(
    scim: httpx.Client, group_doc: Callable[..., Doc], make_group: Callable[..., Doc]
) -> None:
    # PatchGroup's Errors table: ValidationException (400) "also occurs if the operation is
    # unsupported"; AWS has no PutGroup.
    group = make_group()
    response = scim.put(f"/Groups/{group['id']}", json=group_doc("renamed"))
    assert response.status_code == 400 and response.json()["status"] == "400"
    assert "PUT" in response.json()["detail"]
    assert scim.get(f"/Groups/{group['id']}").json()["displayName"] == "platform-admins"


def test_delete_group_is_204_and_members_survive(
    scim: httpx.Client, make_user: Callable[..., Doc], make_group: Callable[..., Doc]
) -> None:
    alice = make_user()
    group = make_group(members=(alice["id"],))
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    assert scim.delete(f"/Groups/{group['id']}").status_code == 404
    assert scim.get(f"/Groups/{group['id']}").status_code == 404
    assert scim.get(f"/Users/{alice['id']}").status_code == 200


def test_deleting_a_user_removes_their_memberships(
    scim: httpx.Client, make_user: Callable[..., Doc], make_group: Callable[..., Doc]
) -> None:
    alice = make_user()
    group = make_group(members=(alice["id"],))
    assert scim.delete(f"/Users/{alice['id']}").status_code == 204
    assert _member_ids(scim, group["id"]) == set()


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_group_id_is_404(scim: httpx.Client, patch: Patch, method: str) -> None:
    body = patch({"op": "replace", "path": "displayName", "value": "x"})
    response = scim.request(
        method, "/Groups/9067729b3d-nope", json=body if method == "PATCH" else None
    )
    assert response.status_code == 404
    assert response.json()["status"] == "404" and "9067729b3d-nope" in response.json()["detail"]


def test_a_classic_group_list_hides_what_is_past_its_cap(
    scim: httpx.Client, scim_server: Any, group_doc: Callable[..., Doc]
) -> None:
    with scim_server.store.transaction():
        for i in range(105):
            scim_server.store.create_group(group_doc(f"team-{i:03d}"), [])
    classic = scim.get("/Groups").json()
    assert (classic["totalResults"], classic["itemsPerPage"]) == (100, 100)
    assert "nextCursor" not in classic and all(g["members"] == [] for g in classic["Resources"])
    paged = scim.get("/Groups", params={"cursor": "", "count": 100}).json()
    rest = scim.get("/Groups", params={"cursor": paged["nextCursor"]}).json()
    assert paged["itemsPerPage"] + rest["itemsPerPage"] == 105 and "nextCursor" not in rest
