"""A typo in an attribute mapping stops `plan`, through the real CLI, instead of planning to
clear an attribute for every user; `{field?}` marks a field the export may lack."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import Result
from scimform_cli import cli

ENTRA = Path(__file__).parents[2] / "examples" / "idp-export" / "entra"


def run(*args: str) -> Result:
    result = cli(*args, env={"NO_COLOR": "1"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_an_unknown_placeholder_is_an_error_and_nothing_is_planned(tmp_path: Path) -> None:
    root = Path(shutil.copytree(ENTRA, tmp_path / "entra"))
    assert run("apply", str(root), "--auto-approve").exit_code == 0
    settings = root / "scimform.yaml"
    text = settings.read_text()
    settings.write_text(text.replace('department: "{department}"', 'department: "{dept}"'))
    line = text.splitlines().index('  department: "{department}"') + 1
    result = run("plan", str(root))
    assert result.exit_code == 1
    assert result.stdout == ""  # no plan, so no "department = ... -> null"
    assert f"{settings}:{line}:" in result.stderr
    assert "error[mapping.unknown-field]" in result.stderr
    assert 'hint: did you mean "department"?' in result.stderr
    settings.write_text(text.replace('department: "{department}"', 'department: "{dept?}"'))
    optional = run("plan", str(root))
    assert optional.exit_code == 2, optional.output  # as written: nobody has a dept
    assert "department" in optional.stdout and "mapping.unknown-field" not in optional.output


def test_a_csv_groups_column_makes_memberships(tmp_path: Path) -> None:
    (tmp_path / "scimform.yaml").write_text(
        "sources:\n  - path: people.csv\n  - path: more.csv\n    groups_separator: '|'\n"
    )
    (tmp_path / "people.csv").write_text(
        "userName,givenName,familyName,displayName,email,externalId,groups\n"
        "ann@corp.example,Ann,Lee,Ann Lee,ann@corp.example,a-1,admins; finance\n"
        "bob@corp.example,Bob,Ng,Bob Ng,bob@corp.example,b-2,\n"
    )
    (tmp_path / "more.csv").write_text(
        "userName,givenName,familyName,displayName,email,externalId,groups\n"
        "cy@corp.example,Cy,Oz,Cy Oz,cy@corp.example,c-3,finance|admins\n"
    )
    (tmp_path / "groups.yaml").write_text(
        "groups:\n  - displayName: admins\n  - displayName: finance\n"
    )
    result = run("plan", str(tmp_path), "--summary")
    assert result.exit_code == 2, result.output
    assert '+ group "admins": +2 -0 members' in result.stdout
    assert '+ group "finance": +2 -0 members' in result.stdout
