"""The workflows' side of several targets, unit by unit: the operator's URL per target
(`ci check-target`), facts tagged with their target, the drift issue of several targets,
and SCIMFORM_TOKENS, the one secret that carries every target's token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scimform_cli import cli

from scimform.ci.drift import decide_drift
from scimform.ci.facts import describe, plan_facts, subject
from scimform.ci.targets import operator_urls, set_facts
from scimform.engine.plan import make_plan
from scimform.engine.plan_set import PlanSet
from scimform.engine.policy import Ownership, Safety
from scimform.errors import ScimformError, TargetError
from scimform.model import DesiredState, LiveState, User
from scimform.token_variables import token_variables, with_token_variables

SANDBOX = "https://scim.eu-west-1.amazonaws.com/sandbox-1/scim/v2"
PRODUCTION = "https://scim.eu-west-1.amazonaws.com/production-1/scim/v2"
ALICE = User("alice@corp.example", "Alice", "L", "Alice L", email="alice@corp.example")


def _plans(sandbox: list[User], production: list[User]) -> PlanSet:
    def plan(users: list[User]) -> object:
        return make_plan(DesiredState(users=tuple(users)), LiveState(), Ownership(), Safety())

    return PlanSet(targets={"sandbox": plan(sandbox), "production": plan(production)})  # type: ignore[dict-item]


def _settings(root: Path, production_url: str = PRODUCTION) -> Path:
    (root / "scimform.yaml").write_text(
        f"targets:\n  sandbox: {{url: '{SANDBOX}'}}\n  production: {{url: '{production_url}'}}\n",
        encoding="utf-8",
    )
    return root


def test_operator_urls_need_a_line_per_target() -> None:
    assert operator_urls(SANDBOX, ["sandbox"]) == {"sandbox": SANDBOX}
    both = operator_urls(f"sandbox={SANDBOX}\nproduction={PRODUCTION}\n", ["sandbox", "production"])
    assert both == {"sandbox": SANDBOX, "production": PRODUCTION}
    with pytest.raises(ScimformError, match="one NAME=URL line per target"):
        operator_urls(SANDBOX, ["sandbox", "production"])
    with pytest.raises(ScimformError, match="no URL for target production"):
        operator_urls(f"sandbox={SANDBOX}", ["sandbox", "production"])


def test_check_target_checks_each_target_planned(tmp_path: Path) -> None:
    root = _settings(tmp_path)
    urls = f"sandbox={SANDBOX}\nproduction={PRODUCTION}"
    ok = cli("ci", "check-target", "--directory", str(root), "--target-url", urls)
    assert ok.exit_code == 0, ok.output
    assert "targets.production.url is the operator's target" in ok.output
    one = cli("ci", "check-target", "--directory", str(root), "--target-url", SANDBOX,
              "--target", "sandbox")  # fmt: skip
    assert one.exit_code == 0, one.output
    moved = _settings(tmp_path, SANDBOX.replace("sandbox-1", "elsewhere"))
    refused = cli("ci", "check-target", "--directory", str(moved), "--target-url", urls)
    assert refused.exit_code == 1
    assert "targets.production.url in" in refused.output and "elsewhere" not in refused.output
    short = cli("ci", "check-target", "--directory", str(root), "--target-url", SANDBOX)
    assert short.exit_code == 1 and "one NAME=URL line per target" in short.output


def test_facts_name_their_target_so_one_targets_review_does_not_cover_another() -> None:
    plans = _plans([ALICE], [ALICE])
    facts = set_facts(plans)
    (plain,) = plan_facts(plans.targets["sandbox"])
    assert len(facts) == 2 and plain not in facts
    assert [describe(f).split(":")[0] for f in facts] == ["production", "sandbox"]
    assert subject(facts[1]) == 'sandbox: user "alice@corp.example"'


def test_drift_of_several_targets_shows_a_section_each() -> None:
    decision = decide_drift(_plans([], [ALICE]), [], "people", author="bot", commit="abc")
    assert decision.action.value == "open"
    assert "### scimform plan: target `production`" in decision.body
    calm = decide_drift(_plans([], []), [], "people", author="bot", commit="abc")
    assert calm.action.value == "none"


def test_scimform_tokens_fill_in_the_variables_a_target_names() -> None:
    environ = {"SCIMFORM_TOKENS": "# tokens\nSCIM_TOKEN_A=aaa\n\nSCIM_TOKEN_B=bbb\n"}
    assert with_token_variables(environ)["SCIM_TOKEN_B"] == "bbb"
    assert with_token_variables(environ | {"SCIM_TOKEN_A": "set"})["SCIM_TOKEN_A"] == "set"
    with pytest.raises(TargetError, match="line 2 of SCIMFORM_TOKENS") as raised:
        token_variables("SCIM_TOKEN_A=aaa\nPATH=secret-value")
    assert "secret-value" not in str(raised.value)


def test_plan_reads_each_targets_token_from_scimform_tokens(
    tmp_path: Path, scim_server_factory: object
) -> None:
    servers = [scim_server_factory() for _ in range(2)]  # type: ignore[operator]
    (tmp_path / "scimform.yaml").write_text(
        "targets:\n"
        + "".join(
            f"  {name}: {{url: '{s.url}', token: env:SCIM_TOKEN_{name.upper()}}}\n"
            for name, s in zip(("sandbox", "production"), servers, strict=True)
        ),
        encoding="utf-8",
    )
    (tmp_path / "people.yaml").write_text("users: []\n", encoding="utf-8")
    lines = f"SCIM_TOKEN_SANDBOX={servers[0].token}\nSCIM_TOKEN_PRODUCTION={servers[1].token}"
    tokens = [s.token for s in servers]
    result = cli("plan", "--json", str(tmp_path), env={"SCIMFORM_TOKENS": lines}, secrets=tokens)
    assert result.exit_code == 0, result.output
    assert list(json.loads(result.stdout)["targets"]) == ["sandbox", "production"]
