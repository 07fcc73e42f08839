"""Listing and filtering (shared/aws-scim.md, "Listing, filters, pagination")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scimform.server.problems import UNPARSABLE
from scimform.store import Store
from scimform.wire import LIST_SCHEMA, USER_SCHEMA

Doc = dict[str, Any]


def _seed_users(store: Store, count: int) -> list[str]:
    ids = []
    with store.transaction():
        for i in range(count):
            doc = {
                "schemas": [USER_SCHEMA],
                "userName": f"user{i:04d}@corp.example",
                "externalId": f"ext-{i}",
                "name": {"givenName": "U", "familyName": f"N{i}"},
                "displayName": f"U N{i}",
            }
            ids.append(store.create_user(doc)["id"])
    return ids


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["Resources"]]


def test_cursor_pages_cover_every_user_once(scim: httpx.Client, scim_server: Any) -> None:
    ids = _seed_users(scim_server.store, 250)
    seen: list[str] = []
    sizes: list[int] = []
    cursor = ""
    while True:
        page = scim.get("/Users", params={"cursor": cursor, "count": 100}).json()
        assert page["schemas"] == [LIST_SCHEMA]
        assert page["itemsPerPage"] == len(page["Resources"])
        seen += [u["id"] for u in page["Resources"]]
        sizes.append(page["itemsPerPage"])
        if "nextCursor" not in page:
            break
        cursor = page["nextCursor"]
    assert sizes == [100, 100, 50]
    assert seen == ids  # stable order, nothing twice, nothing missed


def test_cursor_default_count_and_cap_are_100(scim: httpx.Client, scim_server: Any) -> None:
    _seed_users(scim_server.store, 130)
    assert len(_ids(scim.get("/Users", params={"cursor": ""}))) == 100
    assert len(_ids(scim.get("/Users", params={"cursor": "", "count": 500}))) == 100
    small = scim.get("/Users", params={"cursor": "", "count": 7}).json()
    assert small["itemsPerPage"] == 7 and "nextCursor" in small


def test_cursor_with_a_filter(
    scim: httpx.Client, scim_server: Any, make_group: Callable[..., Doc]
) -> None:
    ids = _seed_users(scim_server.store, 5)
    group = make_group(members=tuple(ids[:3]))
    params = {"filter": f'groups.value eq "{group["id"]}"', "cursor": "", "count": 2}
    first = scim.get("/Users", params=params).json()
    second = scim.get("/Users", params={**params, "cursor": first["nextCursor"]}).json()
    assert [u["id"] for u in first["Resources"] + second["Resources"]] == ids[:3]
    assert "nextCursor" not in second


@pytest.mark.parametrize("cursor", ["garbage", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "!!"])
def test_a_bad_cursor_is_400(scim: httpx.Client, scim_server: Any, cursor: str) -> None:
    _seed_users(scim_server.store, 3)
    response = scim.get("/Users", params={"cursor": cursor})
    assert response.status_code == 400 and "cursor" in response.json()["detail"]


def test_list_without_cursor_is_capped_at_100_with_no_way_to_see_more(
    scim: httpx.Client, scim_server: Any
) -> None:
    ids = _seed_users(scim_server.store, 130)
    body = scim.get("/Users").json()
    # AWS's totalResults counts what it returned, not what exists: nothing tells the client.
    assert (body["totalResults"], body["itemsPerPage"], body["startIndex"]) == (100, 100, 1)
    assert [u["id"] for u in body["Resources"]] == ids[:100]
    assert "nextCursor" not in body
    assert len(_ids(scim.get("/Users", params={"count": 500}))) == 100
    ten = scim.get("/Users", params={"count": 10}).json()
    assert (ten["totalResults"], len(ten["Resources"])) == (10, 10)
    # startIndex=1, which many clients send, is the same first page, as AWS answers it.
    first = scim.get("/Users", params={"startIndex": "1", "count": "100"}).json()
    assert [u["id"] for u in first["Resources"]] == ids[:100] and first["startIndex"] == 1


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"startIndex": "101"}, "startIndex"),
        ({"startIndex": "2"}, "startIndex"),
        ({"startIndex": "1", "sortBy": "userName"}, "sorting"),
        ({"sortBy": "userName"}, "sorting"),
        ({"sortOrder": "descending"}, "sorting"),
        ({"attributes": "userName"}, "attributes"),
        ({"excludedAttributes": "emails"}, "excludedAttributes"),
        ({"count": "ten"}, "count"),
        ({"count": "-1"}, "count"),
        ({"cursor": "", "count": "0"}, "count"),
    ],
)
@pytest.mark.parametrize("endpoint", ["/Users", "/Groups"])
def test_refused_list_parameters(
    scim: httpx.Client, endpoint: str, params: dict[str, str], words: str
) -> None:
    response = scim.get(endpoint, params=params)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(UNPARSABLE) and words in response.json()["detail"]


def test_attribute_selection_is_refused_on_reads_by_id(
    scim: httpx.Client, make_user: Callable[..., Doc]
) -> None:
    user = make_user()
    assert scim.get(f"/Users/{user['id']}", params={"attributes": "userName"}).status_code == 400


def test_user_filters(scim: httpx.Client, scim_server: Any) -> None:
    ids = _seed_users(scim_server.store, 3)
    assert _ids(scim.get("/Users", params={"filter": 'userName eq "user0001@corp.example"'})) == [
        ids[1]
    ]
    assert _ids(scim.get("/Users", params={"filter": 'externalId eq "ext-2"'})) == [ids[2]]
    # Attribute names and operators ignore case; values do not.
    loud = 'USERNAME EQ "user0001@corp.example"'
    assert _ids(scim.get("/Users", params={"filter": loud})) == [ids[1]]
    upper = 'userName eq "USER0001@corp.example"'
    assert _ids(scim.get("/Users", params={"filter": upper})) == []
    urn = f'{USER_SCHEMA}:userName eq "user0002@corp.example"'
    assert _ids(scim.get("/Users", params={"filter": urn})) == [ids[2]]


def test_group_filters(scim: httpx.Client, make_group: Callable[..., Doc]) -> None:
    group = make_group("Admins", externalId="g-1")
    assert _ids(scim.get("/Groups", params={"filter": 'displayName eq "Admins"'})) == [group["id"]]
    assert _ids(scim.get("/Groups", params={"filter": 'externalId eq "g-1"'})) == [group["id"]]
    assert _ids(scim.get("/Groups", params={"filter": 'displayName eq "admins"'})) == []


@pytest.mark.parametrize(
    "expression",
    [
        'userName co "alice"',
        'userName sw "a"',
        'userName ne "a"',
        "userName pr",
        'userName gt "a"',
        'userName eq "a" or userName eq "b"',
        'not (userName eq "a")',
        '(userName eq "a")',
        'emails[type eq "work"]',
        'displayName eq "Alice"',
        'title eq "x"',
        'userName eq "a" and userName eq "b"',
        # `and` joins only the pairs AWS documents (id and manager).
        'userName eq "a" and externalId eq "b"',
        'id eq "u"',
        'manager eq "m"',
        'id eq "u" and userName eq "a"',
        "userName eq 5",
        "userName eq",
        'userName eq "unterminated',
        "",
    ],
)
def test_unsupported_user_filters_are_400(scim: httpx.Client, expression: str) -> None:
    response = scim.get("/Users", params={"filter": expression})
    assert response.status_code == 400, expression
    assert response.json()["detail"].startswith(UNPARSABLE)


@pytest.mark.parametrize(
    "expression",
    [
        'displayName co "a"',
        'userName eq "a"',
        'members.display eq "a"',
        'groups.value eq "x"',
        # `and` joins only the pair AWS documents (the membership probe, id and members).
        'displayName eq "a" and externalId eq "b"',
        'id eq "g"',
        'id eq "g" and displayName eq "a"',
    ],
)
def test_unsupported_group_filters_are_400(scim: httpx.Client, expression: str) -> None:
    assert scim.get("/Groups", params={"filter": expression}).status_code == 400


def test_a_refused_combination_names_the_pair_aws_documents(scim: httpx.Client) -> None:
    users = scim.get("/Users", params={"filter": 'userName eq "a" and externalId eq "b"'})
    assert 'joins only id eq "<user id>" and manager eq' in users.json()["detail"]
    groups = scim.get("/Groups", params={"filter": 'id eq "g" and displayName eq "a"'})
    assert 'joins only id eq "<group id>" and members eq' in groups.json()["detail"]
