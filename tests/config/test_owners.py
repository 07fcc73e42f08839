"""Who may approve access, as the config declares it: group `owners:`, users' `github:`
logins and scimform.yaml's `approvals:` block; validate's file:line errors, the desired
state they make, fmt's layout and the JSON Schema."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from scimform_cli import cli

from scimform.cli.schema import render_schemas
from scimform.config.fmt import format_text
from scimform.config.loader import load_config
from scimform.config.owner_rules import valid_login


def user(name: str, github: str | None = None) -> str:
    first = name.split("@")[0].capitalize()
    text = f"""\
      - userName: {name}
        givenName: {first}
        familyName: Example
        displayName: {first} Example
        email: {name}
        externalId: id-{first}
    """
    return text + (f"    github: {github}\n" if github else "")


def config(root: Path, users: str, groups: str, settings: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "scimform.yaml").write_text(textwrap.dedent(settings) or "{}\n", encoding="utf-8")
    text = "users:\n" + textwrap.indent(textwrap.dedent(users), "  ")
    text += "groups:\n" + textwrap.indent(textwrap.dedent(groups), "  ")
    (root / "people.yaml").write_text(text, encoding="utf-8")
    return root


def problems(root: Path) -> list[tuple[str, str, int | None]]:
    """(code, file name, line) of every error and warning."""
    out = []
    for d in load_config(root).diagnostics:
        if d.severity.name in ("ERROR", "WARNING") and d.location is not None:
            out.append((d.code, Path(d.location.file).name, d.location.line))
    return out


def line_of(root: Path, file: str, needle: str, nth: int = 1) -> int:
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    found = [i for i, line in enumerate(lines, start=1) if needle in line]
    return found[nth - 1]


TEAM = user("alice@corp.example", "alice-gh") + user("bob@corp.example", "bob-gh")


def test_owners_and_logins_reach_the_desired_state(tmp_path: Path) -> None:
    root = config(
        tmp_path / "c",
        TEAM + user("carol@corp.example"),
        """\
        - displayName: admins
          sensitive: true
          owners: [BOB@corp.example, alice@corp.example]
          members: [carol@corp.example]
        - displayName: plain
        """,
        "scope: {groups: [plain]}\napprovals: {default: 0, sensitive: 3}\n",
    )
    loaded = load_config(root)
    assert problems(root) == []
    # Owners as declared, whatever case they were named in; logins of every declared user,
    # scope or not (nobody is in `plain`, so nobody is provisioned).
    assert [g.display_name for g in loaded.desired.groups] == ["plain"]
    assert loaded.desired.github == (
        ("alice@corp.example", "alice-gh"),
        ("bob@corp.example", "bob-gh"),
    )
    assert (loaded.settings.approvals.default, loaded.settings.approvals.sensitive) == (0, 3)
    (root / "scimform.yaml").write_text("{}\n", encoding="utf-8")
    groups = {g.display_name: g for g in load_config(root).desired.groups}
    assert groups["admins"].owners == ("alice@corp.example", "bob@corp.example")
    assert groups["plain"].owners == ()
    assert load_config(root).settings.approvals.model_dump() == {"default": 1, "sensitive": 2}


def test_an_owner_must_be_a_declared_user_with_a_login(tmp_path: Path) -> None:
    root = config(
        tmp_path / "c",
        TEAM + user("carol@corp.example"),
        """\
        - displayName: admins
          owners:
            - alice@corp.example
            - dave@corp.example
            - bob@corp.exampel
            - carol@corp.example
            - ALICE@corp.example
        """,
    )
    assert problems(root) == [
        ("group.unknown-owner", "people.yaml", line_of(root, "people.yaml", "- dave@")),
        ("group.unknown-owner", "people.yaml", line_of(root, "people.yaml", "- bob@corp.exampel")),
        ("group.owner-without-github", "people.yaml", line_of(root, "people.yaml", "- carol@")),
        ("group.duplicate-owner", "people.yaml", line_of(root, "people.yaml", "- ALICE@")),
    ]
    result = cli("validate", str(root))
    assert result.exit_code == 1
    assert 'group "admins" names owner "dave@corp.example", who is not declared' in result.stdout
    assert 'did you mean "bob@corp.example"?' in result.stdout
    assert 'give user "carol@corp.example" a `github:` key with their GitHub login' in (
        result.stdout
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("login", "hint"),
    [
        ("@alice", "without @ or a URL: github: alice"),
        ("https://github.com/alice", "without @ or a URL: github: alice"),
        ("alice--x", "letters, digits and single hyphens"),
        ("-alice", "letters, digits and single hyphens"),
        ("a" * 40, "letters, digits and single hyphens"),
        ("alice smith", "letters, digits and single hyphens"),
    ],
)
def test_a_login_github_could_not_have_given_is_an_error(
    tmp_path: Path, login: str, hint: str
) -> None:
    root = config(tmp_path / "c", user("alice@corp.example", f'"{login}"'), "[]\n")
    result = cli("validate", str(root))
    line = line_of(root, "people.yaml", "github:")
    assert result.exit_code == 1
    assert f"people.yaml:{line}:5: error[user.invalid-github]" in result.stdout
    assert hint in result.stdout


def test_valid_logins() -> None:
    for login in ("a", "octo-cat", "A1-b2-C3", "x" * 39):
        assert valid_login(login), login
    for login in ("", "a-", "a_b", "a.b", "é"):
        assert not valid_login(login), login


def test_a_login_belongs_to_one_user_case_insensitively(tmp_path: Path) -> None:
    root = config(
        tmp_path / "c", TEAM + user("carol@corp.example", "Alice-GH"), "- displayName: g\n"
    )
    first = line_of(root, "people.yaml", "github: alice-gh")
    second = line_of(root, "people.yaml", "github: Alice-GH")
    assert problems(root) == [("user.duplicate-github", "people.yaml", second)]
    result = cli("validate", str(root))
    assert f'GitHub login "Alice-GH" is declared twice (first at {root}/people.yaml:{first}:' in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("settings", "key", "message"),
    [
        ("approvals:\n  default: -1\n", "default", '"default" must be at least 0'),
        ("approvals:\n  sensitive: 1\n", "sensitive", '"sensitive" must be at least 2'),
        ("approvals:\n  default: one\n", "default", '"default"'),
        ("approvals:\n  owners: 1\n", "owners", "owners"),
    ],
)
def test_approvals_values_are_checked_with_their_line(
    tmp_path: Path, settings: str, key: str, message: str
) -> None:
    root = config(tmp_path / "c", TEAM, "- displayName: g\n", settings)
    result = cli("validate", str(root))
    assert result.exit_code == 1
    line = line_of(root, "scimform.yaml", f"{key}:")
    assert f"scimform.yaml:{line}:3: error[" in result.stdout and message in result.stdout


def test_fmt_places_the_new_keys_and_sorts_owners() -> None:
    text = """\
groups:
  - members: [b, a]
    owners: [zed, amy]
    sensitive: true
    displayName: g
users:
  - groups: [g]
    github: amy-gh
    email: amy@corp.example
    userName: amy
"""
    out = format_text(text, False, "t.yaml")
    assert (
        out
        == """\
users:
  - userName: amy
    email: amy@corp.example
    github: amy-gh
    groups:
      - g
groups:
  - displayName: g
    sensitive: true
    owners:
      - amy
      - zed
    members:
      - a
      - b
"""
    )
    assert format_text(out, False, "t.yaml") == out
    settings = format_text("approvals: {sensitive: 3, default: 2}\ntarget: {}\n", True, "s.yaml")
    assert settings.index("target") < settings.index("approvals")
    assert "approvals:\n  default: 2\n  sensitive: 3\n" in settings


def test_fmt_direct_and_round_trip_agree_on_the_new_keys(tmp_path: Path) -> None:
    root = config(
        tmp_path / "c",
        TEAM,
        """\
        - displayName: admins
          members: [bob@corp.example]
          owners: [bob@corp.example, alice@corp.example]
        """,
    )
    before = load_config(root).desired
    assert cli("fmt", str(root)).exit_code == 0
    assert cli("fmt", "--check", str(root)).exit_code == 0
    assert load_config(root).desired == before
    written = yaml.safe_load((root / "people.yaml").read_text(encoding="utf-8"))
    assert written["groups"][0] == {
        "displayName": "admins",
        "owners": ["alice@corp.example", "bob@corp.example"],
        "members": ["bob@corp.example"],
    }
    assert list(written["users"][0])[-1] == "github"


def test_the_json_schema_knows_the_new_keys() -> None:
    schemas = {name: json.loads(text) for name, text in render_schemas().items()}
    resources, settings = schemas["resources.schema.json"], schemas["scimform.schema.json"]
    defs = resources["$defs"]
    assert defs["GroupSpec"]["properties"]["owners"]["items"] == {"type": "string"}
    github = defs["UserSpec"]["properties"]["github"]
    assert {"type": "string"} in github["anyOf"] and "Never sent to AWS" in github["description"]
    approvals = settings["$defs"]["ApprovalsSpec"]
    assert approvals["additionalProperties"] is False
    default, sensitive = approvals["properties"]["default"], approvals["properties"]["sensitive"]
    assert (default["minimum"], default["default"]) == (0, 1)
    assert (sensitive["minimum"], sensitive["default"]) == (2, 2)
    assert settings["properties"]["approvals"]["$ref"] == "#/$defs/ApprovalsSpec"
