"""The public API, as a Python caller uses it: load, plan and apply against a real
`scimform serve` over HTTP, with every gate inside: an unsafe plan and a stale plan are
refused unless forced, the audit trail is written, the token appears nowhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import scimform
from scimform.audit import read_records


def person(n: int) -> dict[str, Any]:
    return {
        "userName": f"p{n:03}@corp.example",
        "externalId": f"e-{n:03}",
        "givenName": f"Given{n}",
        "familyName": "Example",
        "displayName": f"Given{n} Example",
        "email": f"p{n:03}@corp.example",
    }


def write(root: Path, url: str, count: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    settings = {
        "target": {"url": url, "token": "env:SCIM_TOKEN"},
        "ownership": {"prune": True},
    }
    (root / "scimform.yaml").write_text(yaml.safe_dump(settings))
    people = [person(n) for n in range(count)]
    groups = [{"displayName": "everyone", "members": [p["userName"] for p in people]}]
    (root / "people.yaml").write_text(yaml.safe_dump({"users": people, "groups": groups}))
    return root


def test_a_whole_plan_and_apply_through_the_api(scim_server: Any, tmp_path: Path) -> None:
    environ = {"SCIM_TOKEN": scim_server.token}
    root = write(tmp_path / "people", scim_server.url, 20)
    config = scimform.load(root)
    plan = scimform.plan(config, environ=environ)
    assert plan.summary.add == 21 and plan.summary.members_add == 20
    outcome = scimform.apply(config, plan, environ=environ, actor="a-script")
    assert outcome.succeeded and len(scim_server.store.list_users()[0]) == 20
    (record,) = read_records(outcome.audit_log or Path())
    assert record.actor == "a-script" and record.succeeded
    assert scim_server.token not in (outcome.audit_log or Path()).read_text()
    assert not scimform.plan(config, environ=environ).has_changes


def test_apply_refuses_an_unsafe_plan_unless_forced(scim_server: Any, tmp_path: Path) -> None:
    environ = {"SCIM_TOKEN": scim_server.token}
    root = write(tmp_path / "people", scim_server.url, 20)
    assert scimform.apply(scimform.load(root), environ=environ).succeeded
    config = scimform.load(write(root, scim_server.url, 10))  # deletes half the users
    with pytest.raises(scimform.UnsafePlanError, match="deletes 10 of 20 live users"):
        scimform.apply(config, environ=environ)
    assert len(scim_server.store.list_users()[0]) == 20
    assert not (root / ".scimform" / "audit.jsonl").read_text().count('"forced":true')
    forced = scimform.apply(config, environ=environ, force=True)
    assert forced.succeeded and forced.forced
    assert len(scim_server.store.list_users()[0]) == 10
    last = read_records(root / ".scimform" / "audit.jsonl")[-1]
    assert last.begin.forced


def test_apply_refuses_a_stale_plan(scim_server: Any, tmp_path: Path) -> None:
    environ = {"SCIM_TOKEN": scim_server.token}
    config = scimform.load(write(tmp_path / "people", scim_server.url, 3))
    plan = scimform.plan(config, environ=environ)
    scim_server.store.create_user(
        {
            "userName": "late@corp.example",
            "name": {"givenName": "L", "familyName": "C"},
            "displayName": "L C",
        }
    )
    with pytest.raises(scimform.StalePlanError, match="the live store changed"):
        scimform.apply(config, plan, environ=environ)
    assert [u["userName"] for u in scim_server.store.list_users()[0]] == ["late@corp.example"]


def test_a_session_plans_once_and_applies_what_it_showed(scim_server: Any, tmp_path: Path) -> None:
    environ = {"SCIM_TOKEN": scim_server.token}
    config = scimform.load(write(tmp_path / "people", scim_server.url, 5))
    with scimform.Session(config, environ=environ) as session:
        plan = session.plan()
        reads = session.backend.requests
        outcome = session.apply(plan)
        assert outcome.succeeded
        # The apply re-used the live state the plan was made from: no second read.
        writes = sum(1 for s in outcome.result.steps)
        assert session.backend.requests - reads == writes


def test_a_config_with_errors_is_a_config_error(tmp_path: Path) -> None:
    root = tmp_path / "people"
    root.mkdir()
    (root / "people.yaml").write_text("users:\n  - userName: x\n")
    with pytest.raises(scimform.ConfigError) as raised:
        scimform.load(root)
    assert raised.value.diagnostics.has_errors


def test_a_refused_token_is_token_refused(scim_server: Any, tmp_path: Path) -> None:
    config = scimform.load(write(tmp_path / "people", scim_server.url, 1))
    with pytest.raises(scimform.TokenRefused):
        scimform.plan(config, environ={"SCIM_TOKEN": "wrong-token-value-000000000000"})
