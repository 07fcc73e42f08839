"""Mistakes in a config that must neither hide nor invent others: a typo beside the real
key, a list where one email belongs, one bad token hiding the others, a mapping template
naming a field the export does not have; and every direct-form key reaching the canonical
User."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from scimform.config.loader import load_config
from scimform.diagnostics import Diagnostic, Severity
from scimform.model import Address, User


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def found(root: Path) -> list[tuple[str, str, int | None]]:
    """(code, file name, line) of every diagnostic but the no-settings note."""
    out = []
    for d in load_config(root).diagnostics:
        if d.code != "config.no-settings":
            assert d.location is not None
            out.append((d.code, Path(d.location.file).name, d.location.line))
    return out


def by_code(root: Path, code: str) -> list[Diagnostic]:
    return [d for d in load_config(root).diagnostics if d.code == code]


ALICE = """\
users:
  - userName: alice@corp.example
    externalId: a-1
    givenName: Alice
    familyName: Liddell
    displayName: Alice Liddell
    email: alice@corp.example
"""


def test_a_typo_beside_the_real_key_leaves_the_real_key_checked(tmp_path: Path) -> None:
    # `member:` is a typo of `members:`, which is also there: its names are still checked.
    root = write(
        tmp_path,
        {
            "p.yaml": ALICE
            + "groups:\n  - displayName: admins\n    members: [alice@corp.exmaple]\n"
            "    member: [alice@corp.example]\n"
        },
    )
    assert found(root) == [
        ("group.unknown-member", "p.yaml", 10),
        ("schema.unknown-key", "p.yaml", 11),
    ]
    (unknown,) = by_code(root, "group.unknown-member")
    assert unknown.hint == 'did you mean "alice@corp.example"?'


def test_a_user_typo_beside_the_real_key_keeps_the_real_value(tmp_path: Path) -> None:
    root = write(tmp_path, {"p.yaml": ALICE + "    givenname: Al\n"})
    assert found(root) == [("schema.unknown-key", "p.yaml", 8)]
    assert load_config(root).desired.users[0].given_name == "Alice"


def test_an_email_written_as_a_list_is_not_also_missing(tmp_path: Path) -> None:
    text = ALICE.replace(
        "email: alice@corp.example", "email: [alice@corp.example, al@corp.example]"
    )
    root = write(tmp_path, {"p.yaml": text})
    assert found(root) == [("user.multi-valued-email", "p.yaml", 7)]


TOKENS = """\
    tokens:
      warn_before_expiry: soon
      expected:
        - {id: t0, created: 2026-01-01}
        - {id: t1, created: 2026-01-01, expires: 2027-06-01, usedby: ci}
        - {id: t2, created: 2026-02-01, expires: 2027-02-01}
"""


def test_one_bad_token_leaves_the_others_checked(tmp_path: Path) -> None:
    root = write(tmp_path, {"t.yaml": TOKENS})
    assert found(root) == [
        ("schema.wrong-type", "t.yaml", 2),
        ("tokens.missing-expires", "t.yaml", 4),
        # t0 is left out, and t1's rules still point at t1's own line.
        ("tokens.expiry-too-late", "t.yaml", 5),
        ("schema.unknown-key", "t.yaml", 5),
    ]
    loaded = load_config(root)
    assert [t.id for t in loaded.desired.tokens] == ["t1", "t2"]
    assert loaded.desired.token_policy.warn_before_expiry.days == 60  # the default


def test_a_third_token_is_counted_even_beside_a_typo(tmp_path: Path) -> None:
    text = TOKENS.replace("        - {id: t0, created: 2026-01-01}\n", "").replace(
        "      warn_before_expiry: soon\n", ""
    )
    text += "        - {id: t3, created: 2026-03-01, expires: 2027-03-01}\n"
    root = write(tmp_path, {"t.yaml": text})
    codes = [code for code, _, _ in found(root)]
    assert sorted(codes) == ["schema.unknown-key", "tokens.expiry-too-late", "tokens.too-many"]


def test_tokens_written_as_a_list(tmp_path: Path) -> None:
    root = write(tmp_path, {"t.yaml": "tokens: []\n"})
    (d,) = by_code(root, "schema.wrong-type")
    assert d.message == '"tokens" must be a mapping (key: value), not a list'
    assert d.location is not None and d.location.line == 1


ENTRA = {
    "scimform.yaml": """\
        mapping:
          userName: "{upn}"
          externalId: "{objectId}"
          givenName: "{givenName}"
          familyName: "{surname}"
          displayName: "{givenName} {surname}"
          email: "{mail|upn}"
          department: "{dept}"
        sources:
          - path: exports/entra.csv
        """,
    "exports/entra.csv": """\
        objectId,upn,givenName,surname,mail,dept
        e-1,erin@corp.example,Erin,Ng,,Data
        e-2,frank@corp.example,Frank,Ruiz,frank@corp.example,Data
        """,
}


def test_a_template_field_no_record_has_is_reported_once_at_the_mapping(
    tmp_path: Path,
) -> None:
    files = dict(ENTRA)
    files["scimform.yaml"] = ENTRA["scimform.yaml"].replace(
        'familyName: "{surname}"', 'familyName: "{surnme}"'
    )
    root = write(tmp_path, files)
    assert found(root) == [("mapping.unknown-field", "scimform.yaml", 5)]
    (d,) = by_code(root, "mapping.unknown-field")
    assert d.severity is Severity.ERROR
    assert '"surnme"' in d.message and "exports/entra.csv" in d.message
    assert d.hint == 'did you mean "surname"?'


def test_an_export_without_a_column_the_mapping_reads(tmp_path: Path) -> None:
    files = dict(ENTRA)
    files["exports/entra.csv"] = """\
        objectId,upn,givenName,mail
        e-1,erin@corp.example,Erin,
        """
    root = write(tmp_path, files)
    diagnostics = by_code(root, "mapping.unknown-field")
    where = [(d.severity, d.location.line if d.location else None) for d in diagnostics]
    # Not only the needed attributes: an unfilled {dept} would clear every department.
    assert where == [(Severity.ERROR, 5), (Severity.ERROR, 6), (Severity.ERROR, 8)]
    assert diagnostics[2].hint == (
        "name a field the export has (objectId, upn, givenName), or write {dept?} if "
        "the export may lack it"
    )
    assert not by_code(root, "user.missing-family-name")


def test_a_placeholder_marked_optional_may_be_unfilled(tmp_path: Path) -> None:
    files = dict(ENTRA)
    files["scimform.yaml"] = ENTRA["scimform.yaml"].replace('"{dept}"', '"{dept?}"')
    files["exports/entra.csv"] = """\
        objectId,upn,givenName,surname,mail
        e-1,erin@corp.example,Erin,Ng,erin@corp.example
        """
    root = write(tmp_path, files)
    loaded = load_config(root)
    assert not loaded.diagnostics.has_errors
    (erin,) = loaded.desired.users
    assert erin.department is None
    root = write(tmp_path, dict(files, **{"exports/entra.csv": ENTRA["exports/entra.csv"]}))
    assert [u.department for u in load_config(root).desired.users] == ["Data", "Data"]


def test_an_unfilled_user_name_does_not_repeat_per_record(tmp_path: Path) -> None:
    files = dict(ENTRA)
    files["scimform.yaml"] = ENTRA["scimform.yaml"].replace('"{upn}"', '"{upnn}"', 1)
    root = write(tmp_path, files)
    assert found(root) == [("mapping.unknown-field", "scimform.yaml", 2)]


def test_a_nested_json_field_typo_suggests_the_dotted_path(tmp_path: Path) -> None:
    users = [
        {"id": "00u1", "profile": {"login": "a@x.example", "firstName": "A", "lastName": "B"}},
        {"id": "00u2", "profile": {"login": "c@x.example", "firstName": "C", "lastName": "D"}},
    ]
    root = write(
        tmp_path,
        {
            "scimform.yaml": """\
                mapping:
                  userName: "{profile.login}"
                  externalId: "{id}"
                  givenName: "{profile.fristName}"
                  familyName: "{profile.lastName}"
                  displayName: "{profile.lastName}"
                  email: "{profile.login}"
                sources: [{path: okta.json}]
                """,
            "okta.json": json.dumps(users),
        },
    )
    assert found(root) == [("mapping.unknown-field", "scimform.yaml", 4)]
    (d,) = by_code(root, "mapping.unknown-field")
    assert d.hint == 'did you mean "profile.firstName"?'


def test_a_record_missing_a_value_is_told_to_fix_the_export(tmp_path: Path) -> None:
    files = dict(ENTRA)
    files["exports/entra.csv"] = ENTRA["exports/entra.csv"].replace("Frank,Ruiz", "Frank,")
    root = write(tmp_path, files)
    (d,) = by_code(root, "user.missing-family-name")
    assert d.location is not None and d.location.line == 3
    assert d.hint is not None and "in the export" in d.hint


def test_every_direct_form_key_reaches_the_user(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "p.yaml": """\
                users:
                  - userName: bob@corp.example
                    externalId: b-1
                    givenName: Bob
                    middleName: J
                    familyName: Stone
                    displayName: Bob Stone
                    nickName: Bobby
                    title: Engineer
                    userType: Employee
                    preferredLanguage: en-GB
                    locale: en_GB
                    timezone: Europe/London
                    profileUrl: https://corp.example/~bob
                    active: false
                    email: bob@corp.example
                    emailType: work
                    phone: "+44 20 7946 0000"
                    phoneType: mobile
                    address: {streetAddress: 1 Road, locality: London, region: LDN,
                              postalCode: "EC1A 1BB", country: GB, formatted: 1 Road London}
                    employeeNumber: "007"
                    costCenter: CC-1
                    organization: Corp
                    division: Eng
                    department: Platform
                    manager: BOB@corp.example
                """
        },
    )
    loaded = load_config(root)
    assert [d.code for d in loaded.diagnostics] == ["config.no-settings"]
    assert loaded.desired.users == (
        User(
            user_name="bob@corp.example",
            external_id="b-1",
            given_name="Bob",
            middle_name="J",
            family_name="Stone",
            display_name="Bob Stone",
            nick_name="Bobby",
            title="Engineer",
            user_type="Employee",
            preferred_language="en-GB",
            locale="en_GB",
            timezone="Europe/London",
            profile_url="https://corp.example/~bob",
            active=False,
            email="bob@corp.example",
            email_type="work",
            phone="+44 20 7946 0000",
            phone_type="mobile",
            address=Address("1 Road", "London", "LDN", "EC1A 1BB", "GB", "1 Road London"),
            employee_number="007",
            cost_center="CC-1",
            organization="Corp",
            division="Eng",
            department="Platform",
            manager="bob@corp.example",
        ),
    )


def test_an_empty_required_name_is_not_told_to_go_away(tmp_path: Path) -> None:
    root = write(tmp_path, {"p.yaml": ALICE.replace("givenName: Alice", 'givenName: ""')})
    (d,) = by_code(root, "user.empty-value")
    assert d.hint == "give it a value: AWS requires givenName"
    root = write(tmp_path, {"p.yaml": ALICE.replace("title", "x") + '    title: ""\n'})
    (d,) = by_code(root, "user.empty-value")
    assert d.hint == "remove the key instead of leaving it empty"


def test_a_user_without_a_name_does_not_make_an_empty_member_known(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {"p.yaml": "users:\n  - givenName: A\ngroups:\n  - displayName: g\n    members: ['']\n"},
    )
    assert found(root) == [
        ("user.missing-user-name", "p.yaml", 2),
        ("group.unknown-member", "p.yaml", 5),
    ]


def test_a_mapped_yaml_user_is_told_to_fill_the_field_the_template_reads(tmp_path: Path) -> None:
    files = {
        "scimform.yaml": ENTRA["scimform.yaml"].replace(
            "        sources:\n          - path: exports/entra.csv\n", ""
        ),
        "u.yaml": "users:\n  - {upn: g@corp.example, objectId: g-7, givenName: Gina}\n",
    }
    root = write(tmp_path, files)
    (d,) = by_code(root, "user.missing-family-name")
    assert d.hint == "fill in the field its mapping template reads, or add a fallback ({a|b})"


# Codes no test asserted before the audit: (files, code, file, line).
UNTESTED = [
    ({"scimform.yaml": "sources:\n  - format: csv\n"}, "schema.missing-key", "scimform.yaml", 2),
    ({"g.yaml": f"groups:\n  - displayName: {'g' * 1025}\n"}, "group.value-too-long", "g.yaml", 2),
    ({"g.yaml": "groups:\n  - displayName: '<admins>'\n"}, "group.risky-character", "g.yaml", 2),
    (
        {"t.yaml": "tokens:\n  expected:\n    - {created: 2026-01-01, expires: 2026-02-01}\n"},
        "tokens.missing-id",
        "t.yaml",
        3,
    ),
    (
        {"t.yaml": "tokens:\n  expected:\n    - {id: t1, expires: 2026-02-01}\n"},
        "tokens.missing-created",
        "t.yaml",
        3,
    ),
    ({"x.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n"}, "yaml.too-deep", "x.yaml", 1),
]


@pytest.mark.parametrize(("files", "code", "file", "line"), UNTESTED)
def test_each_code_points_at_the_file_and_line(
    tmp_path: Path, files: dict[str, str], code: str, file: str, line: int
) -> None:
    root = write(tmp_path, files)
    (d,) = by_code(root, code)
    assert d.location is not None and (Path(d.location.file).name, d.location.line) == (
        file,
        line,
    )
    assert d.hint


def test_a_directory_that_cannot_be_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, where permissions do not stop a listing: fake the refusal.
    locked = tmp_path / "locked"
    locked.mkdir()
    scandir = os.scandir

    def refuse(path: Any) -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied")
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    (d,) = by_code(tmp_path, "config.unreadable")
    assert d.location is not None and d.location.file == str(locked)
    assert "Permission denied" in d.message


def test_what_one_export_lacks_is_not_held_against_the_next(tmp_path: Path) -> None:
    files = dict(ENTRA)
    files["scimform.yaml"] = (
        ENTRA["scimform.yaml"].rstrip(" ") + "          - path: exports/more.csv\n"
    )
    files["exports/entra.csv"] = "objectId,upn,givenName,mail\ne-1,erin@corp.example,Erin,\n"
    files["exports/more.csv"] = "objectId,upn,givenName,mail\ne-2,gil@corp.example,Gil,\n"
    root = write(tmp_path, files)
    missing = [d.location.file for d in by_code(root, "user.missing-family-name") if d.location]
    assert missing == []  # both exports lack surname: said at the mapping, once per export
    unfilled = [d for d in by_code(root, "mapping.unknown-field") if "surname" in d.message]
    assert len(unfilled) == 4  # familyName and displayName, for each export
    files["exports/more.csv"] = (
        "objectId,upn,givenName,surname,mail\ne-2,gil@corp.example,Gil,,\n"
        "e-3,hal@corp.example,Hal,Ito,\n"
    )
    root = write(tmp_path, files)
    (d,) = by_code(root, "user.missing-family-name")
    assert d.location is not None and Path(d.location.file).name == "more.csv"
