"""The workflows with several targets: the `target` input reaches `--target`, the tokens
secret (SCIMFORM_TOKENS) reaches only the scimform plan and apply steps, and the example
callers for several targets (examples/github/several-targets/) pass the linters, call the
pinned reusable workflows with inputs and secrets they declare, and apply each target in
its own job with its own environment and token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_workflows import _CALLER, REUSABLE, ROOT, actionlint, load, zizmor

EXAMPLES = sorted((ROOT / "examples" / "github" / "several-targets").glob("*.yml"))


def test_there_are_examples_for_several_targets() -> None:
    assert [p.name for p in EXAMPLES] == ["scimform-apply.yml", "scimform-plan.yml"]


def test_the_examples_pass_the_linters() -> None:
    linted = actionlint(*EXAMPLES)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    audited = zizmor(*EXAMPLES, persona="pedantic")
    assert audited.returncode == 0, audited.stdout + audited.stderr


@pytest.mark.parametrize("path", REUSABLE, ids=lambda p: p.name)
def test_the_tokens_secret_reaches_only_scimform_plan_and_apply(path: Path) -> None:
    spec = load(path)
    assert spec[True]["workflow_call"]["secrets"]["SCIMFORM_TOKENS"]["required"] is False
    found = 0
    for job in spec["jobs"].values():
        for step in job["steps"]:
            env = step.get("env", {})
            if "SCIMFORM_TOKENS" in env:
                found += 1
                assert env["SCIMFORM_TOKENS"] == "${{ secrets.SCIMFORM_TOKENS }}"
                assert "SCIM_TOKEN" in env and "GH_TOKEN" not in env, step["name"]
                assert re.search(r"^scimform (plan|apply) ", step["run"], re.M), step["name"]
    assert found == path.read_text(encoding="utf-8").count("secrets.SCIMFORM_TOKENS") >= 1


@pytest.mark.parametrize("path", [p for p in REUSABLE if "drift" not in p.name], ids=str)
def test_the_target_input_reaches_target(path: Path) -> None:
    spec = load(path)
    assert spec[True]["workflow_call"]["inputs"]["target"]["default"] == ""
    for job in spec["jobs"].values():
        for step in job["steps"]:
            if re.search(r"^scimform (plan|ci check-target) ", step.get("run", ""), re.M):
                assert step["env"].get("TARGET") == "${{ inputs.target }}", step["name"]
                assert '${TARGET:+--target "$TARGET"}' in step["run"], step["name"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_examples_call_the_pinned_workflows_with_what_they_declare(path: Path) -> None:
    spec = load(path)
    reusable = load(ROOT / ".github" / "workflows" / path.name)[True]["workflow_call"]
    for job in spec["jobs"].values():
        called = _CALLER.match(job["uses"])
        assert called is not None and called.group(1) == path.name, job["uses"]
        assert job["with"]["scimform"] == f"OWNER/scimform@{called.group(2)}"
        assert set(job["with"]) <= set(reusable["inputs"])
        assert set(job["secrets"]) == {"SCIMFORM_TOKENS"}


def test_the_apply_example_gives_each_target_its_own_job_environment_and_token() -> None:
    jobs = load(EXAMPLES[0])["jobs"]
    targets = {job["with"]["target"]: job for job in jobs.values()}
    assert set(targets) == {"sandbox", "production"}
    for name, job in targets.items():
        assert job["with"]["environment"] == name
        token = f"SCIM_TOKEN_{name.upper()}"
        assert job["secrets"]["SCIMFORM_TOKENS"] == f"{token}=${{{{ secrets.{token} }}}}"
    plan = load(EXAMPLES[1])["jobs"]["plan"]
    assert "target" not in plan["with"]  # every target, one comment
    lines = plan["secrets"]["SCIMFORM_TOKENS"].splitlines()
    assert [line.split("=")[0] for line in lines] == ["SCIM_TOKEN_SANDBOX", "SCIM_TOKEN_PRODUCTION"]
