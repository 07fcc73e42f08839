"""A consumer repository set up as the README's adoption steps say installs scimform from
the pinned scimform checkout with no package index at all, then plans and applies against
`scimform serve` through the reusable workflows' own scripts, install step included.

Offline stand-in for the index: the runner's Python is a fresh virtualenv that sees this
one's installed dependencies (the very versions requirements/action.txt pins; see
tests/test_action.py) through a .pth file, and every pip call runs with PIP_NO_INDEX=1 and
no pip config, so `pip install --require-hashes -r requirements/action.txt` finds them all
satisfied and scimform itself can only come from the checkout.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from workflow_repo import Repo, branch_file, git_origin, person, write_config

from scimform.store.seed import load_org

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = "0123456789abcdef0123456789abcdef01234567"
ADOPTED = "fedcba9876543210fedcba9876543210fedcba98"


def the_scimform_checkout(path: Path) -> Path:
    """The scimform repository's files at the pinned commit, as actions/checkout lays them."""
    path.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "README.md", "action.yml"):
        shutil.copy(ROOT / name, path / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("src", "requirements", "scripts", ".github"):
        shutil.copytree(ROOT / name, path / name, ignore=ignore)
    return path


def a_python_without_scimform(root: Path) -> Path:
    """A virtualenv that sees this one's installed dependencies but not scimform."""
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=120)
    purelib = sysconfig.get_paths()["purelib"]
    site = next((root / "lib").glob("python*/site-packages"))
    (site / "offline-index.pth").write_text(purelib + "\n", encoding="utf-8")
    python = root / "bin" / "python"
    absent = subprocess.run([str(python), "-c", "import scimform"], capture_output=True)
    assert absent.returncode != 0, "the test's Python must not have scimform yet"
    return root / "bin"


def readme_adoption(callers: Path) -> None:
    """Step 1 of the README's adoption: copy the callers and pin them (its sed, here)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sed = re.search(r'sed -i "s\|OWNER/scimform\|your-org/scimform\|g; s\|(\w+)\|\$SHA\|g"', readme)
    assert sed is not None and sed.group(1) == PLACEHOLDER, "the README's pinning step changed"
    callers.mkdir(parents=True)
    for path in sorted((ROOT / "examples" / "github").glob("scimform-*.yml")):
        text = path.read_text(encoding="utf-8")
        text = text.replace("OWNER/scimform", "your-org/scimform").replace(PLACEHOLDER, ADOPTED)
        (callers / path.name).write_text(text, encoding="utf-8")


def caller_inputs(callers: Path, name: str, variables: dict[str, str]) -> dict[str, Any]:
    """What the caller passes to the reusable workflow, `vars.*` resolved."""
    (job,) = yaml.safe_load((callers / name).read_text(encoding="utf-8"))["jobs"].values()
    assert job["uses"] == f"your-org/scimform/.github/workflows/{name}@{ADOPTED}"
    given: dict[str, Any] = {}
    for key, value in job["with"].items():
        found = re.fullmatch(r"\$\{\{ vars\.(\w+) \}\}", str(value))
        if found:
            given[key] = variables[found.group(1)]
        elif "${{" not in str(value):
            given[key] = value
    return given


@pytest.mark.slow
def test_a_consumer_repository_installs_from_the_pin_offline_and_plans_and_applies(
    scim_server: Any, actions: Callable[..., Any], tmp_path: Path
) -> None:
    alice, dave = person("alice@corp.example"), person("dave@corp.example")
    load_org(scim_server.store, [alice], [])
    workspace = tmp_path / "workspace"
    the_scimform_checkout(workspace / ".scimform-action")
    git_origin(tmp_path, workspace)  # the apply reads the audit-log branch of origin
    readme_adoption(workspace / ".github" / "workflows")
    variables = {"SCIMFORM_TARGET_URL": scim_server.url}
    python_bin = a_python_without_scimform(tmp_path / "runner-python")
    offline = {"PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": "/dev/null", "PIP_FIND_LINKS": ""}
    repo = Repo(
        actions,
        scim_server.url,
        scim_server.token,
        options={"python_bin": python_bin, "env": offline},
        inputs=caller_inputs(workspace / ".github" / "workflows", "scimform-plan.yml", variables),
        skip=(),
    )
    assert repo.inputs["scimform"] == f"your-org/scimform@{ADOPTED}"

    _, plan, comment = repo.plan(7, [alice, dave], [alice, dave])
    install = plan.steps["install"]
    assert install.code == 0, install.output
    assert "Installed scimform 0.1.0 from .scimform-action." in install.output
    assert plan.steps["pin"].outputs == {"repository": "your-org/scimform", "ref": ADOPTED}
    assert not plan.failed and plan.outputs["exit-code"] == "2", {
        s.id: s.output for s in plan.steps.values()
    }
    assert not comment.failed and "reviewed=" in repo.comments[7][0]["body"]
    # scimform ran from the runner's Python, installed from the checkout.
    where = subprocess.run(
        [str(python_bin / "python"), "-c", "import scimform; print(scimform.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(python_bin.parent)), where

    repo.merge(7, "2026-12-01T09:00:00Z")
    write_config(workspace, scim_server.url, [alice, dave], [alice, dave])
    apply_inputs = caller_inputs(
        workspace / ".github" / "workflows", "scimform-apply.yml", variables
    )
    applied, job, report = repo.apply(7, apply_inputs)
    assert not job.failed, {s.id: s.output for s in job.steps.values()}
    assert job.steps["install"].code == 0 and job.outputs["outcome"] == "applied"
    # The persist job installs from the same pin and pushes the audit log to its branch.
    persist = actions({}, {}, "persist", run_id=applied.run_id, **repo.options)
    (persist.temp / "scimform" / "audit-log").mkdir(parents=True)
    kept = applied.temp / "scimform" / "audit-log" / "audit.jsonl"
    shutil.copy(kept, persist.temp / "scimform" / "audit-log")
    pushed = persist.run("scimform-apply.yml", "persist", apply_inputs, {"apply": job.outputs}, ())
    assert not pushed.failed, {s.id: s.output for s in pushed.steps.values()}
    assert branch_file(tmp_path / "origin.git", "people/audit.jsonl") == kept.read_bytes()
    users, _ = scim_server.store.list_users()
    assert "dave@corp.example" in {u["userName"] for u in users}
    assert repo.outcomes(7) == ["applied"] and not report.failed
    json.dumps(repo.comments)  # every comment the runs posted is plain JSON
