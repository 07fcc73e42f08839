"""Several targets through the real CLI against two real SCIM servers: each target planned
and applied against its own store with its own token, `--target`, sections, the rolled-up
exit status, saved documents of several plans, audit records that name the target, and
mistakes that change nothing anywhere."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from scimform_cli import cli

from scimform.model import User
from scimform.store.seed import load_org

Asgi = Callable[..., Any]

PEOPLE = """\
    users:
      - {userName: alice@corp.example, externalId: e-alice, givenName: Alice,
         familyName: Liddell, displayName: Alice Liddell, email: alice@corp.example}
      - {userName: sam@corp.example, externalId: e-sam, givenName: Sam, familyName: Beck,
         displayName: Sam Beck, email: sam@corp.example, targets: [sandbox]}
    groups:
      - {displayName: admins, members: [alice@corp.example]}
      - {displayName: testers, members: [sam@corp.example], targets: [sandbox]}
"""


@dataclass
class Seen:
    """The bearer tokens one server was sent."""

    tokens: set[str] = field(default_factory=set)

    def wrap(self, app: Asgi) -> Asgi:
        async def recording(scope: MutableMapping[str, Any], receive: Asgi, send: Asgi) -> None:
            for name, value in scope.get("headers", []):
                if name == b"authorization":
                    self.tokens.add(value.decode().removeprefix("Bearer "))
            await app(scope, receive, send)

        return recording


@dataclass
class Org:
    """Two servers, what each saw, the config and the environment with both tokens."""

    sandbox: Any
    production: Any
    seen: dict[str, Seen]
    root: Path
    env: dict[str, str]

    def run(self, *args: str, input: str | None = None) -> Result:
        return cli(*args, str(self.root), env=self.env, input=input)

    def users(self, name: str) -> list[str]:
        server = self.sandbox if name == "sandbox" else self.production
        return sorted(u["userName"] for u in server.store.list_users()[0])

    def groups(self, name: str) -> list[str]:
        server = self.sandbox if name == "sandbox" else self.production
        return sorted(g["displayName"] for g in server.store.list_groups(limit=100)[0])


def settings(sandbox: str, production: str, extra: str = "") -> str:
    return textwrap.dedent(f"""\
        ownership: {{prune: true}}
        safety: {{max_delete_pct: 10, min_existing: 2}}
        targets:
          sandbox:
            url: {sandbox}
            token: env:SCIM_TOKEN_SANDBOX
          production:
            url: {production}
            token: env:SCIM_TOKEN_PRODUCTION
        {extra}""")


@pytest.fixture
def org(scim_server_factory: Any, tmp_path: Path) -> Org:
    seen = {"sandbox": Seen(), "production": Seen()}
    sandbox = scim_server_factory(wrap=seen["sandbox"].wrap)
    production = scim_server_factory(wrap=seen["production"].wrap)
    root = tmp_path / "config"
    root.mkdir()
    (root / "scimform.yaml").write_text(settings(sandbox.url, production.url), encoding="utf-8")
    (root / "people.yaml").write_text(textwrap.dedent(PEOPLE), encoding="utf-8")
    env = {"SCIM_TOKEN_SANDBOX": sandbox.token, "SCIM_TOKEN_PRODUCTION": production.token}
    return Org(sandbox, production, seen, root, env)


def test_each_target_is_planned_and_applied_against_its_own_store_with_its_own_token(
    org: Org,
) -> None:
    planned = org.run("plan")
    assert planned.exit_code == 2, planned.output
    assert "== target sandbox:" in planned.stdout and "== target production:" in planned.stdout
    sandbox_part, production_part = planned.stdout.split("== target production:")
    assert 'user "sam@corp.example" will be created' in sandbox_part
    assert "sam@corp.example" not in production_part
    applied = org.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert org.users("sandbox") == ["alice@corp.example", "sam@corp.example"]
    assert org.groups("sandbox") == ["admins", "testers"]
    # A user (and a group) only in sandbox never reaches production.
    assert org.users("production") == ["alice@corp.example"]
    assert org.groups("production") == ["admins"]
    assert org.seen["sandbox"].tokens == {org.sandbox.token}
    assert org.seen["production"].tokens == {org.production.token}
    again = org.run("plan")
    assert again.exit_code == 0, again.output


def test_target_selects_which_targets_are_planned_and_applied(org: Org) -> None:
    planned = org.run("plan", "--target", "production")
    assert planned.exit_code == 2, planned.output
    assert "== target production:" in planned.stdout and "sandbox" not in planned.stdout
    assert org.seen["sandbox"].tokens == set()
    applied = org.run("apply", "--auto-approve", "--target", "sandbox")
    assert applied.exit_code == 0, applied.output
    assert org.users("sandbox") == ["alice@corp.example", "sam@corp.example"]
    assert org.users("production") == []
    assert org.seen["production"].tokens == {org.production.token}  # only the plan above


def test_json_is_one_document_holding_each_targets_plan(org: Org) -> None:
    result = org.run("plan", "--json")
    assert result.exit_code == 2, result.output
    document = json.loads(result.stdout)
    assert document["format"] == "scimform-plans"
    assert list(document["targets"]) == ["sandbox", "production"]
    assert document["targets"]["sandbox"]["summary"]["add"] == 4
    assert document["targets"]["production"]["summary"]["add"] == 2
    assert document["errors"] == {}


def test_markdown_has_a_section_per_target(org: Org) -> None:
    result = org.run("plan", "--format", "markdown")
    assert result.exit_code == 2, result.output
    assert "### scimform plan: target `sandbox`" in result.stdout
    assert "### scimform plan: target `production`" in result.stdout


def _crowd(server: Any, count: int) -> None:
    people = [
        User(f"old{n}@corp.example", "Old", "Timer", f"Old {n}", external_id=f"e-old{n}")
        for n in range(count)
    ]
    load_org(server.store, people, [])


def test_the_exit_status_rolls_up_to_unsafe_and_nothing_changes_anywhere(org: Org) -> None:
    _crowd(org.production, 5)  # prune would delete all five: over max_delete_pct
    planned = org.run("plan")
    assert planned.exit_code == 3, planned.output
    applied = org.run("apply", "--auto-approve")
    assert applied.exit_code == 3, applied.output
    assert "Target production: the plan exceeds the safety thresholds" in applied.stdout
    assert org.users("sandbox") == []
    assert len(org.users("production")) == 5
    forced = org.run("apply", "--auto-approve", "--force")
    assert forced.exit_code == 0, forced.output
    assert org.users("production") == ["alice@corp.example"]


def test_a_target_that_cannot_be_planned_is_an_error_and_the_others_are_shown(org: Org) -> None:
    org.env["SCIM_TOKEN_PRODUCTION"] = "not-the-token"
    planned = org.run("plan")
    assert planned.exit_code == 1, planned.output
    assert "== target sandbox:" in planned.stdout
    assert "Error: " in planned.stdout.split("== target production:")[1]
    applied = org.run("apply", "--auto-approve")
    assert applied.exit_code == 1, applied.output
    assert "nothing was applied to any target" in applied.stderr
    assert org.users("sandbox") == []


def test_a_saved_plan_applies_only_to_the_targets_it_holds(org: Org, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    planned = org.run("plan", "--target", "sandbox", "--out", str(saved))
    assert planned.exit_code == 2, planned.output
    missing = org.run("apply", "--plan", str(saved), "--target", "production")
    assert missing.exit_code == 1, missing.output
    assert 'holds no plan for target "production"' in missing.stderr
    assert org.users("production") == [] and org.users("sandbox") == []
    applied = org.run("apply", "--plan", str(saved))
    assert applied.exit_code == 0, applied.output
    assert org.users("sandbox") == ["alice@corp.example", "sam@corp.example"]
    assert org.users("production") == []
    assert org.seen["production"].tokens == set()


def test_audit_records_name_the_target(org: Org) -> None:
    applied = org.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    lines = (org.root / ".scimform" / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    begins = [json.loads(line) for line in lines if '"type":"begin"' in line]
    assert [b["target_name"] for b in begins] == ["sandbox", "production"]
    assert begins[1]["target"] == org.production.url


def test_an_unknown_target_name_is_an_error_at_file_line_and_nothing_changes(org: Org) -> None:
    people = (org.root / "people.yaml").read_text(encoding="utf-8")
    (org.root / "people.yaml").write_text(people.replace("[sandbox]}", "[sandbx]}", 1))
    for command in (("plan",), ("apply", "--auto-approve")):
        result = org.run(*command)
        assert result.exit_code == 1, result.output
        assert "people.yaml:5:" in result.stderr and "targets.unknown" in result.stderr
        assert 'did you mean "sandbox"' in result.stderr
    assert org.users("sandbox") == [] and org.users("production") == []
    assert org.seen["sandbox"].tokens == set() and org.seen["production"].tokens == set()


def test_an_unknown_target_option_is_an_error_and_nothing_changes(org: Org) -> None:
    result = org.run("apply", "--auto-approve", "--target", "prod")
    assert result.exit_code == 1, result.output
    assert 'no target "prod"' in result.stderr and 'did you mean "production"' in result.stderr
    assert org.users("production") == [] and org.seen["production"].tokens == set()


def test_a_single_target_config_answers_to_default_and_refuses_a_document_of_several(
    org: Org, tmp_path: Path
) -> None:
    saved = tmp_path / "plans.json"
    assert org.run("plan", "--out", str(saved)).exit_code == 2
    (org.root / "scimform.yaml").write_text(
        f"target: {{url: {org.sandbox.url}, token: env:SCIM_TOKEN_SANDBOX}}\n", encoding="utf-8"
    )
    (org.root / "people.yaml").write_text(
        textwrap.dedent(PEOPLE).replace("targets: [sandbox]", "targets: [default]")
    )
    planned = org.run("plan", "--target", "default")
    assert planned.exit_code == 2, planned.output
    assert "== target" not in planned.stdout
    refused = org.run("apply", "--plan", str(saved))
    assert refused.exit_code == 1, refused.output
    assert "holds the plans of several targets" in refused.stderr
    assert org.users("sandbox") == []


def test_a_signed_plan_moved_under_another_targets_name_is_refused(
    org: Org, tmp_path: Path
) -> None:
    org.env["SCIMFORM_PLAN_KEY"] = "a-key-for-plans"
    saved = tmp_path / "plans.json"
    assert org.run("plan", "--out", str(saved)).exit_code == 2
    document = json.loads(saved.read_text(encoding="utf-8"))
    targets = document["targets"]
    # Both stores are empty, so the fingerprints match: only the signature tells them apart.
    document["targets"] = {"sandbox": targets["production"], "production": targets["sandbox"]}
    saved.write_text(json.dumps(document), encoding="utf-8")
    refused = org.run("apply", "--plan", str(saved))
    assert refused.exit_code == 1, refused.output
    assert "target sandbox" in refused.stderr and "nothing was applied" in refused.stderr
    assert org.users("sandbox") == [] and org.users("production") == []


def test_audit_show_names_the_target_of_each_apply(org: Org) -> None:
    assert org.run("apply", "--auto-approve").exit_code == 0
    shown = org.run("audit", "show")
    assert shown.exit_code == 0, shown.output
    assert f"-> sandbox: {org.sandbox.url}" in shown.stdout
    assert f"-> production: {org.production.url}" in shown.stdout


def test_every_target_goes_through_the_destination_rules(org: Org) -> None:
    text = (org.root / "scimform.yaml").read_text(encoding="utf-8")
    moved = text.replace(org.production.url, "https://scim.example.net/t/scim/v2")
    (org.root / "scimform.yaml").write_text(moved, encoding="utf-8")
    refused = org.run("plan")
    assert refused.exit_code == 1, refused.output
    assert "Error (target production): target.url names a host that is not" in refused.stderr
    assert "no token is sent to it" in refused.stdout.split("== target production:")[1]
    applied = org.run("apply", "--auto-approve")
    assert applied.exit_code == 1 and "nothing was applied to any target" in applied.stderr
    assert org.users("sandbox") == []
    allowed = cli("plan", "--allow-host", "scim.example.net", "--target", "sandbox",
                  str(org.root), env=org.env)  # fmt: skip
    assert allowed.exit_code == 2, allowed.output
