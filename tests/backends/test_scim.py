"""ScimBackend against the real embedded server over HTTP: reads, writes, 409 adoption."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scimform.backends.scim import ScimBackend
from scimform.errors import ChangeFailed
from scimform.server.knobs import Knobs

Doc = dict[str, Any]
Build = Callable[..., Doc]


def _seed_users(store: Any, count: int) -> list[str]:
    return [
        store.create_user(
            {
                "userName": f"user{n:04d}@corp.example",
                "name": {"givenName": "U", "familyName": "Ser"},
                "displayName": "U Ser",
            }
        )["id"]
        for n in range(count)
    ]


def test_lists_every_user_by_cursor_past_a_legacy_cap(
    scim_server_factory: Callable[..., Any], backend_for: Callable[..., ScimBackend]
) -> None:
    server = scim_server_factory(knobs=Knobs(classic_cap=50))
    ids = _seed_users(server.store, 120)
    backend = backend_for(server)
    listed = [doc["id"] for doc in backend.iter_users()]
    assert sorted(listed) == sorted(ids)
    assert backend.requests == 1 + 2  # the configuration, then pages of 100: 100 + 20


def test_lists_groups_and_reads_membership_both_ways(
    scim_server: Any, backend: ScimBackend, group_doc: Build
) -> None:
    users = _seed_users(scim_server.store, 230)
    team = scim_server.store.create_group(group_doc("team"), users[:205])["id"]
    other = scim_server.store.create_group(group_doc("other"), users[200:202])["id"]
    assert {g["id"] for g in backend.iter_groups()} == {team, other}
    assert sorted(backend.group_member_ids(team)) == sorted(users[:205])
    assert sorted(backend.user_group_ids(users[201])) == sorted([team, other])
    assert backend.user_group_ids(users[229]) == []


def test_find_prefers_external_id_then_name(
    scim_server: Any, backend: ScimBackend, user_doc: Build, group_doc: Build
) -> None:
    alice = backend.create_user(user_doc("alice@corp.example", externalId="ext-a")).doc
    bob = backend.create_user(user_doc("bob@corp.example")).doc
    assert backend.find_user(external_id="ext-a", user_name="bob@corp.example") == alice
    assert backend.find_user(external_id="nobody", user_name="bob@corp.example") == bob
    assert backend.find_user(user_name='no "such" user') is None
    group = backend.create_group(group_doc("admins")).doc
    assert backend.find_group(display_name="admins") == group
    assert backend.find_group(display_name="nope") is None


def test_create_conflict_adopts_the_existing_user(
    scim_server: Any, backend: ScimBackend, user_doc: Build
) -> None:
    first = backend.create_user(user_doc("alice@corp.example", externalId="ext-a"))
    assert not first.adopted and first.doc["id"]
    again = backend.create_user(user_doc("alice@corp.example", externalId="ext-a"))
    assert again.adopted
    assert again.doc["id"] == first.doc["id"]
    assert scim_server.store.count_users() == 1


def test_create_conflict_adopts_the_existing_group(backend: ScimBackend, group_doc: Build) -> None:
    first = backend.create_group(group_doc("admins"))
    again = backend.create_group(group_doc("admins"))
    assert again.adopted and again.doc["id"] == first.doc["id"]


def test_conflict_with_nothing_to_adopt_fails(backend: ScimBackend, user_doc: Build) -> None:
    # userName uniqueness ignores case while the filter does not: nothing to adopt.
    backend.create_user(user_doc("alice@corp.example"))
    with pytest.raises(ChangeFailed) as failed:
        backend.create_user(user_doc("ALICE@corp.example"))
    assert failed.value.status == 409
    assert "duplicate" in failed.value.detail


def test_replace_patch_and_delete(
    scim_server: Any, backend: ScimBackend, user_doc: Build, group_doc: Build
) -> None:
    user = backend.create_user(user_doc("alice@corp.example")).doc
    replaced = backend.replace_user(user["id"], user_doc("alice@corp.example", title="Boss"))
    assert replaced["title"] == "Boss"
    group = backend.create_group(group_doc("admins")).doc
    add = {"op": "add", "path": "members", "value": [{"value": user["id"]}]}
    backend.patch_group(group["id"], [add])
    assert backend.group_member_ids(group["id"]) == [user["id"]]
    backend.delete_group(group["id"])
    backend.delete_group(group["id"])  # already gone: 404 counts as done
    backend.delete_user(user["id"])
    backend.delete_user(user["id"])
    assert scim_server.store.count_users() == 0


def test_a_refused_write_says_status_and_detail(backend: ScimBackend, group_doc: Build) -> None:
    group = backend.create_group(group_doc("admins")).doc
    replace = {"op": "replace", "path": "members", "value": []}
    with pytest.raises(ChangeFailed) as failed:
        backend.patch_group(group["id"], [replace])
    assert failed.value.status == 400
    assert "Replacing group memberships is not supported" in str(failed.value)
    assert "unparsable" not in failed.value.detail.casefold()
