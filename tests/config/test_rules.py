"""Every rule, each with a small bad config: the code, the file and the line it points at."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import entry_text, person, write_files

from scimform.config.loader import load_config
from scimform.diagnostics import Diagnostic, Severity

ALICE = entry_text(
    person("alice", externalId="a-1", familyName="Liddell", displayName="Alice Liddell")
)
NAMES = {"givenName": "Given", "familyName": "Family", "displayName": "Given Family"}


def hits(root: Path, code: str) -> list[Diagnostic]:
    found = [d for d in load_config(root).diagnostics if d.code == code]
    return found


def where(root: Path, diagnostics: list[Diagnostic]) -> list[tuple[str, int | None]]:
    out = []
    for d in diagnostics:
        assert d.location is not None
        out.append((Path(d.location.file).relative_to(root).as_posix(), d.location.line))
    return out


def user(name: str, **fields: str) -> str:
    """A valid user entry as text, with some fields replaced ("" drops the field)."""
    return entry_text(
        person(name, **{"userName": name, "externalId": f"id-{name}", **NAMES, **fields})
    )


# (files, code, file, line): the single diagnostic with that code, and where it points.
CASES = [
    # --- required names ------------------------------------------------------------------
    ({"p.yaml": "users:\n" + user("bob", givenName="")}, "user.missing-given-name", "p.yaml", 2),
    ({"p.yaml": "users:\n" + user("bob", familyName="")}, "user.missing-family-name", "p.yaml", 2),
    (
        {"p.yaml": "users:\n" + ALICE + user("bob", displayName="")},
        "user.missing-display-name",
        "p.yaml",
        8,
    ),
    ({"p.yaml": "users:\n  - givenName: Bob\n"}, "user.missing-user-name", "p.yaml", 2),
    # --- email -----------------------------------------------------------------------------
    ({"p.yaml": "users:\n" + user("bob", email="")}, "user.missing-email", "p.yaml", 2),
    ({"p.yaml": "users:\n" + user("bob", email="bob")}, "user.invalid-email", "p.yaml", 7),
    (
        {"p.yaml": "users:\n" + user("bob@corp.example", email="alice@corp.example") + ALICE},
        "user.duplicate-email",
        "p.yaml",
        13,
    ),
    (
        {"p.yaml": "users:\n" + user("bob", email="[bob@a.example, bob@b.example]")},
        "user.multi-valued-email",
        "p.yaml",
        7,
    ),
    (
        {"p.yaml": "users:\n" + user("bob", emails="[bob@a.example]")},
        "user.multi-valued-email",
        "p.yaml",
        8,
    ),
    (
        {"p.yaml": "users:\n" + user("bob", phoneNumbers="['+1 555 0100', '+1 555 0101']")},
        "user.multi-valued-phone",
        "p.yaml",
        8,
    ),
    (
        {"p.yaml": "users:\n" + user("bob", address="[{locality: Oslo}, {locality: Bergen}]")},
        "user.multi-valued-address",
        "p.yaml",
        8,
    ),
    # --- uniqueness ------------------------------------------------------------------------
    (
        {
            "a.yaml": "users:\n" + ALICE,
            "b.yaml": "users:\n" + user("Alice@Corp.example", email="a2@corp.example"),
        },
        "user.duplicate-user-name",
        "b.yaml",
        2,
    ),
    (
        {"p.yaml": "users:\n" + ALICE + user("bob", externalId="a-1")},
        "user.duplicate-external-id",
        "p.yaml",
        9,
    ),
    ({"p.yaml": "users:\n" + user("bob", externalId="")}, "user.missing-external-id", "p.yaml", 2),
    # --- AWS limits ------------------------------------------------------------------------
    (
        {"p.yaml": "users:\n" + user("b" * 129, email="bob@corp.example")},
        "user.user-name-too-long",
        "p.yaml",
        2,
    ),
    (
        {"p.yaml": "users:\n" + user('"bob smith"', email="bob@corp.example")},
        "user.user-name-whitespace",
        "p.yaml",
        2,
    ),
    ({"p.yaml": "users:\n" + user("bob", title="x" * 1025)}, "user.value-too-long", "p.yaml", 8),
    (
        {"p.yaml": "users:\n" + user("bob", externalId="e" * 257)},
        "user.value-too-long",
        "p.yaml",
        3,
    ),
    ({"p.yaml": "users:\n" + user("bob", title='""')}, "user.empty-value", "p.yaml", 8),
    (
        {"p.yaml": "users:\n" + user("Administrator", email="adm@corp.example")},
        "user.reserved-name",
        "p.yaml",
        2,
    ),
    (
        {"p.yaml": "users:\n" + user("bob", title='"R&D <lab>"')},
        "user.risky-character",
        "p.yaml",
        8,
    ),
    (
        {"p.yaml": "users:\n" + user("bob", address="{locality: '', country: NO}")},
        "schema.wrong-type",
        "p.yaml",
        8,
    ),
    # --- references ------------------------------------------------------------------------
    (
        {"p.yaml": "users:\n" + ALICE + user("bob", manager="alicia@corp.example")},
        "user.unknown-manager",
        "p.yaml",
        14,
    ),
    (
        {"p.yaml": "users:\n" + user("bob", groups="[admins]") + "groups:\n  - displayName: x\n"},
        "user.unknown-group",
        "p.yaml",
        8,
    ),
    # --- groups ----------------------------------------------------------------------------
    (
        {
            "p.yaml": "users:\n" + ALICE + "groups:\n  - displayName: g\n    members:\n"
            "      - alice@corp.example\n      - alise@corp.example\n"
        },
        "group.unknown-member",
        "p.yaml",
        12,
    ),
    (
        {
            "a.yaml": "groups:\n  - displayName: Admins\n",
            "b.yaml": "groups:\n  - displayName: admins\n",
        },
        "group.duplicate-display-name",
        "b.yaml",
        2,
    ),
    (
        {"p.yaml": "groups:\n  - displayName: a\n  - displayName: b\n    previously: [a]\n"},
        "group.previously-collides",
        "p.yaml",
        4,
    ),
    (
        {
            "p.yaml": "groups:\n  - displayName: a\n    previously: [old]\n"
            "  - displayName: b\n    previously: [x, old]\n"
        },
        "group.previously-collides",
        "p.yaml",
        5,
    ),
    (
        {"p.yaml": "groups:\n  - displayName: AWSAdministrators\n"},
        "group.reserved-name",
        "p.yaml",
        2,
    ),
    ({"p.yaml": "groups:\n  - members: []\n"}, "group.missing-display-name", "p.yaml", 2),
    ({"p.yaml": "groups:\n  - displayName: ''\n"}, "group.empty-value", "p.yaml", 2),
    (
        {
            "p.yaml": "groups:\n  - {displayName: a, externalId: g1}\n"
            "  - {displayName: b, externalId: g1}\n"
        },
        "group.duplicate-external-id",
        "p.yaml",
        3,
    ),
    (
        {
            "p.yaml": "users:\n" + ALICE + "groups:\n  - displayName: g\n"
            "    members: [alice@corp.example, ALICE@corp.example]\n"
        },
        "group.duplicate-member",
        "p.yaml",
        10,
    ),
    # --- tokens ----------------------------------------------------------------------------
    (
        {
            "t.yaml": """\
            tokens:
              expected:
                - {id: t1, created: 2026-01-01, expires: 2026-12-01}
                - {id: t2, created: 2026-06-01, expires: 2027-06-01}
                - {id: t3, created: 2026-09-01, expires: 2027-09-01}
            """
        },
        "tokens.too-many",
        "t.yaml",
        5,
    ),
    (
        {
            "t.yaml": "tokens:\n  expected:\n    - id: t1\n      created: 2026-01-01\n"
            "      expires: 2027-01-02\n"
        },
        "tokens.expiry-too-late",
        "t.yaml",
        5,
    ),
    (
        {
            "t.yaml": "tokens:\n  expected:\n"
            "    - {id: t1, created: 2026-01-01, expires: 2025-01-01}\n"
        },
        "tokens.expires-before-created",
        "t.yaml",
        3,
    ),
    (
        {
            "t.yaml": "tokens:\n  expected:\n"
            "    - {id: t1, created: 2026-01-01, expires: 2026-12-01}\n"
            "    - {id: t1, created: 2026-02-01, expires: 2026-12-01}\n"
        },
        "tokens.duplicate-id",
        "t.yaml",
        4,
    ),
    (
        {"a.yaml": "tokens:\n  warn_before_expiry: 30d\n", "b.yaml": "tokens: {expected: []}\n"},
        "tokens.declared-twice",
        "b.yaml",
        1,
    ),
    (
        {"t.yaml": "tokens:\n  expected:\n    - {id: t1, created: 2026-01-01}\n"},
        "tokens.missing-expires",
        "t.yaml",
        3,
    ),
    # --- scope -----------------------------------------------------------------------------
    (
        {
            "scimform.yaml": "scope:\n  groups: [aws-users, aws-admin]\n",
            "g.yaml": "groups:\n  - displayName: aws-users\n  - displayName: aws-admins\n",
        },
        "scope.unknown-group",
        "scimform.yaml",
        2,
    ),
    (
        {"scimform.yaml": "scope:\n  groups: []\n"},
        "scope.empty",
        "scimform.yaml",
        2,
    ),
    # --- YAML and schema -------------------------------------------------------------------
    ({"p.yaml": "users:\n" + user("bob", emial="x")}, "schema.unknown-key", "p.yaml", 8),
    (
        {
            "p.yaml": "users:\n"
            + user("bob", title="a", department="b").replace("department", "title")
        },
        "yaml.duplicate-key",
        "p.yaml",
        9,
    ),
    (
        {"scimform.yaml": "safety:\n  max_delete_pct: 200\n"},
        "schema.invalid-value",
        "scimform.yaml",
        2,
    ),
    ({"scimform.yaml": "target:\n  url: 5\n"}, "schema.wrong-type", "scimform.yaml", 2),
]


@pytest.mark.parametrize(("files", "code", "file", "line"), CASES)
def test_each_rule_points_at_the_file_and_line(
    tmp_path: Path, files: dict[str, str], code: str, file: str, line: int
) -> None:
    root = write_files(tmp_path, files, dedent=True)
    found = hits(root, code)
    assert where(root, found) == [(file, line)], [str(d.location) + " " + d.message for d in found]
    assert found[0].hint, "every diagnostic says what to do"
    assert found[0].location is not None and found[0].location.column is not None


def test_a_duplicate_names_the_first_place(tmp_path: Path) -> None:
    root = write_files(
        tmp_path,
        {
            "a.yaml": "users:\n" + ALICE,
            "b.yaml": "users:\n" + user("ALICE@corp.example", email="a2@corp.example"),
        },
    )
    (found,) = hits(root, "user.duplicate-user-name")
    assert f"first at {root / 'a.yaml'}:2:5" in found.message
    assert found.hint is not None and "differ only in case" in found.hint


def test_missing_external_id_is_a_warning_unless_required(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"p.yaml": "users:\n" + user("bob", externalId="")})
    (found,) = hits(root, "user.missing-external-id")
    assert found.severity is Severity.WARNING
    write_files(root, {"scimform.yaml": "require_external_id: true\n"})
    (found,) = hits(root, "user.missing-external-id")
    assert found.severity is Severity.ERROR


def test_risky_characters_warn_and_spare_profile_urls(tmp_path: Path) -> None:
    root = write_files(
        tmp_path,
        {
            "p.yaml": "users:\n"
            + user("bob", title='"a;b"', profileUrl="https://x.example/%7Ebob"),
        },
    )
    found = hits(root, "user.risky-character")
    assert [d.severity for d in found] == [Severity.WARNING]
    assert "title" in found[0].message


def test_did_you_mean_for_unknown_keys_and_members(tmp_path: Path) -> None:
    root = write_files(
        tmp_path,
        {
            "p.yaml": "users:\n"
            + ALICE.replace("givenName", "givenname")
            + "groups:\n  - displayName: g\n    members: [alise@corp.example]\n",
        },
    )
    diagnostics = {d.code: d for d in load_config(root).diagnostics}
    assert diagnostics["schema.unknown-key"].hint == 'did you mean "givenName"?'
    assert diagnostics["group.unknown-member"].hint == 'did you mean "alice@corp.example"?'


def test_multi_valued_input_says_why(tmp_path: Path) -> None:
    root = write_files(
        tmp_path, {"p.yaml": "users:\n" + user("bob", email="[a@x.example, b@x.example]")}
    )
    (found,) = hits(root, "user.multi-valued-email")
    assert "accepts one email" in found.message
    assert not hits(root, "schema.wrong-type"), "the list gets its own diagnostic only"


def test_a_mistake_is_reported_once_not_as_a_cascade(tmp_path: Path) -> None:
    # A bad value is reported where it is; the rest of the user is still checked (bob's
    # invalid email), the bad key is not also "missing" (carol's givenName), and groups
    # naming either of them do not add "unknown member".
    root = write_files(
        tmp_path,
        {
            "scimform.yaml": "{}\n",
            "p.yaml": "users:\n"
            + user("bob@corp.example", title="5", email="bob")
            + user("carol", givenName="[Carol]")
            + "groups:\n  - displayName: g\n    members: [bob@corp.example, carol]\n",
        },
    )
    codes = sorted(d.code for d in load_config(root).diagnostics)
    assert codes == ["schema.wrong-type", "schema.wrong-type", "user.invalid-email"]


def test_a_secret_in_the_token_field_is_never_shown(tmp_path: Path) -> None:
    secret = "sekrit-" + "A1b2" * 140
    root = write_files(
        tmp_path,
        {
            "scimform.yaml": f"target:\n  token: {secret}\n",
            "t.yaml": f"tokens:\n  expected:\n    - {{id: {secret}, created: 2026-01-01, "
            "expires: 2026-02-01}\n    - {id: "
            + secret
            + ", created: 2026-01-01, expires: 2026-02-01}\n",
        },
    )
    diagnostics = list(load_config(root).diagnostics)
    codes = {d.code for d in diagnostics}
    assert {"settings.token-not-a-reference", "tokens.id-is-secret"} <= codes
    for d in diagnostics:
        assert "A1b2A1b2" not in f"{d.message} {d.hint}"


def test_a_valid_config_has_no_diagnostics(tmp_path: Path) -> None:
    root = write_files(
        tmp_path,
        {
            "scimform.yaml": "require_external_id: true\n",
            "p.yaml": "users:\n"
            + ALICE
            + user("bob", manager="ALICE@corp.example", groups="[admins]")
            + "groups:\n  - displayName: admins\n    previously: [administrators]\n"
            "    members: [alice@corp.example]\n",
            "t.yaml": "tokens:\n  expected:\n"
            "    - {id: t1, created: 2024-02-29, expires: 2025-03-01}\n",
        },
    )
    assert [str(d) for d in load_config(root).diagnostics] == []
