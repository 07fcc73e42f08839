"""Rewriting `tokens:` in the YAML: in place, comments kept, checked before writing."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from scimform.config.loader import load_config
from scimform.config.token_record import declares, open_tokens_file, record_token
from scimform.errors import ConfigError
from scimform.model import ExpectedToken

FLOW = """\
    # Tokens of the identity store; rotate by pull request.
    tokens:
      warn_before_expiry: 60d  # AWS warns at 90
      expected:
        # the one GitHub Actions uses
        - {id: old-1, created: 2025-12-01, expires: 2026-12-01, used_by: github-actions}  # CI
    """
BLOCK = """\
    users: []
    tokens:
      expected:
        # first token
        - id: "old-1"
          created: 2025-12-01
          expires: 2026-12-01
    """
NEW = ExpectedToken("new-2", date(2026, 11, 20), date(2027, 11, 20))


def config(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / "scimform.yaml").write_text("target: {url: 'local:store.db'}\n")
    (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path / name


def test_a_replaced_token_is_edited_in_place_with_its_comments(tmp_path: Path) -> None:
    path = config(tmp_path, "tokens.yaml", FLOW)
    assert record_token(open_tokens_file(tmp_path), NEW, "old-1") == path
    assert path.read_text() == textwrap.dedent(
        """\
        # Tokens of the identity store; rotate by pull request.
        tokens:
          warn_before_expiry: 60d  # AWS warns at 90
          expected:
            # the one GitHub Actions uses
            - {id: new-2, created: 2026-11-20, expires: 2027-11-20, used_by: github-actions}  # CI
        """
    )
    desired = load_config(tmp_path).require_valid()
    assert desired.tokens == (
        ExpectedToken("new-2", date(2026, 11, 20), date(2027, 11, 20), "github-actions"),
    )


def test_block_style_and_quoting_are_kept(tmp_path: Path) -> None:
    path = config(tmp_path, "people.yaml", BLOCK)
    record_token(open_tokens_file(tmp_path), NEW, "old-1")
    text = path.read_text()
    assert '- id: "new-2"' in text
    assert "# first token" in text
    assert "old-1" not in text


def test_a_token_without_predecessor_is_appended_in_its_neighbours_style(tmp_path: Path) -> None:
    path = config(tmp_path, "tokens.yaml", FLOW)
    record_token(open_tokens_file(tmp_path), NEW)
    lines = path.read_text().splitlines()
    assert lines[-1].strip() == "- {id: new-2, created: 2026-11-20, expires: 2027-11-20}"
    assert "# CI" in lines[-2]
    assert len(load_config(tmp_path).require_valid().tokens) == 2


def test_a_third_token_needs_to_say_what_it_replaces(tmp_path: Path) -> None:
    path = config(tmp_path, "tokens.yaml", FLOW)
    record_token(open_tokens_file(tmp_path), NEW)
    before = path.read_text()
    third = ExpectedToken("new-3", date(2026, 11, 21), date(2027, 11, 21))
    with pytest.raises(ConfigError, match="--replaces"):
        record_token(open_tokens_file(tmp_path), third)
    assert path.read_text() == before


def test_recording_the_same_token_again_updates_it(tmp_path: Path) -> None:
    path = config(tmp_path, "tokens.yaml", FLOW)
    again = ExpectedToken("old-1", date(2025, 12, 1), date(2026, 11, 30))
    record_token(open_tokens_file(tmp_path), again)
    assert "expires: 2026-11-30" in path.read_text()


def test_without_a_tokens_block_tokens_yaml_is_made(tmp_path: Path) -> None:
    (tmp_path / "scimform.yaml").write_text("{}\n")
    path = record_token(open_tokens_file(tmp_path), NEW)
    assert path == tmp_path / "tokens.yaml"
    assert load_config(tmp_path).require_valid().tokens == (NEW,)


@pytest.mark.parametrize("odd", ["12345", "yes", "0777", "2026-01-01", "null"])
def test_an_id_that_yaml_would_misread_stays_a_string(tmp_path: Path, odd: str) -> None:
    config(tmp_path, "tokens.yaml", FLOW)
    token = ExpectedToken(odd, date(2026, 11, 20), date(2027, 11, 20), "on")
    record_token(open_tokens_file(tmp_path), token, "old-1")
    (loaded,) = load_config(tmp_path).require_valid().tokens
    assert (loaded.id, loaded.used_by) == (odd, "on")


def test_replacing_an_undeclared_token_is_refused(tmp_path: Path) -> None:
    path = config(tmp_path, "tokens.yaml", FLOW)
    before = path.read_text()
    with pytest.raises(ConfigError, match="token nope is not declared") as caught:
        record_token(open_tokens_file(tmp_path), NEW, "nope")
    assert str(path) in str(caught.value)
    assert path.read_text() == before


def test_a_secret_given_as_the_replaced_id_is_not_repeated(tmp_path: Path) -> None:
    config(tmp_path, "tokens.yaml", FLOW)
    secret = "s3cr3t" * 80
    with pytest.raises(ConfigError, match="token to be replaced is not declared") as caught:
        record_token(open_tokens_file(tmp_path), NEW, secret)
    (diagnostic,) = caught.value.diagnostics
    assert secret not in str(caught.value) and secret not in diagnostic.message


def test_a_broken_file_is_reported_with_its_line_before_anything(tmp_path: Path) -> None:
    config(tmp_path, "tokens.yaml", "tokens:\n  expected: [\n    {id: a\n")
    with pytest.raises(ConfigError, match="does not parse") as caught:
        open_tokens_file(tmp_path)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.location is not None and diagnostic.location.line is not None


def test_declares(tmp_path: Path) -> None:
    config(tmp_path, "tokens.yaml", FLOW)
    file = open_tokens_file(tmp_path)
    assert declares(file, "old-1")
    assert not declares(file, "new-2")
