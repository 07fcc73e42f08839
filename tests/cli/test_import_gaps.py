"""`scimform import` given the token itself where a reference belongs: refused without ever
echoing it, and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from scimform.cli import main


def test_a_pasted_token_is_refused_and_never_shown(scim_server: Any, tmp_path: Path) -> None:
    out = tmp_path / "imported"
    args = ["import", "--out", str(out), "--target", scim_server.url, "--token", scim_server.token]
    result = CliRunner().invoke(main, args, env={"NO_COLOR": "1"})
    assert result.exit_code == 1
    assert scim_server.token not in result.output
    assert "write env:NAME or file:PATH (never the token itself)" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
