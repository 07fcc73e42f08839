"""target: in scimform.yaml is checked by validate at file:line, with the same rules plan
applies before connecting: what plan refuses, validate reports. Nothing secret is echoed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scimform.cli import main

AWS = "https://scim.us-east-1.amazonaws.com/t/scim/v2"
SECRETISH = "Zq8YpL2mX7vR4kT9wB3nF6hJ1cD5sG0a"


def settings(tmp_path: Path, url: str, token: str = "env:SCIM_TOKEN") -> Path:
    # One key per line, so that the url is on line 2 and the token on line 3.
    (tmp_path / "scimform.yaml").write_text(
        f"target:\n  url: {json.dumps(url)}\n  token: {json.dumps(token)}\n", encoding="utf-8"
    )
    return tmp_path


def validate(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, Any]:
    result = CliRunner().invoke(main, ["validate", "--format", "json", *args, str(root)], env=env)
    return result.exit_code, json.loads(result.output)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("htps://scim.us-east-1.amazonaws.com/t/scim/v2", "settings.target-url"),
        ("scim.us-east-1.amazonaws.com/t/scim/v2", "settings.target-url"),
        ("http://scim.example.com/scim/v2", "settings.target-url"),
        ("https://admin:hunter2@scim.us-east-1.amazonaws.com/t/scim/v2", "settings.target-url"),
        (AWS + "?token=abc", "settings.target-url"),
        (f"https://{'a' * 64}.example.com/scim/v2", "settings.target-url"),
        ("https://attacker.example/x/scim/v2", "settings.target-host"),
        (f"https://{SECRETISH}/scim/v2", "settings.target-host"),
    ],
)
def test_validate_reports_what_plan_refuses_at_the_target_url_line(
    tmp_path: Path, url: str, code: str
) -> None:
    root = settings(tmp_path, url)
    exit_code, report = validate(root)
    assert exit_code == 1
    (found,) = report["diagnostics"]
    assert (found["code"], found["line"], found["severity"]) == (code, 2, "error")
    assert found["file"].endswith("scimform.yaml") and found["hint"]
    shown = json.dumps(report)
    for secret in ("hunter2", SECRETISH, SECRETISH.lower(), "a" * 64):
        assert secret not in shown
    planned = CliRunner().invoke(main, ["plan", str(root)], env={"SCIM_TOKEN": "t" * 40})
    assert planned.exit_code == 1 and "Traceback" not in planned.output
    assert SECRETISH.lower() not in planned.output.lower() and "hunter2" not in planned.output


def test_a_token_reference_with_a_space_is_reported_at_its_line(tmp_path: Path) -> None:
    exit_code, report = validate(settings(tmp_path, AWS, "env:scim token"))
    assert exit_code == 1
    (found,) = report["diagnostics"]
    assert (found["code"], found["line"]) == ("settings.target-token", 3)
    assert "scim token" not in found["message"]


def test_an_allowed_host_is_valid_by_option_or_environment(tmp_path: Path) -> None:
    root = settings(tmp_path, "https://scim.corp.example/x/scim/v2")
    assert validate(root)[0] == 1
    assert validate(root, "--allow-host", "scim.corp.example")[0] == 0
    assert validate(root, env={"SCIMFORM_ALLOWED_HOSTS": "a.example scim.corp.example"})[0] == 0


@pytest.mark.parametrize("url", [AWS, "http://127.0.0.1:8080/t/scim/v2", "local:store.db"])
def test_aws_loopback_and_local_targets_are_valid(tmp_path: Path, url: str) -> None:
    exit_code, report = validate(settings(tmp_path, url))
    assert exit_code == 0 and report["diagnostics"] == []


def test_plan_refuses_a_disallowed_host_in_one_line_without_naming_it(tmp_path: Path) -> None:
    root = settings(tmp_path, f"https://{SECRETISH}.example/scim/v2")
    result = CliRunner().invoke(main, ["plan", str(root)], env={"SCIM_TOKEN": "t" * 40})
    assert result.exit_code == 1
    assert SECRETISH.lower() not in result.output.lower()
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "not an AWS SCIM endpoint" in errors[0]
    assert "--allow-host" in errors[0]
