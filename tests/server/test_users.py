"""Users over HTTP: AWS's required, single-valued, refused and limited attributes,
uniqueness, PUT and DELETE (shared/aws-scim.md, "Users")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scimform.server.problems import DUPLICATE, UNPARSABLE
from scimform.wire import ENTERPRISE_SCHEMA, USER_SCHEMA

Doc = dict[str, Any]


def _refused(response: httpx.Response, status: int = 400, words: str = "") -> None:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    if status == 400:
        assert detail.startswith(UNPARSABLE)
    assert words in detail


FULL_USER: Doc = {
    "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
    "userName": "grace@corp.example",
    "externalId": "6f1c0a52-1111-4a6e-9c3d-000000000001",
    "name": {
        "formatted": "Dr Grace B. Hopper",
        "familyName": "Hopper",
        "givenName": "Grace",
        "middleName": "Brewster",
        "honorificPrefix": "Dr",
        "honorificSuffix": "PhD",
    },
    "displayName": "Grace Hopper",
    "nickName": "Amazing Grace",
    "profileUrl": "https://corp.example/grace",
    "title": "Rear Admiral",
    "userType": "Employee",
    "preferredLanguage": "en-US",
    "locale": "en-US",
    "timezone": "America/New_York",
    "active": True,
    "emails": [{"value": "grace@corp.example", "type": "work", "primary": True}],
    "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
    "addresses": [
        {
            "formatted": "1 Navy Way, Arlington VA 22202, US",
            "streetAddress": "1 Navy Way",
            "locality": "Arlington",
            "region": "VA",
            "postalCode": "22202",
            "country": "US",
        }
    ],
    ENTERPRISE_SCHEMA: {
        "employeeNumber": "1906",
        "costCenter": "CC-7",
        "organization": "Navy",
        "division": "Computing",
        "department": "Programming",
    },
}


def test_every_accepted_attribute_is_stored_and_returned(scim: httpx.Client) -> None:
    created = scim.post("/Users", json=FULL_USER)
    assert created.status_code == 201
    body = created.json()
    assert body["id"] and body["meta"]["resourceType"] == "User"
    read = scim.get(f"/Users/{body['id']}").json()
    for key, value in FULL_USER.items():
        assert read[key] == value, key


def test_ids_look_like_aws_ids(make_user: Callable[..., Doc]) -> None:
    user_id = make_user()["id"]
    prefix, _, rest = user_id.partition("-")
    assert len(prefix) == 10 and int(prefix, 16) >= 0
    assert len(rest) == 36 and rest.count("-") == 4


@pytest.mark.parametrize(
    ("remove", "named"),
    [
        (("userName",), "userName"),
        (("displayName",), "displayName"),
        (("name",), "name.familyName and name.givenName"),
        (("name", "givenName"), "name.givenName"),
        (("name", "familyName"), "name.familyName"),
    ],
)
def test_required_attributes_on_create_and_put(
    scim: httpx.Client,
    user_doc: Callable[..., Doc],
    make_user: Callable[..., Doc],
    remove: tuple[str, ...],
    named: str,
) -> None:
    doc = user_doc("bob@corp.example")
    if len(remove) == 1:
        del doc[remove[0]]
    else:
        del doc[remove[0]][remove[1]]
    _refused(scim.post("/Users", json=doc), words=f"{named} ")
    existing = make_user()
    _refused(scim.put(f"/Users/{existing['id']}", json=doc), words=f"{named} ")


@pytest.mark.parametrize(
    ("attribute", "item"),
    [
        ("emails", {"value": "a@corp.example", "primary": True}),
        ("phoneNumbers", {"value": "+1 555 0100"}),
        ("addresses", {"locality": "Paris"}),
        ("roles", {"value": "admin"}),
    ],
)
def test_multi_valued_attributes_hold_one_value(
    scim: httpx.Client, user_doc: Callable[..., Doc], attribute: str, item: Doc
) -> None:
    second = {**item, "primary": False} if "primary" in item else item
    _refused(scim.post("/Users", json=user_doc(**{attribute: [item, second]})), words=attribute)
    assert scim.post("/Users", json=user_doc(**{attribute: [item]})).status_code == 201


def test_the_email_must_be_primary(scim: httpx.Client, user_doc: Callable[..., Doc]) -> None:
    for email in ({"value": "a@corp.example"}, {"value": "a@corp.example", "primary": False}):
        _refused(scim.post("/Users", json=user_doc(emails=[email])), words="primary")


@pytest.mark.parametrize(
    ("attribute", "value", "words"),
    [
        ("password", "hunter2", "password"),
        ("ims", [{"value": "alice"}], "ims"),
        ("photos", [{"value": "https://x.example/a.png"}], "photos"),
        ("x509Certificates", [{"value": "MIIB"}], "x509Certificates"),
        ("entitlements", [{"value": "admin"}], "entitlements"),
        ("groups", [{"value": "some-group-id"}], "groups"),
        ("emails", [{"value": "a@x.example", "primary": True, "display": "A"}], "display"),
        ("favouriteColour", "blue", "favouriteColour"),
    ],
)
def test_refused_attributes(
    scim: httpx.Client, user_doc: Callable[..., Doc], attribute: str, value: Any, words: str
) -> None:
    _refused(scim.post("/Users", json=user_doc(**{attribute: value})), words=words)


def test_manager_display_name_is_refused_and_manager_value_accepted(
    scim: httpx.Client, user_doc: Callable[..., Doc], make_user: Callable[..., Doc]
) -> None:
    boss = make_user("boss@corp.example")
    bad = {"manager": {"value": boss["id"], "displayName": "The Boss"}}
    doc = user_doc(schemas=[USER_SCHEMA, ENTERPRISE_SCHEMA], **{ENTERPRISE_SCHEMA: bad})
    _refused(scim.post("/Users", json=doc), words="displayName")
    doc[ENTERPRISE_SCHEMA] = {"manager": {"value": boss["id"]}}
    assert scim.post("/Users", json=doc).status_code == 201


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"userName": "u" * 129}, "userName is longer than 128"),
        ({"userName": "two words"}, "whitespace"),
        ({"userName": "tab\tname"}, "control character"),
        ({"displayName": "d" * 1025}, "longer than 1024"),
        ({"title": "t" * 1025}, "longer than 1024"),
        ({"externalId": "e" * 257}, "longer than 256"),
        ({"nickName": ""}, "must not be empty"),
        ({"title": ""}, "must not be empty"),
        ({"userName": "Administrator"}, "reserved"),
        ({"userName": "awsadministrators"}, "reserved"),
        ({"displayName": "Alice <admin>"}, "< > ; : %"),
        ({"name": {"givenName": "Al;ce", "familyName": "L"}}, "< > ; : %"),
        ({"displayName": "100%"}, "< > ; : %"),
        ({"active": "yes"}, "true or false"),
        ({"title": 7}, "must be a string"),
    ],
)
def test_limits_and_forbidden_values(
    scim: httpx.Client, user_doc: Callable[..., Doc], changes: Doc, words: str
) -> None:
    _refused(scim.post("/Users", json=user_doc(**changes)), words=words)


def test_values_at_the_limits_are_accepted(
    scim: httpx.Client, user_doc: Callable[..., Doc]
) -> None:
    doc = user_doc("u" * 128, displayName="d" * 1024, externalId="e" * 256)
    assert scim.post("/Users", json=doc).status_code == 201


def test_schemas_must_name_the_user_schema(
    scim: httpx.Client, user_doc: Callable[..., Doc]
) -> None:
    doc = user_doc()
    del doc["schemas"]
    _refused(scim.post("/Users", json=doc), words="schemas")
    _refused(scim.post("/Users", json=user_doc(schemas=[USER_SCHEMA, "urn:x"])), words="urn:x")


def test_duplicate_user_name_any_case_and_external_id_get_409(
    scim: httpx.Client, user_doc: Callable[..., Doc], make_user: Callable[..., Doc]
) -> None:
    make_user("alice@corp.example", externalId="ext-1")
    for doc in (
        user_doc("alice@corp.example"),
        user_doc("ALICE@Corp.Example"),
        user_doc("other@corp.example", externalId="ext-1"),
    ):
        response = scim.post("/Users", json=doc)
        assert response.status_code == 409
        assert response.json()["detail"] == DUPLICATE
    assert scim.post("/Users", json=user_doc("other@corp.example", externalId="EXT-1")).is_success


def test_put_replaces_the_whole_user(
    scim: httpx.Client, user_doc: Callable[..., Doc], make_user: Callable[..., Doc]
) -> None:
    user = make_user(title="Engineer")
    response = scim.put(f"/Users/{user['id']}", json=user_doc(displayName="Alice L."))
    assert response.status_code == 200
    replaced = response.json()
    assert replaced["displayName"] == "Alice L." and "title" not in replaced
    assert replaced["id"] == user["id"]
    assert replaced["meta"]["created"] == user["meta"]["created"]


def test_put_accepts_the_id_and_meta_a_read_returned(
    scim: httpx.Client, make_user: Callable[..., Doc]
) -> None:
    user = make_user()
    user["title"] = "Engineer"
    response = scim.put(f"/Users/{user['id']}", json=user)
    assert response.status_code == 200 and response.json()["title"] == "Engineer"


def test_put_ignores_groups_while_create_refuses_them(
    scim: httpx.Client, user_doc: Callable[..., Doc], make_user: Callable[..., Doc]
) -> None:
    user = make_user()
    doc = user_doc(groups=[{"value": "some-group"}])
    response = scim.put(f"/Users/{user['id']}", json=doc)
    assert response.status_code == 200 and "groups" not in response.json()


def test_put_to_a_taken_user_name_is_a_conflict(
    scim: httpx.Client, user_doc: Callable[..., Doc], make_user: Callable[..., Doc]
) -> None:
    make_user("alice@corp.example")
    bob = make_user("bob@corp.example")
    response = scim.put(f"/Users/{bob['id']}", json=user_doc("Alice@corp.example"))
    assert response.status_code == 409


def test_inactive_user_is_kept_not_deleted(
    scim: httpx.Client, make_user: Callable[..., Doc]
) -> None:
    user = make_user(active=False)
    read = scim.get(f"/Users/{user['id']}")
    assert read.status_code == 200 and read.json()["active"] is False


def test_delete_is_204_then_404(scim: httpx.Client, make_user: Callable[..., Doc]) -> None:
    user = make_user()
    deleted = scim.delete(f"/Users/{user['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert scim.get(f"/Users/{user['id']}").status_code == 404
    assert scim.delete(f"/Users/{user['id']}").status_code == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_unknown_user_id_is_404(
    scim: httpx.Client, user_doc: Callable[..., Doc], patch: Callable[..., Doc], method: str
) -> None:
    bodies = {"PUT": user_doc(), "PATCH": patch({"op": "replace", "path": "title", "value": "x"})}
    response = scim.request(method, "/Users/9067729b3d-nope", json=bodies.get(method))
    assert response.status_code == 404
    assert "9067729b3d-nope" in response.json()["detail"]
