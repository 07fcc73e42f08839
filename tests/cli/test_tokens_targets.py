"""`scimform tokens` with several targets: each target's tokens block checked against its
own store, and rotation that must be told which target's token."""

from __future__ import annotations

import textwrap
from pathlib import Path

from scimform_cli import cli

from scimform.store import Store

SETTINGS = """\
    targets:
      sandbox: {url: "local:sandbox.db"}
      production: {url: "local:production.db"}
"""


def _config(root: Path, production_token: str) -> Path:
    (root / "scimform.yaml").write_text(textwrap.dedent(SETTINGS), encoding="utf-8")
    (root / "tokens.yaml").write_text(
        textwrap.dedent(f"""\
            tokens:
              target: production
              expected:
                - {{id: {production_token}, created: 2026-11-01, expires: 2027-11-01}}
            """),
        encoding="utf-8",
    )
    return root


def test_status_checks_each_targets_block_against_its_own_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "production.db") as store:
        made = store.enable_provisioning()
        assert made is not None
        live_id = made[0].id
    with Store.open(tmp_path / "sandbox.db") as store:
        assert store.enable_provisioning() is not None
    result = cli("tokens", "status", str(_config(tmp_path, live_id)))
    assert result.exit_code == 0, result.output
    sandbox, production = result.stdout.split("== target production ==")
    assert "no tokens are declared" in sandbox
    assert f"token {live_id}" in production and "error" not in production
    # The sandbox store's token is not production's: declared for sandbox, it is missing.
    only = cli("tokens", "status", "--target", "sandbox", str(tmp_path))
    assert "== target sandbox ==" in only.stdout and "production" not in only.stdout


def test_a_token_missing_from_its_targets_store_is_an_error(tmp_path: Path) -> None:
    with Store.open(tmp_path / "production.db") as store:
        assert store.enable_provisioning() is not None
    result = cli("tokens", "status", "--target", "production", str(_config(tmp_path, "gone-1")))
    assert result.exit_code == 1, result.output
    assert "token gone-1 is declared but the target has no such token" in result.stdout


def test_rotate_needs_to_know_whose_token(tmp_path: Path) -> None:
    result = cli("tokens", "rotate", "--token-sink", "file:t", str(_config(tmp_path, "p-1")))
    assert result.exit_code == 1, result.output  # usage errors exit 1 in scimform
    assert "say whose token with --target NAME" in result.stderr
