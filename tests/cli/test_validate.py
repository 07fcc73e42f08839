"""`scimform validate` through the real CLI: output formats, exit codes, --strict, --help."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from scimform_cli import cli

GOOD = {
    "scimform.yaml": "ownership: {prune: false}\n",
    "people.yaml": """\
        users:
          - userName: alice@corp.example
            externalId: a-1
            givenName: Alice
            familyName: Liddell
            displayName: Alice Liddell
            email: alice@corp.example
        groups:
          - displayName: admins
            members: [alice@corp.example]
        """,
}
# Two errors (unknown key at 3:5, unknown member at 7:15) and a warning (no externalId).
BAD = {
    "scimform.yaml": "{}\n",
    "people.yaml": """\
        users:
          - userName: bob@corp.example
            givenNme: Bob
            familyName: Stone
            displayName: "Bob; Stone: 50%"
            email: bob@corp.example
        groups: [{displayName: admins, members: [bobby@corp.example]}]
        """,
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def run(*args: str) -> tuple[int, str]:
    result = cli("validate", *args)
    return result.exit_code, result.output


def test_a_valid_config_exits_0(tmp_path: Path) -> None:
    code, out = run(str(write(tmp_path, GOOD)))
    assert code == 0
    assert out == "valid: 0 errors, 0 warnings; 1 user, 1 group, 0 tokens in 2 files\n"


def test_text_output_lists_every_problem_with_a_hint(tmp_path: Path) -> None:
    root = write(tmp_path, BAD)
    code, out = run(str(root))
    assert code == 1
    people = root / "people.yaml"
    assert out.splitlines() == [
        f'{people}:2:5: warning[user.missing-external-id]: user "bob@corp.example" has no '
        "externalId",
        "    hint: add the stable id from your identity provider (e.g. its object id): "
        "scimform matches users on it, so renames keep their AWS assignments",
        f'{people}:3:5: error[schema.unknown-key]: unknown key "givenNme" in a user',
        '    hint: did you mean "givenName"?',
        f'{people}:5:5: warning[user.risky-character]: "displayName" contains one of '
        "< > ; : %, which AWS may reject",
        "    hint: remove the character if provisioning this value fails",
        f'{people}:7:42: error[group.unknown-member]: group "admins" lists '
        '"bobby@corp.example", who is not declared',
        '    hint: did you mean "bob@corp.example"?',
        "invalid: 2 errors, 2 warnings; 1 user, 1 group, 0 tokens in 2 files",
    ]


def test_json_output_has_a_stable_shape(tmp_path: Path) -> None:
    root = write(tmp_path, BAD)
    code, out = run(str(root), "--format", "json")
    assert code == 1
    body = json.loads(out)
    assert body["version"] == 1 and body["valid"] is False
    # "files" counts scimform.yaml too, as the text summary does.
    assert body["summary"] == {
        "errors": 2, "warnings": 2, "info": 0, "files": 2, "users": 1, "groups": 1, "tokens": 0,
    }  # fmt: skip
    assert body["diagnostics"][1] == {
        "severity": "error",
        "code": "schema.unknown-key",
        "message": 'unknown key "givenNme" in a user',
        "hint": 'did you mean "givenName"?',
        "file": str(root / "people.yaml"),
        "line": 3,
        "column": 5,
    }


def test_github_output_is_workflow_commands_with_relative_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write(tmp_path, BAD)
    monkeypatch.chdir(root.parent)
    code, out = run(str(root), "--format", "github")
    assert code == 1
    lines = out.splitlines()
    file = f"{root.name}/people.yaml"
    assert lines[1] == (
        f"::error file={file},line=3,col=5,title=schema.unknown-key::"
        'unknown key "givenNme" in a user%0Adid you mean "givenName"?'
    )
    # The risky-character message holds ":" and "%", which the command format escapes.
    assert lines[2].startswith(f"::warning file={file},line=5,col=5,title=user.risky-character::")
    assert "< > ; %3A %25" not in lines[2] and "< > ; : %25" in lines[2]
    assert lines[-1].startswith("invalid: 2 errors")


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    files = dict(GOOD)
    files["people.yaml"] = GOOD["people.yaml"].replace("            externalId: a-1\n", "")
    root = write(tmp_path, files)
    assert run(str(root))[0] == 0
    assert run(str(root), "--strict")[0] == 1


def test_the_directory_defaults_to_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(write(tmp_path, GOOD))
    code, out = run()
    assert (code, out.startswith("valid:")) == (0, True)


def test_a_missing_directory_is_a_diagnostic_not_a_traceback(tmp_path: Path) -> None:
    code, out = run(str(tmp_path / "nope"))
    assert code == 1
    assert f"{tmp_path / 'nope'}: error[config.not-found]: no such directory" in out


def test_help_reads_well() -> None:
    result = cli("validate", "--help")
    assert result.exit_code == 0
    for words in ("DIRECTORY", "--format [text|json|github]", "--strict", "Exit status"):
        assert words in result.output


def test_the_console_script(tmp_path: Path) -> None:
    root = write(tmp_path, BAD)
    script = Path(sys.executable).with_name("scimform")
    done = subprocess.run(
        [str(script), "validate", str(root)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "error[group.unknown-member]" in done.stdout
    assert done.stderr == ""


def test_did_you_mean_needs_a_real_likeness(tmp_path: Path) -> None:
    user = "  - {{userName: {0}@corp.example, externalId: {0}, givenName: A, familyName: B, " \
        "displayName: A B, email: {0}@corp.example}}\n"  # fmt: skip
    (tmp_path / "scimform.yaml").write_text("ownership:\n  prune: false\n")
    (tmp_path / "users.yaml").write_text(
        "users:\n" + user.format("fay") + user.format("ann") + "groups:\n"
        "  - {displayName: g, members: [nobody@corp.example, dan@corp.example, "
        "anne@corp.example]}\n"
    )
    code, out = run(str(tmp_path))
    assert code == 1
    hints = [line.strip() for line in out.splitlines() if line.startswith("    hint:")]
    assert hints == [
        "hint: declare the user, or remove this name",  # nobody: not "fay"
        "hint: declare the user, or remove this name",  # dan: not "ann"
        'hint: did you mean "ann@corp.example"?',  # anne: one letter more
    ]


def test_a_syntax_error_comes_first_and_its_names_are_not_called_undeclared(
    tmp_path: Path,
) -> None:
    """The file that declares dan does not parse: dan is not "not declared", and the
    over-indented key gets the hint about indentation, not about quoting."""
    (tmp_path / "scimform.yaml").write_text("ownership:\n  prune: false\n")
    (tmp_path / "users").mkdir()
    finance = tmp_path / "users" / "finance.yaml"
    finance.write_text(
        "users:\n  - userName: dan@corp.example\n    givenName: Dan\n"
        "      familyName: Brown\n    displayName: Dan Brown\n    email: dan@corp.example\n"
    )
    (tmp_path / "groups.yaml").write_text(
        "users:\n  - {userName: ann@corp.example, externalId: a, givenName: A, familyName: B,"
        " displayName: A B, email: ann@corp.example}\n"
        "groups:\n  - displayName: finance\n"
        "    members: [dan@corp.example, ann@corp.example, nobody@corp.example]\n"
    )
    code, out = run(str(tmp_path))
    assert code == 1
    groups = tmp_path / "groups.yaml"
    assert out.splitlines() == [
        f"{finance}:4:17: error[yaml.syntax]: YAML syntax error: mapping values are not "
        "allowed in this context",
        '    hint: "familyName:" is indented more than the key on the line above, so YAML '
        "reads it as part of that key's value; indent it by 4 spaces, as the key above",
        f'{groups}:5:51: error[group.unknown-member]: group "finance" lists '
        '"nobody@corp.example", who is not declared',
        "    hint: declare the user, or remove this name",
        "invalid: 2 errors, 0 warnings; 1 user, 1 group, 0 tokens in 3 files",
    ]


def test_a_value_with_a_colon_still_gets_the_quoting_hint(tmp_path: Path) -> None:
    (tmp_path / "users.yaml").write_text(
        "users:\n  - userName: a@corp.example\n    title: Lead: Platform\n"
    )
    code, out = run(str(tmp_path))
    assert code == 1
    assert '    hint: a value that contains ": " must be quoted, e.g. title: "Lead: Platform"' in (
        out.splitlines()
    )
