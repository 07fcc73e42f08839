"""AWS's quotas of users and groups per identity store (shared/aws-scim.md, "Quotas")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scimform.errors import ScimProblem
from scimform.server.quota import STORE_QUOTA, Quota
from scimform.server.service import ScimService
from scimform.store import Store
from scimform.wire import GROUP_SCHEMA, USER_SCHEMA


def _user(i: int) -> bytes:
    doc = {
        "schemas": [USER_SCHEMA],
        "userName": f"user{i}@corp.example",
        "name": {"givenName": "U", "familyName": "N"},
        "displayName": "U N",
    }
    return json.dumps(doc).encode()


def test_the_default_quota_is_aws_figure(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        service = ScimService(store)
        assert service.user_quota.limit == service.group_quota.limit == STORE_QUOTA == 100_000


def test_creates_beyond_the_quota_are_refused_until_something_is_deleted(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        service = ScimService(store, quota=3)
        created = [service.handle("POST", "/Users", {}, _user(i)) for i in range(3)]
        ids = [response.body["id"] for response in created if response.body]
        refused = service.handle("POST", "/Users", {}, _user(3))
        assert refused.status == 400 and refused.body is not None
        assert "3 users" in refused.body["detail"]
        assert store.count_users() == 3
        assert service.handle("DELETE", f"/Users/{ids[0]}", {}, None).status == 204
        assert service.handle("POST", "/Users", {}, _user(3)).status == 201
        for i in range(3):
            group = json.dumps({"schemas": [GROUP_SCHEMA], "displayName": f"g{i}"}).encode()
            assert service.handle("POST", "/Groups", {}, group).status == 201
        group = json.dumps({"schemas": [GROUP_SCHEMA], "displayName": "g9"}).encode()
        assert service.handle("POST", "/Groups", {}, group).status == 400


def test_the_count_is_refreshed_for_writes_by_other_processes() -> None:
    now = [0.0]
    stored = [10]
    counts: list[int] = []

    def count() -> int:
        counts.append(stored[0])
        return stored[0]

    quota = Quota("user", 5_000, count, clock=lambda: now[0])
    quota.check()
    quota.created()
    quota.check()
    assert len(counts) == 1  # far from the limit: the known count is enough
    stored[0] = 5_000  # another process filled the store
    now[0] += 10
    with pytest.raises(ScimProblem, match="5,000 users"):
        quota.check()
