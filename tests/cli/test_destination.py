"""Where the token may go, through the real CLI: a config that points plan, apply, import or
tokens at a host nobody allowed opens no connection to it; a redirect from the endpoint to
another host is an error and that host receives nothing; --allow-host and
SCIMFORM_ALLOWED_HOSTS are the operator's way to allow one."""

from __future__ import annotations

import json
from pathlib import Path

import listener
import pytest
from click.testing import CliRunner, Result
from listener import Listener, redirect_to

from scimform.cli import main

attacker = listener.attacker  # the fixture

TOKEN = "the-scim-token-" + "k" * 30


def config(root: Path, url: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    settings = {"target": {"url": url, "token": "env:SCIM_TOKEN"}}
    (root / "scimform.yaml").write_text(json.dumps(settings), encoding="utf-8")
    users = {"users": [{"userName": "a@corp.example", "givenName": "A", "familyName": "B",
                        "displayName": "A B", "email": "a@corp.example"}]}  # fmt: skip
    (root / "people.yaml").write_text(json.dumps(users), encoding="utf-8")
    return root


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env={"SCIM_TOKEN": TOKEN} | (env or {}))
    assert "Traceback" not in result.output and TOKEN not in result.output
    return result


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_config_pointing_at_another_host_sends_nothing(
    attacker: Listener, tmp_path: Path, command: str
) -> None:
    root = config(tmp_path / "people", "https://attacker.example/x/scim/v2")
    extra = ["--auto-approve"] if command == "apply" else []
    result = run(command, str(root), *extra)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "not an AWS SCIM endpoint" in errors[0]
    assert "attacker.example" not in result.output
    assert attacker.received == []  # no connection was opened


def test_the_operator_can_allow_a_host_and_only_then_is_it_reached(
    attacker: Listener, tmp_path: Path
) -> None:
    root = config(tmp_path / "people", "https://attacker.example/x/scim/v2")
    result = run("plan", str(root), "--allow-host", "attacker.example")
    assert result.exit_code == 1  # not a SCIM server (no TLS): but it was reached
    assert attacker.received
    by_env = run("plan", str(root), env={"SCIMFORM_ALLOWED_HOSTS": "attacker.example"})
    assert by_env.exit_code == 1 and len(attacker.received) >= 2


def test_import_and_tokens_refuse_another_host_too(attacker: Listener, tmp_path: Path) -> None:
    imported = run(
        "import", "--target", "https://attacker.example/x/scim/v2", "--token", "env:SCIM_TOKEN",
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert imported.exit_code == 1 and "not an AWS SCIM endpoint" in imported.output
    key = tmp_path / "admin.key"
    key.write_text("k" * 32, encoding="utf-8")
    root = config(tmp_path / "people", "https://attacker.example/x/scim/v2")
    (root / "tokens.yaml").write_text(
        'tokens: {expected: [{id: "t1", created: 2026-01-01, expires: 2026-12-31}]}\n', "utf-8"
    )
    status = run("tokens", "status", str(root), "--admin-key-file", str(key))
    assert status.exit_code == 1 and "not an AWS SCIM endpoint" in status.output
    assert attacker.received == []


def test_a_redirect_to_another_host_is_never_followed(tmp_path: Path) -> None:
    with Listener() as elsewhere:
        answer = redirect_to(f"http://localhost:{elsewhere.port}/x/scim/v2/Users")
        with Listener(answer) as endpoint:
            root = config(tmp_path / "people", f"http://127.0.0.1:{endpoint.port}/t/scim/v2")
            result = run("plan", str(root))
            assert result.exit_code == 1
            assert "redirecting to the host localhost" in result.output
            assert "never follows a redirect with the token" in result.output
            assert all(b"Authorization" in r for r in endpoint.received if r)
    assert elsewhere.received == []
