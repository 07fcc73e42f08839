"""The AWS token path through the real CLI: `plan` (and `apply`) on an AWS target print the
console steps of a due rotation with the token ids, and after the manual rotation
`scimform tokens record` declares the new token so that the next plan is quiet.

No AWS endpoint is reachable here, so the config names a real AWS hostname and every
request to it is carried to a real `scimform serve` app on 127.0.0.1 (same tenant, same
path); everything else (the CLI, the SCIM client, the server) is the real thing. The
token-api side of AWS (there is none) is what makes the target "AWS"; the hostname alone
decides it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from scimform_cli import cli

AWS_HOST = "scim.eu-west-1.amazonaws.com"


class _ToLoopback(httpx.HTTPTransport):
    """Sends requests for the AWS host to the test server instead, under its mount."""

    def __init__(self, server_root: httpx.URL) -> None:
        super().__init__()
        self.root = server_root

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == AWS_HOST, request.url
        request.url = request.url.copy_with(
            scheme=self.root.scheme,
            host=self.root.host,
            port=self.root.port,
            path=self.root.path.rstrip("/") + request.url.path,
        )
        request.headers["Host"] = f"{self.root.host}:{self.root.port}"
        return super().handle_request(request)


@pytest.fixture
def aws(scim_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    """An AWS SCIM URL whose requests reach `scim_server`; yields (url, server)."""
    real_client = httpx.Client
    root = httpx.URL(scim_server.root)

    def client(*args: Any, **kwargs: Any) -> httpx.Client:
        base = kwargs.get("base_url")
        if base is not None and httpx.URL(str(base)).host == AWS_HOST:
            kwargs["transport"] = _ToLoopback(root)
        return real_client(*args, **kwargs)

    monkeypatch.setattr(httpx, "Client", client)
    tenant = scim_server.url.split("/")[-3]
    yield f"https://{AWS_HOST}/{tenant}/scim/v2", scim_server


def write_config(root: Path, url: str, token_id: str, created: str, expires: str) -> None:
    root.mkdir(exist_ok=True)
    (root / "scimform.yaml").write_text(f"target:\n  url: {url}\n  token: env:SCIM_TOKEN\n")
    (root / "tokens.yaml").write_text(
        "# Our SCIM tokens.\ntokens:\n  warn_before_expiry: 60d  # two months\n"
        "  rotate_before_expiry: 30d\n  expected:\n"
        "    # the token CI uses\n"
        f"    - {{id: {token_id}, created: {created}, expires: {expires}, used_by: ci}}\n"
    )


def run(*args: str, token: str) -> Result:
    result = cli(*args, env={"SCIM_TOKEN": token}, secrets=(token,))
    assert "Traceback" not in result.output
    return result


def test_plan_on_aws_prints_the_console_steps_and_record_quiets_it(
    aws: tuple[str, Any], tmp_path: Path
) -> None:
    url, server = aws
    today = datetime.now(UTC).date()
    created, expires = today - timedelta(days=350), today + timedelta(days=15)
    root = tmp_path / "config"
    write_config(root, url, "old-token-1111", str(created), str(expires))

    plan = run("plan", str(root), token=server.token)
    assert plan.exit_code == 0, plan.output  # AWS: nothing for apply to do about tokens
    assert "Read the live state" in plan.stderr  # it did read the (rerouted) store
    assert "Rotation of token old-token-1111 is due. AWS has no token API" in plan.stdout
    assert "    1. In the IAM Identity Center console" in plan.stdout
    assert "find token old-token-1111 (used by ci)" in plan.stdout
    assert "--replaces old-token-1111 --used-by ci" in plan.stdout
    assert "in 15 days: rotation is due" in plan.stdout
    # The steps name no token API and change nothing on the target.
    assert "--token-sink" not in plan.stdout and "--admin-key-file" not in plan.stdout
    assert len(server.store.list_tokens()) == 1

    # apply shows the same steps (it plans first) and does nothing to any token.
    apply = run("apply", str(root), "--auto-approve", token=server.token)
    assert apply.exit_code == 0, apply.output
    assert "1. In the IAM Identity Center console" in apply.output
    assert len(server.store.list_tokens()) == 1

    # After the manual rotation, record the new token: the plan no longer asks for one.
    record = run(
        "tokens", "record", str(root), "--id", "new-token-2222", "--created", str(today),
        "--replaces", "old-token-1111", token=server.token,
    )  # fmt: skip
    assert record.exit_code == 0, record.output
    text = (root / "tokens.yaml").read_text()
    assert "new-token-2222" in text and "old-token-1111" not in text
    assert "# the token CI uses" in text and "# two months" in text
    assert f"expires: {today + timedelta(days=365)}" in text and "used_by: ci" in text
    quiet = run("plan", str(root), token=server.token)
    assert quiet.exit_code == 0, quiet.output
    assert "Rotation of token" not in quiet.stdout and "Token warning" not in quiet.stdout


def test_an_expired_token_on_aws_fails_the_plan_with_the_console_steps(
    aws: tuple[str, Any], tmp_path: Path
) -> None:
    url, server = aws
    today = datetime.now(UTC).date()
    root = tmp_path / "config"
    write_config(root, url, "old-1", str(today - timedelta(days=370)), str(today - timedelta(5)))
    plan = run("plan", str(root), token=server.token)
    assert plan.exit_code == 1
    assert "token old-1 (used by ci) expired on" in plan.output and "5 days ago" in plan.output
    assert "1. In the IAM Identity Center console" in plan.stdout


def test_a_refused_token_on_aws_is_one_clear_line(aws: tuple[str, Any], tmp_path: Path) -> None:
    url, _ = aws
    today = datetime.now(UTC).date()
    root = tmp_path / "config"
    write_config(root, url, "old-1", str(today), str(today + timedelta(days=365)))
    wrong = "w" * 600
    plan = run("plan", str(root), token=wrong)
    assert plan.exit_code == 1 and plan.stdout == ""
    errors = [line for line in plan.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert "the SCIM token was refused: it is expired, deleted or wrong" in errors[0]
    assert "target.token (env:SCIM_TOKEN)" in errors[0]


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (("--expires", "2026-01-31"), "not after its creation on 2026-02-01"),
        (("--expires", "2027-02-02"), "more than a year after its creation on 2026-02-01"),
    ],
)
def test_record_refuses_dates_validate_would_refuse_and_writes_nothing(
    tmp_path: Path, options: tuple[str, ...], said: str
) -> None:
    write_config(tmp_path, "local:store.db", "old-1", "2025-03-01", "2026-03-01")
    before = (tmp_path / "tokens.yaml").read_text()
    args = ("tokens", "record", str(tmp_path), "--id", "new-1", "--created", "2026-02-01")
    result = run(*args, "--replaces", "old-1", *options, token="unused-token-value")
    assert result.exit_code == 1
    assert said in result.stderr and "nothing was written" in result.stderr
    assert (tmp_path / "tokens.yaml").read_text() == before
    assert cli("validate", str(tmp_path)).exit_code == 0


def test_record_refuses_a_token_pasted_as_the_id_and_never_shows_it(tmp_path: Path) -> None:
    write_config(tmp_path, "local:store.db", "old-1", "2025-03-01", "2026-03-01")
    before = (tmp_path / "tokens.yaml").read_text()
    secret = "Vb1A84t8OTmRyRVR3V7UnF08QFrueFCz" * 18  # as long as a real AWS token
    args = ("tokens", "record", str(tmp_path), "--id", secret, "--created", "2026-02-01")
    result = run(*args, "--replaces", "old-1", token=secret)  # run() checks it is not shown
    assert result.exit_code == 1
    assert "it looks like the token itself; nothing was written" in result.stderr
    assert (tmp_path / "tokens.yaml").read_text() == before


ADMIN_KEY = "admin-key-" + "q" * 30


@pytest.fixture
def served(scim_server_factory: Any, tmp_path: Path) -> tuple[Path, Any, Path]:
    """A config reading its token from config/scim.token, served with the admin API on."""
    server = scim_server_factory(admin_key=ADMIN_KEY)
    root = tmp_path / "config"
    (old,) = server.store.list_tokens()
    write_config(root, server.url, old.id, str(old.created.date()), str(old.expires.date()))
    (root / "scimform.yaml").write_text(f"target:\n  url: {server.url}\n  token: file:scim.token\n")
    (root / "scim.token").write_text(server.token + "\n")
    (tmp_path / "admin.key").write_text(ADMIN_KEY + "\n")
    return root, server, tmp_path / "admin.key"


@pytest.mark.parametrize("how", ["tokens rotate", "apply"])
def test_a_rotation_whose_sink_is_not_the_configs_token_says_so(
    served: tuple[Path, Any, Path], tmp_path: Path, how: str
) -> None:
    root, server, key = served
    elsewhere = tmp_path / "elsewhere.token"
    sink = ("--token-sink", f"file:{elsewhere}", "--admin-key-file", str(key))
    if how == "apply":
        (root / "tokens.yaml").write_text(
            (root / "tokens.yaml")
            .read_text()
            .replace("rotate_before_expiry: 30d", "rotate_before_expiry: 365d")
        )
        result = run("apply", str(root), "--auto-approve", *sink, token=server.token)
    else:
        result = run("tokens", "rotate", str(root), *sink, token=server.token)
    assert result.exit_code == 0, result.output
    secret = elsewhere.read_text().strip()
    assert secret not in result.output
    assert "Warning: target.token (file:scim.token) still gives the old token, which is now " in (
        result.stderr
    )
    assert f"the new token went to the file {elsewhere}" in result.stderr
    # Put right, the next plan works and nothing is said.
    (root / "scim.token").write_text(secret + "\n")
    assert run("plan", str(root), token=secret).exit_code in (0, 2)


def test_a_rotation_into_the_configs_token_file_says_nothing_more(
    served: tuple[Path, Any, Path],
) -> None:
    root, server, key = served
    sink = ("--token-sink", f"file:{root / 'scim.token'}", "--admin-key-file", str(key))
    result = run("tokens", "rotate", str(root), *sink, token=server.token)
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output and "Rotated token" in result.stdout
    secret = (root / "scim.token").read_text().strip()
    assert secret != server.token and secret not in result.output
    assert run("plan", str(root), token=secret).exit_code == 0


def test_a_wrong_tenant_is_named_as_a_possible_cause(aws: tuple[str, Any], tmp_path: Path) -> None:
    url, server = aws
    tenant = url.split("/")[-3]
    wrong_tenant = url.replace(tenant, "00000000-aaaa-bbbb-cccc-000000000000")
    today = datetime.now(UTC).date()
    root = tmp_path / "config"
    write_config(root, wrong_tenant, "old-1", str(today), str(today + timedelta(days=365)))
    plan = run("plan", str(root), token=server.token)  # the right token, the wrong tenant
    assert plan.exit_code == 1
    (error,) = [line for line in plan.stderr.splitlines() if line.startswith("Error:")]
    assert "or the tenant id in the URL is not the one the token belongs to" in error
    assert "that the URL's tenant id is the console's" in error
