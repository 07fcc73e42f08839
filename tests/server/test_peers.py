"""Peer SCIM tools against the live server: scim2-tester (a conformance checker) and
scim2-cli (a command-line client), both written by others."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx2
import pytest
import scim2_cli
import scim2_cli.session
from click.testing import CliRunner
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from scimform.wire import GROUP_SCHEMA, USER_SCHEMA

# Checks that expect RFC 7644 behaviour AWS IAM Identity Center deliberately lacks, keyed by
# (check, resource type, attribute the check is about or None), each with AWS's reason.
AWS_DIFFERS = {
    ("object_query_with_attributes", "User", None): "AWS supports no attributes parameter",
    ("object_query_with_attributes", "Group", None): "AWS supports no attributes parameter",
    ("object_list_with_attributes", "User", None): "AWS supports no attributes parameter",
    ("object_list_with_attributes", "Group", None): "AWS supports no attributes parameter",
    ("search_with_attributes", "User", None): "AWS has no /.search endpoint",
    ("search_with_attributes", "Group", None): "AWS has no /.search endpoint",
    ("object_replacement", "Group", None): "AWS does not support PUT on groups",
    ("service_provider_config_endpoint_methods", None, None): (
        "AWS answers an unsupported operation with ValidationException (400), not 405"
    ),
    ("resource_types_endpoint_methods", None, None): (
        "AWS answers an unsupported operation with ValidationException (400), not 405"
    ),
    ("schemas_endpoint_methods", None, None): (
        "AWS answers an unsupported operation with ValidationException (400), not 405"
    ),
    ("check_add_attribute", "Group", "members"): (
        "AWS never returns members on a group read; the check reads them back"
    ),
    ("check_replace_attribute", "Group", "members"): (
        "AWS does not support replacing group memberships"
    ),
    ("check_remove_attribute", "Group", None): (
        "AWS returns no meta.location, so the checker invents member ids for the group it "
        "fills, which AWS refuses as unknown users"
    ),
    ("check_remove_attribute", "User", "active"): "AWS does not let active be removed",
    ("check_add_attribute", "User", "emails"): (
        'AWS requires "primary": true on the email; the checker sends a random primary'
    ),
    ("check_replace_attribute", "User", "emails"): (
        'AWS requires "primary": true on the email; the checker sends a random primary'
    ),
}

AWS_ERROR_EXTRAS = ("schema", "exceptionRequestId", "timeStamp")


class RfcErrorBodies(httpx2.HTTPTransport):
    """Removes the keys AWS adds to error bodies (`schema`, `exceptionRequestId`,
    `timeStamp`): scim2-models' Error model forbids extra keys, so against AWS itself
    scim2-client reports every error as an invalid payload. The status and detail the
    checks look at are left as they are; tests/server/test_http.py covers the AWS shape."""

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = super().handle_request(request)
        if response.status_code < 400:
            return response
        response.read()
        body = json.loads(response.content)
        for key in AWS_ERROR_EXTRAS:
            body.pop(key)
        headers = [(k, v) for k, v in response.headers.items() if k != "content-length"]
        return httpx2.Response(response.status_code, headers=headers, json=body, request=request)


def _key(result: Any) -> tuple[str, str | None, str | None]:
    urn = result.data.get("urn") if isinstance(result.data, dict) else None
    return result.title, result.resource_type, urn


@pytest.fixture(params=["in-process", "scimform-serve"])
def tested_endpoint(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(SCIM endpoint, token): the app under the suite's shared uvicorn, and a real
    `scimform serve` subprocess over a store made with `scimform server enable`."""
    if request.param == "in-process":
        server = request.getfixturevalue("scim_server")
        return server.url, server.token
    served: tuple[str, str] = request.getfixturevalue("served_by_cli")
    return served


def test_scim2_tester_passes_every_check_aws_behaviour_allows(
    tested_endpoint: tuple[str, str],
) -> None:
    url, token = tested_endpoint
    state = random.getstate()
    random.seed(3)  # the checker fills attributes with random values
    http = httpx2.Client(
        transport=RfcErrorBodies(), base_url=url, headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with http:
            results = check_server(SyncSCIMClient(http))
    finally:
        random.setstate(state)
    failed = [
        f"{_key(r)}: {r.status.name} {r.reason}"
        for r in results
        if r.status is not Status.SUCCESS and _key(r) not in AWS_DIFFERS
    ]
    assert failed == []
    passed = {_key(r) for r in results if r.status is Status.SUCCESS}
    assert len(passed) >= 50
    for check in ("object_creation", "object_query", "object_deletion", "object_replacement"):
        assert (check, "User", None) in passed
    assert ("check_replace_attribute", "User", "userName") in passed
    assert ("check_replace_attribute", "Group", "displayName") in passed
    unused = set(AWS_DIFFERS) - {_key(r) for r in results}
    assert unused == set(), "a skipped check no longer exists; update AWS_DIFFERS"


@pytest.fixture
def scim2(scim_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the `scim2` command in process (its click group, as the console script does):
    a subprocess per command would spend two seconds importing each time. scim2-cli leaves
    its HTTP client open at exit, harmless in a process that ends, so it is closed here."""
    opened: list[httpx2.Client] = []

    class ClosedAfterUse(httpx2.Client):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            opened.append(self)

    monkeypatch.setattr(scim2_cli.session, "Client", ClosedAfterUse)
    env = {
        "SCIM_CLI_URL": scim_server.url,
        "SCIM_CLI_HEADERS": f"Authorization: Bearer {scim_server.token}",
    }

    def run(*args: str, stdin: dict[str, Any] | None = None) -> Any:
        payload = json.dumps(stdin) if stdin is not None else ""
        result = CliRunner().invoke(scim2_cli.cli, list(args), input=payload, env=env)
        while opened:
            opened.pop().close()
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout) if result.stdout.strip() else None

    return run


def test_scim2_cli_drives_users_and_groups(scim2: Any) -> None:
    user = {
        "schemas": [USER_SCHEMA],
        "userName": "bjensen@corp.example",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "displayName": "Babs Jensen",
        "emails": [{"value": "bjensen@corp.example", "primary": True}],
    }
    created = scim2("create", "user", stdin=user)
    assert created["userName"] == "bjensen@corp.example"
    found = scim2("query", "user", "--filter", 'userName eq "bjensen@corp.example"')
    assert [u["id"] for u in found["Resources"]] == [created["id"]]
    modified = scim2("modify", "user", created["id"], "replace", "displayName", "Barbara J.")
    assert modified["displayName"] == "Barbara J."
    assert scim2("query", "user", created["id"])["displayName"] == "Barbara J."

    group = scim2("create", "group", stdin={"schemas": [GROUP_SCHEMA], "displayName": "ops"})
    members = json.dumps([{"value": created["id"]}])
    scim2("modify", "group", group["id"], "add", "members", members)
    groups = scim2("query", "group", "--filter", f'members.value eq "{created["id"]}"')
    assert [g["displayName"] for g in groups["Resources"]] == ["ops"]
    scim2("modify", "group", group["id"], "replace", "displayName", "operations")
    assert scim2("query", "group", group["id"])["displayName"] == "operations"
    paged = scim2("query", "group", "--cursor", "", "--count", "10")
    assert [g["id"] for g in paged["Resources"]] == [group["id"]]

    scim2("delete", "group", group["id"])
    scim2("delete", "user", created["id"])
    assert (
        scim2("query", "user", "--filter", 'userName eq "bjensen@corp.example"')["totalResults"]
        == 0
    )
