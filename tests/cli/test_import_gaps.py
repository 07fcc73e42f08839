"""`scimform import` given the token itself where a reference belongs: refused without ever
echoing it, and nothing is written; an --out that cannot be written is a clear error; and
every message about the target speaks of import's options, not of a scimform.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from scimform.cli import main
from scimform.store import Store


def test_a_pasted_token_is_refused_and_never_shown(scim_server: Any, tmp_path: Path) -> None:
    out = tmp_path / "imported"
    args = ["import", "--out", str(out), "--target", scim_server.url, "--token", scim_server.token]
    result = CliRunner().invoke(main, args, env={"NO_COLOR": "1"})
    assert result.exit_code == 1
    assert scim_server.token not in result.output
    assert result.stderr == (
        "Error: --token is neither env:NAME nor file:PATH; write env:NAME or file:PATH "
        "(never the token itself)\n"
    )
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_missing_token_or_bad_target_speaks_of_the_options(
    scim_server: Any, tmp_path: Path
) -> None:
    out = str(tmp_path / "imported")
    cases = {
        (scim_server.url,): f"Error: the target {scim_server.url} needs a SCIM token: pass "
        "--token env:NAME or file:PATH\n",
        (scim_server.url, "--token", "env:UNSET_HERE"): "Error: --token names the environment "
        "variable UNSET_HERE, which is not set or empty; export the SCIM token in it\n",
        ("htps://scim.example.com/scim/v2",): "Error: --target must be local:PATH or an "
        "https:// SCIM endpoint",
    }
    for (target, *token), expected in cases.items():
        args = ["import", "--out", out, "--target", target, *token]
        result = CliRunner().invoke(main, args, env={"NO_COLOR": "1", "UNSET_HERE": ""})
        assert result.exit_code == 1
        assert result.stderr.startswith(expected)
        assert result.stderr.count("\n") == 1
        assert "scimform.yaml" not in result.output


def test_an_out_directory_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory\n")
    out = tmp_path / "a-file" / "imported"
    args = ["import", "--out", str(out), "--target", f"local:{tmp_path / 'store.db'}"]
    Store.open(tmp_path / "store.db").close()
    result = CliRunner().invoke(main, args, env={"NO_COLOR": "1"})
    assert result.exit_code == 1
    assert f"Error: cannot write the config to --out {out}: Not a directory" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
