"""Every workflow (the project's CI and release, the reusable scimform workflows, the example
callers) and the action itself pass actionlint (with shellcheck over the `run:` scripts) and
zizmor's offline audit in both its auditor and pedantic personas, and keep the rules the
linters do not check: least privilege per job, pinned actions, no expressions in scripts,
the SCIM token only where scimform needs it, scimform installed only from the pinned
commit with hash-checked dependencies."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REUSABLE = sorted((ROOT / ".github" / "workflows").glob("scimform-*.yml"))
EVERY = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted(
    (ROOT / "examples" / "github").glob("*.yml")
)
ACTION = ROOT / "action.yml"
_CALLER = re.compile(r"^OWNER/scimform/\.github/workflows/(scimform-\w+\.yml)@([0-9a-f]{40})$")
BIN = Path(sys.executable).parent
_PINNED = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$")
_BAD = """name: bad
on: pull_request
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    # shellcheck on PATH makes actionlint check every `run:` script too.
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(ROOT)}
    command = [tool("actionlint"), "-shellcheck", tool("shellcheck"), *map(str, paths)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def zizmor(*paths: Path, persona: str = "auditor") -> subprocess.CompletedProcess[str]:
    # auditor: every audit, false positives included; offline: no network, no token.
    command = [tool("zizmor"), "--offline", "--persona", persona, "--strict-collection"]
    command += ["--no-progress", "--color", "never", *map(str, paths)]
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(ROOT)}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def load(path: Path) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return spec


def test_there_are_workflows_to_check() -> None:
    names = [p.name for p in EVERY]
    assert names.count("scimform-plan.yml") == names.count("scimform-apply.yml") == 2
    assert names.count("scimform-drift.yml") == 2 and "ci.yml" in names
    assert "release.yml" in names and ACTION.is_file()


def test_actionlint_finds_nothing() -> None:
    result = actionlint(*EVERY)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("persona", ["auditor", "pedantic"])
def test_zizmor_finds_nothing(persona: str) -> None:
    result = zizmor(*EVERY, ACTION, persona=persona)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_the_linters_do_report_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(_BAD, encoding="utf-8")
    linted = actionlint(bad)
    assert linted.returncode == 1 and "github.event.pull_request.title" in linted.stdout
    audited = zizmor(bad)
    assert audited.returncode != 0
    assert "template-injection" in audited.stdout and "unpinned-uses" in audited.stdout


@pytest.mark.parametrize("path", EVERY, ids=lambda p: str(p.relative_to(ROOT)))
def test_least_privilege_and_pinned_actions(path: Path) -> None:
    spec = load(path)
    assert spec.get("permissions") in ({}, {"contents": "read"}), "top level: none or read"
    for name, job in spec["jobs"].items():
        assert "permissions" in job, f"job {name} declares no permissions"
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout"):
                assert step["with"]["persist-credentials"] is False
            assert "${{" not in step.get("run", ""), "untrusted input goes through env"
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\s*(- )?uses: [\w-]+/", line):
            assert _PINNED.match(line), f"not pinned to a commit with a version comment: {line}"


@pytest.mark.parametrize("path", REUSABLE, ids=lambda p: p.name)
def test_the_token_reaches_only_the_scimform_plan_and_apply_steps(path: Path) -> None:
    spec = load(path)
    text = path.read_text(encoding="utf-8")
    assert text.count("secrets.SCIM_TOKEN") == sum(
        "SCIM_TOKEN" in step.get("env", {})
        for job in spec["jobs"].values()
        for step in job["steps"]
    )
    for job in spec["jobs"].values():
        assert "SCIM_TOKEN" not in job.get("env", {})
        for step in job["steps"]:
            if "SCIM_TOKEN" in step.get("env", {}):
                assert re.search(r"^scimform (plan|apply) ", step["run"], re.M), step["name"]
                assert "GH_TOKEN" not in step["env"]


def test_two_applies_never_overlap() -> None:
    job = load(ROOT / ".github" / "workflows" / "scimform-apply.yml")["jobs"]["apply"]
    assert job["concurrency"]["cancel-in-progress"] is False
    assert job["concurrency"]["group"].startswith("scimform-apply-")
    # GitHub is read by the gather job; the job with the token reads only the checkout.
    assert job["permissions"] == {"contents": "read"} and job["needs"] == "gather"


@pytest.mark.parametrize("path", REUSABLE, ids=lambda p: p.name)
def test_jobs_with_the_token_take_an_environment_and_the_operators_target(path: Path) -> None:
    spec = load(path)
    inputs = spec[True]["workflow_call"]["inputs"]
    assert inputs["target-url"]["required"] is True and inputs["scimform"]["required"] is True
    assert "scimform-requirement" not in inputs
    for job in spec["jobs"].values():
        if any("SCIM_TOKEN" in step.get("env", {}) for step in job["steps"]):
            assert job["environment"] == "${{ inputs.environment }}"
            ids = [step.get("id") for step in job["steps"]]
            # The target is checked before the token is used.
            assert ids.index("target") < ids.index("plan")


def test_scimform_is_installed_only_from_the_pinned_commit() -> None:
    for path in [*REUSABLE, ACTION]:
        text = path.read_text(encoding="utf-8")
        assert "pip install" not in text and "scimform==" not in text, path
    for path in REUSABLE:
        steps = {
            s.get("id"): s for s in load(path)["jobs"][next(iter(load(path)["jobs"]))]["steps"]
        }
        assert steps["install"]["run"] == ".scimform-action/scripts/action-install"
    script = (ROOT / "scripts" / "action-install").read_text(encoding="utf-8")
    assert (
        "--require-hashes --only-binary ':all:' -r \"$ACTION_PATH/requirements/action.txt\""
        in script
    )
    assert '--no-deps --no-build-isolation --no-index "$ACTION_PATH"' in script
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert action["runs"]["steps"][0]["env"]["ACTION_PATH"] == "${{ github.action_path }}"


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "github").glob("*.yml")))
def test_example_callers_pin_one_commit_and_pass_the_token_explicitly(path: Path) -> None:
    spec = load(path)
    for job in spec["jobs"].values():
        called = _CALLER.match(job["uses"])
        assert called is not None and called.group(1) == path.name, job["uses"]
        assert job["with"]["scimform"] == f"OWNER/scimform@{called.group(2)}"
        assert job["with"]["target-url"] == "${{ vars.SCIMFORM_TARGET_URL }}"
        assert job["with"]["environment"]
        assert job["secrets"] == {"SCIM_TOKEN": "${{ secrets.SCIM_TOKEN }}"}
        reusable = load(ROOT / ".github" / "workflows" / path.name)
        assert set(job["with"]) <= set(reusable[True]["workflow_call"]["inputs"])
