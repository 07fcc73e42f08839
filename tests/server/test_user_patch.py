"""PATCH on users: AWS's operation rules and RFC 7644 paths (shared/aws-scim.md, "Users")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scimform.server.problems import PATH_LESS, UNPARSABLE
from scimform.wire import ENTERPRISE_SCHEMA, PATCH_SCHEMA

Doc = dict[str, Any]
Patch = Callable[..., Doc]


@pytest.fixture
def user(make_user: Callable[..., Doc]) -> Doc:
    return make_user(emails=[{"value": "alice@corp.example", "type": "work", "primary": True}])


def _ok(scim: httpx.Client, user: Doc, body: Doc) -> Doc:
    response = scim.patch(f"/Users/{user['id']}", json=body)
    assert response.status_code == 200, response.text
    patched: Doc = response.json()
    assert scim.get(f"/Users/{user['id']}").json() == patched
    return patched


def _refused(scim: httpx.Client, user: Doc, body: Doc, words: str) -> None:
    before = scim.get(f"/Users/{user['id']}").json()
    response = scim.patch(f"/Users/{user['id']}", json=body)
    assert response.status_code == 400, response.text
    assert words in response.json()["detail"]
    assert scim.get(f"/Users/{user['id']}").json() == before  # nothing half done


def test_replace_add_and_remove_with_paths(scim: httpx.Client, user: Doc, patch: Patch) -> None:
    patched = _ok(
        scim,
        user,
        patch(
            {"op": "replace", "path": "displayName", "value": "Alice L."},
            {"op": "add", "path": "title", "value": "Engineer"},
            {"op": "Replace", "path": "name.givenName", "value": "Alicia"},
        ),
    )
    assert patched["displayName"] == "Alice L." and patched["title"] == "Engineer"
    assert patched["name"] == {"givenName": "Alicia", "familyName": "Liddell"}
    removed = _ok(scim, user, patch({"op": "remove", "path": "title"}))
    assert "title" not in removed


def test_user_name_can_be_changed_and_stays_unique(
    scim: httpx.Client, user: Doc, make_user: Callable[..., Doc], patch: Patch
) -> None:
    renamed = _ok(
        scim, user, patch({"op": "replace", "path": "userName", "value": "al@corp.example"})
    )
    assert renamed["userName"] == "al@corp.example" and renamed["id"] == user["id"]
    make_user("bob@corp.example")
    taken = patch({"op": "replace", "path": "userName", "value": "BOB@corp.example"})
    assert scim.patch(f"/Users/{user['id']}", json=taken).status_code == 409


def test_active_false_disables_without_deleting(
    scim: httpx.Client, user: Doc, patch: Patch
) -> None:
    patched = _ok(scim, user, patch({"op": "replace", "path": "active", "value": False}))
    assert patched["active"] is False


def test_path_less_add_or_replace_sets_one_attribute(
    scim: httpx.Client, user: Doc, patch: Patch
) -> None:
    patched = _ok(scim, user, patch({"op": "replace", "value": {"nickName": "Al"}}))
    assert patched["nickName"] == "Al"
    patched = _ok(
        scim, user, patch({"op": "add", "value": {ENTERPRISE_SCHEMA: {"department": "Ops"}}})
    )
    assert patched[ENTERPRISE_SCHEMA] == {"department": "Ops"}
    assert ENTERPRISE_SCHEMA in patched["schemas"]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "value": {"nickName": "Al", "title": "Engineer"}},
        {"op": "add", "value": {ENTERPRISE_SCHEMA: {"department": "Ops", "division": "X"}}},
        {"op": "replace", "value": {}},
        {"op": "replace", "value": "Al"},
        {"op": "remove"},
    ],
)
def test_path_less_rules_use_aws_wording(
    scim: httpx.Client, user: Doc, patch: Patch, operation: Doc
) -> None:
    response = scim.patch(f"/Users/{user['id']}", json=patch(operation))
    assert response.status_code == 400
    assert response.json()["detail"] == PATH_LESS


@pytest.mark.parametrize("name", ["userName", "active"])
def test_user_name_and_active_cannot_be_removed(
    scim: httpx.Client, user: Doc, patch: Patch, name: str
) -> None:
    _refused(scim, user, patch({"op": "remove", "path": name}), f"{name} cannot be removed")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"path": "userName", "value": "a@corp.example"}, {"path": "userName", "value": "b@x"}),
        ({"path": "active", "value": False}, {"path": "active", "value": True}),
        ({"path": "active", "value": False}, {"value": {"active": True}}),
    ],
)
def test_one_operation_per_request_may_touch_user_name_or_active(
    scim: httpx.Client, user: Doc, patch: Patch, first: Doc, second: Doc
) -> None:
    body = patch({"op": "replace", **first}, {"op": "replace", **second})
    _refused(scim, user, body, "at most one operation")


def test_removing_a_required_attribute_is_refused(
    scim: httpx.Client, user: Doc, patch: Patch
) -> None:
    _refused(scim, user, patch({"op": "remove", "path": "name.givenName"}), "name.givenName")
    _refused(scim, user, patch({"op": "remove", "path": "displayName"}), "displayName is required")


def test_email_by_value_filter_as_entra_sends_it(
    scim: httpx.Client, user: Doc, patch: Patch
) -> None:
    path = 'emails[type eq "work"].value'
    patched = _ok(scim, user, patch({"op": "replace", "path": path, "value": "new@corp.example"}))
    assert patched["emails"] == [{"value": "new@corp.example", "type": "work", "primary": True}]
    removed = _ok(scim, user, patch({"op": "remove", "path": 'emails[type eq "work"]'}))
    assert "emails" not in removed
    # A filter that matches nothing adds the item it describes (RFC 7644 3.5.2.1).
    added = _ok(
        scim,
        user,
        patch({"op": "add", "path": "emails[primary eq true].value", "value": "a@corp.example"}),
    )
    assert added["emails"] == [{"primary": True, "value": "a@corp.example"}]


def test_a_second_email_by_patch_is_refused(scim: httpx.Client, user: Doc, patch: Patch) -> None:
    second = {"value": "b@corp.example", "type": "home", "primary": True}
    _refused(scim, user, patch({"op": "add", "path": "emails", "value": [second]}), "at most one")


def test_enterprise_attributes_and_manager_by_urn_path(
    scim: httpx.Client, user: Doc, make_user: Callable[..., Doc], patch: Patch
) -> None:
    boss = make_user("boss@corp.example")
    patched = _ok(
        scim,
        user,
        patch(
            {"op": "add", "path": f"{ENTERPRISE_SCHEMA}:department", "value": "Platform"},
            {
                "op": "replace",
                "path": f"{ENTERPRISE_SCHEMA}:manager",
                "value": {"value": boss["id"]},
            },
        ),
    )
    assert patched[ENTERPRISE_SCHEMA] == {
        "department": "Platform",
        "manager": {"value": boss["id"]},
    }
    found = scim.get(
        "/Users", params={"filter": f'id eq "{user["id"]}" and manager eq "{boss["id"]}"'}
    )
    assert [u["id"] for u in found.json()["Resources"]] == [user["id"]]
    cleared = _ok(scim, user, patch({"op": "remove", "path": ENTERPRISE_SCHEMA}))
    assert ENTERPRISE_SCHEMA not in cleared and cleared["schemas"] == [user["schemas"][0]]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"Operations": [{"op": "add", "path": "title", "value": "x"}]}, "schemas"),
        ({"schemas": [PATCH_SCHEMA], "Operations": []}, "Operations"),
        ({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "move", "path": "title"}]}, "op must"),
        (
            {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "add", "path": "nope", "value": 1}]},
            "nope",
        ),
        (
            {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "add", "path": "password", "value": "x"}],
            },
            "password",
        ),
        (
            {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "add", "path": "groups", "value": []}],
            },
            "groups",
        ),
        (
            {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "add", "path": "title", "value": ""}],
            },
            "empty",
        ),
        (
            {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "add", "path": "name.nope", "value": "x"}],
            },
            "nope",
        ),
        (
            {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "add", "path": 'title[value eq "x"]', "value": "x"}],
            },
            "single-valued",
        ),
    ],
)
def test_malformed_patches_are_400(scim: httpx.Client, user: Doc, body: Doc, words: str) -> None:
    response = scim.patch(f"/Users/{user['id']}", json=body)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith(UNPARSABLE) and words in detail
