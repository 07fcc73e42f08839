"""The SCIM token reference: read from env: or file:, checked before any request is made."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from scimform_cli import cli

from scimform.backends.auth import resolve_token
from scimform.errors import TargetError

SECRET = "AbCdEf0123456789-secret.token_value"
BAD_TOKENS = {
    "second line": SECRET + "\nsomething else\n",
    "space inside": SECRET[:10] + " " + SECRET[10:],
    "tab inside": SECRET[:10] + "\t" + SECRET[10:],
    "control character": SECRET[:10] + "\x07" + SECRET[10:],
    "non-ASCII": SECRET[:10] + "é" + SECRET[10:],
    "zero-width space": SECRET[:10] + "\u200b" + SECRET[10:],
}


@pytest.mark.parametrize("text", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_token_file_with_characters_a_token_cannot_have(tmp_path: Path, text: str) -> None:
    (tmp_path / "token.txt").write_text(text, encoding="utf-8")
    with pytest.raises(TargetError) as caught:
        resolve_token("file:token.txt", tmp_path, {})
    message = str(caught.value)
    assert "the token has characters a token cannot have" in message
    assert "token.txt" in message
    assert SECRET[:8] not in message and "something" not in message


@pytest.mark.parametrize("text", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_an_env_token_with_characters_a_token_cannot_have(tmp_path: Path, text: str) -> None:
    with pytest.raises(TargetError) as caught:
        resolve_token("env:SCIM_TOKEN", tmp_path, {"SCIM_TOKEN": text})
    message = str(caught.value)
    assert "the token has characters a token cannot have" in message
    assert "SCIM_TOKEN" in message and SECRET[:8] not in message


def test_surrounding_whitespace_is_not_part_of_the_token(tmp_path: Path) -> None:
    (tmp_path / "token.txt").write_text(f"  {SECRET}\n\n", encoding="utf-8")
    assert resolve_token("file:token.txt", tmp_path, {}) == SECRET
    assert resolve_token("env:T", tmp_path, {"T": f"{SECRET}\n"}) == SECRET


def test_plan_with_a_two_line_token_file_fails_at_once(scim_server: Any, tmp_path: Path) -> None:
    """Before: 14 s of retries, then "connection dropped". Now: one error, no request."""
    token_file = tmp_path / "token.txt"
    token_file.write_text(f"{scim_server.token}\n# rotated 2026-11-01\n", encoding="utf-8")
    settings = {"target": {"url": scim_server.url, "token": "file:token.txt"}}
    (tmp_path / "scimform.yaml").write_text(json.dumps(settings), encoding="utf-8")
    started = time.monotonic()
    result = cli("plan", str(tmp_path), env={"NO_COLOR": "1"})
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "the token has characters a token cannot have" in result.stderr
    assert "connection" not in result.stderr
    assert elapsed < 3, elapsed
    assert scim_server.token not in result.output + result.stderr
    assert "Traceback" not in result.stderr
