from pathlib import Path
from typing import Any

import pytest
import yaml

from scimform.config import fmt_quoting
from scimform.config.fmt import format_round_trip, format_text
from scimform.config.fmt_direct import DirectWriter
from scimform.config.fmt_layout import RESOURCES, SETTINGS
from scimform.errors import ConfigError


def fmt(text: str, settings: bool = False) -> str:
    """fmt's result, checked: idempotent, and the same by the direct path (where it can
    vouch for the file) as by the round trip."""
    out = format_text(text, settings, "t.yaml")
    assert format_text(out, settings, "t.yaml") == out, "fmt is not idempotent"
    for text_in in (text, out):
        assert_same_both_ways(text_in, settings)
    return out


def assert_same_both_ways(text: str, settings: bool) -> str | None:
    """The direct path's result, if any, equals the round trip's byte for byte."""
    direct = DirectWriter().format(text.removeprefix("\ufeff"), SETTINGS if settings else RESOURCES)
    if direct is not None:
        assert direct == format_round_trip(text, settings, "t.yaml"), text
    return direct


def load(text: str) -> Any:
    return yaml.load(text, Loader=yaml.CSafeLoader)


def error_of(text: str) -> Any:
    with pytest.raises(ConfigError) as info:
        format_text(text, False, "bad.yaml")
    return next(iter(info.value.diagnostics))


MESSY = """\
# yaml-language-server: $schema=../schemas/resources.schema.json
tokens:
    expected:
        - {used_by: ci, expires: 2027-01-01, id: t1, created: 2026-01-01}
    warn_before_expiry: 60d
groups:
- members: [zed, Bob, alice, zed]   # flow members
  displayName: g1
  previously: [old-b, old-a]
users:
- email: ada@x.example  # work mail
  userName: ada@x.example
  # the given name comes from HR
  givenName: Ada
  active: yes
  address: {postalCode: '01234', locality: Oslo}
  groups: [g1, a-team, g1]
  familyName: Lovelace
  title: "Engineer"
  nickName: "yes"
  employeeNumber: "2026-01-01"

  # Bob is the boss
- userName: bob@x.example
  givenName: Bob
"""


def test_messy_file_gets_the_canonical_layout() -> None:
    assert (
        fmt(MESSY)
        == """\
# yaml-language-server: $schema=../schemas/resources.schema.json
users:
  - userName: ada@x.example
    # the given name comes from HR
    givenName: Ada
    familyName: Lovelace
    nickName: "yes"
    title: Engineer
    active: true
    email: ada@x.example  # work mail
    employeeNumber: "2026-01-01"
    address:
      locality: Oslo
      postalCode: "01234"
    groups:
      - a-team
      - g1

  # Bob is the boss
  - userName: bob@x.example
    givenName: Bob
groups:
  - displayName: g1
    previously:
      - old-b
      - old-a
    members:  # flow members
      - alice
      - Bob
      - zed
tokens:
  warn_before_expiry: 60d
  expected:
    - id: t1
      created: 2026-01-01
      expires: 2027-01-01
      used_by: ci
"""
    )


def test_fmt_never_changes_what_the_file_means() -> None:
    before = load(MESSY)
    after = load(fmt(MESSY))
    group, user = before["groups"][0], before["users"][0]
    group["members"] = ["alice", "Bob", "zed"]
    user["groups"] = ["a-team", "g1"]
    assert after == before


def test_settings_follow_the_settings_file_order() -> None:
    text = """\
safety: {max_delete_pct: 5}
require_external_id: true
mapping:
  userName: '{upn}'
  displayName: "{givenName} {surname}"
scope: {groups: [b, a]}
target:
    token: env:SCIM_TOKEN
    url: local:x.db
"""
    assert (
        fmt(text, settings=True)
        == """\
target:
  url: local:x.db
  token: env:SCIM_TOKEN
mapping:
  userName: "{upn}"
  displayName: "{givenName} {surname}"
scope:
  groups:
    - a
    - b
safety:
  max_delete_pct: 5
require_external_id: true
"""
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("'01234'", '"01234"'),
        ("'yes'", '"yes"'),
        ("'y'", '"y"'),
        ("'2026-01-01'", '"2026-01-01"'),
        ("'1:30'", '"1:30"'),
        ("'null'", '"null"'),
        ("'12.5'", '"12.5"'),
        ("'0o17'", '"0o17"'),
        ("''", '""'),
        ("'{upn}'", '"{upn}"'),
        ("'a: b'", '"a: b"'),
        ("'# not a comment'", '"# not a comment"'),
        ("' padded '", '" padded "'),
        ('"Bob"', "Bob"),
        ("'O''Neil'", "O'Neil"),
        ("'Doe, John'", "Doe, John"),
        ("'Zoë Ødegård'", "Zoë Ødegård"),
        ("yes", "true"),
        ("Off", "false"),
        ("0123", "0123"),
        ("2026-01-01", "2026-01-01"),
    ],
)
def test_quoting_is_plain_where_safe_and_double_where_needed(value: str, written: str) -> None:
    out = fmt(f"users:\n  - title: {value}\n")
    assert out == f"users:\n  - title: {written}\n"
    assert load(out) == load(f"users:\n  - title: {value}\n")


def test_keys_that_need_quotes_get_them() -> None:
    out = fmt("mapping:\n  'yes': '{a}'\n  name.givenName: '{b}'\n", settings=True)
    assert out == 'mapping:\n  name.givenName: "{b}"\n  "yes": "{a}"\n'


def test_mapping_keys_follow_the_attribute_order_whatever_name_they_use() -> None:
    text = (
        "mapping:\n  active: '{on}'\n  address.locality: '{city}'\n"
        "  # from HR\n  name.familyName: '{sn}'\n  userName: '{upn}'\n"
        "  emails[primary eq true].value: '{m}'\n"
    )
    assert fmt(text, settings=True) == (
        'mapping:\n  userName: "{upn}"\n  # from HR\n  name.familyName: "{sn}"\n'
        '  active: "{on}"\n  emails[primary eq true].value: "{m}"\n  address.locality: "{city}"\n'
    )


def test_an_eol_comment_travels_with_a_sorted_member() -> None:
    text = """\
groups:
  - displayName: g
    members:
      # all of them
      - zed  # on call
      # Bob leads
      - bob
      - alice  # new
"""
    assert (
        fmt(text)
        == """\
groups:
  - displayName: g
    members:
      # all of them
      - alice  # new
      # Bob leads
      - bob
      - zed  # on call
"""
    )


def test_a_duplicate_member_is_dropped_but_its_comment_kept() -> None:
    out = fmt(
        "groups:\n  - displayName: g\n    members:\n      - b\n      - a\n      - b  # twice\n"
    )
    assert "# twice" in out
    assert load(out)["groups"][0]["members"] == ["a", "b"]


def test_a_comment_above_a_moved_key_moves_with_it() -> None:
    text = """\
users:
  - userName: a
    email: a@x.example
    # HR spells it this way
    familyName: Zed
    givenName: A
  # the next person
  - userName: b
"""
    assert (
        fmt(text)
        == """\
users:
  - userName: a
    givenName: A
    # HR spells it this way
    familyName: Zed
    email: a@x.example
  # the next person
  - userName: b
"""
    )


def test_a_comment_after_a_nested_value_stays_before_the_next_key() -> None:
    text = """\
users:
  - userName: z
    address:
      region: WA
      locality: Seattle
    # about the family name
    familyName: Z
"""
    out = fmt(text)
    lines = out.splitlines()
    assert lines[lines.index("    # about the family name") + 1] == "    familyName: Z"
    assert lines.index("    familyName: Z") < lines.index("    address:")


def test_blank_lines_collapse_and_end_cleanly() -> None:
    out = fmt("users:\n  - userName: a\n\n\n\n  - userName: b\n\n\n")
    assert out == "users:\n  - userName: a\n\n  - userName: b\n"


def test_idp_shaped_users_keep_their_order_with_groups_last() -> None:
    text = "users:\n  - upn: a@x\n    groups: [g]\n    surname: A\n    givenName: Ada\n"
    assert fmt(text) == (
        "users:\n  - upn: a@x\n    surname: A\n    givenName: Ada\n    groups:\n      - g\n"
    )


def test_unknown_keys_go_after_known_ones_in_written_order() -> None:
    out = fmt("groups:\n  - zeta: 1\n    members: [a]\n    alpha: 2\n    displayName: g\n")
    assert [line.strip().split(":")[0] for line in out.splitlines()[1:]] == [
        "- displayName",
        "members",
        "- a",
        "zeta",
        "alpha",
    ]


def test_block_scalars_and_anchors_survive() -> None:
    text = (
        "groups:\n  - displayName: g\n    members: &m [b, a]\n"
        "  - displayName: h\n    members: *m\n"
        "users:\n  - userName: a\n    title: |\n      line one\n      # not a comment\n"
    )
    out = fmt(text)
    assert "title: |\n      line one\n      # not a comment\n" in out
    assert load(out)["groups"][1]["members"] == ["a", "b"]


def test_a_merge_key_mapping_is_left_in_its_order() -> None:
    text = "users:\n  - &base\n    userName: a\n  - <<: *base\n    title: T\n    userName: b\n"
    out = fmt(text)
    assert load(out) == load(text)
    assert "<<: *base\n    title: T\n    userName: b" in out


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n"])
def test_empty_and_comment_only_files_are_left_alone(text: str) -> None:
    assert fmt(text) == text


def test_a_bom_is_dropped() -> None:
    assert fmt("\ufeffgroups:\n  - displayName: g\n") == "groups:\n  - displayName: g\n"


def test_syntax_error_names_line_and_column() -> None:
    problem = error_of("users:\n  - userName: a\n    title: [unclosed\n")
    assert problem.code == "yaml.syntax"
    assert problem.location.file == "bad.yaml"
    assert problem.location.line is not None and problem.location.line >= 3
    assert "untouched" in problem.hint


def test_tab_indentation_is_named_on_its_line_as_validate_names_it() -> None:
    problem = error_of("users:\n\t- userName: a\n")
    assert (problem.code, problem.location.line, problem.location.column) == ("yaml.tab", 2, 1)
    assert problem.hint is not None and "spaces" in problem.hint


def test_nesting_too_deep_is_an_error_not_a_crash() -> None:
    problem = error_of("a: " + "[" * 300 + "]" * 300 + "\n")
    assert problem.code == "yaml.syntax"


def test_two_documents_in_one_file_are_refused() -> None:
    assert error_of("users: []\n---\ngroups: []\n").code == "yaml.syntax"


def test_a_custom_tag_is_a_syntax_error_as_validate_would_say() -> None:
    problem = error_of("users:\n  - userName: !secret a\n")
    assert (problem.code, problem.location.line) == ("yaml.syntax", 2)


def test_duplicate_key_is_refused_rather_than_dropped() -> None:
    problem = error_of("users:\n  - userName: a\n    userName: b\n")
    assert problem.location.line == 3 and "duplicate" in problem.message


def test_a_result_that_would_change_meaning_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # A real run cannot produce this: the quoting rules would have to be wrong.
    monkeypatch.setattr("scimform.config.fmt.needs_quotes", lambda text: False)
    problem = error_of("users:\n  - title: 'yes'\n")
    assert problem.code == "fmt.meaning-changed"


def test_quoting_rules_agree_with_both_yaml_versions() -> None:
    assert fmt_quoting.needs_quotes("on") and fmt_quoting.needs_quotes("0o17")
    assert not fmt_quoting.needs_quotes("alice@corp.example")
    assert fmt_quoting.plain_meaning("No") is False
    assert fmt_quoting.plain_meaning("1:30") == "1:30"
    assert fmt_quoting.plain_meaning("Ada") is None


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.rglob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_a_scrambled_example_comes_back_to_the_same_meaning(path: Path) -> None:
    settings = path.name == "scimform.yaml"
    original = path.read_text(encoding="utf-8")
    assert fmt(original, settings) == original
    data = load(original)
    # Another tool's output: keys sorted, four-space indents, flow lists, no comments.
    scrambled = yaml.safe_dump(data, sort_keys=True, indent=4, default_flow_style=None)
    out = fmt(scrambled, settings)
    assert load(out) == data
    without_comments = [line for line in original.splitlines() if not line.lstrip().startswith("#")]
    stripped = [line.split("  #")[0] for line in without_comments]
    assert out.splitlines() == stripped
