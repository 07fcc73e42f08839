"""load_config end to end: the desired state it builds (membership from both sides, scope,
tokens), the mapping and source paths, and how it reports what is wrong."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from scimform.config.loader import load_config
from scimform.diagnostics import Severity
from scimform.errors import ConfigError
from scimform.model import Address, ExpectedToken, Group, User


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


ORG = {
    "scimform.yaml": "ownership: {prune: true}\n",
    "people/platform.yaml": """\
        users:
          - userName: bob@corp.example
            externalId: b-2
            givenName: Bob
            familyName: Stone
            displayName: Bob Stone
            email: Bob@Corp.example
            address: {locality: Oslo, country: "NO", postalCode: "0150"}
            manager: ALICE@corp.example
            groups: [Platform-Admins]
          - userName: alice@corp.example
            externalId: a-1
            givenName: Alice
            familyName: Liddell
            displayName: Alice Liddell
            email: alice@corp.example
            active: false
        """,
    "groups.yaml": """\
        groups:
          - displayName: platform-admins
            externalId: g-1
            members: [Alice@corp.example]
            previously: [platform-administrators]
          - displayName: auditors
        """,
    "tokens.yaml": """\
        tokens:
          warn_before_expiry: 90d
          rotate_before_expiry: 45
          expected:
            - {id: tok-1, created: 2026-02-01, expires: 2027-02-01, used_by: github-actions}
        """,
}


def test_the_desired_state_is_canonical_and_sorted(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, ORG))
    assert list(loaded.diagnostics) == []
    desired = loaded.desired
    assert [u.user_name for u in desired.users] == ["alice@corp.example", "bob@corp.example"]
    alice, bob = desired.users
    assert alice == User(
        user_name="alice@corp.example",
        external_id="a-1",
        given_name="Alice",
        family_name="Liddell",
        display_name="Alice Liddell",
        email="alice@corp.example",
        active=False,
    )
    assert bob.manager == "alice@corp.example"  # resolved to the declared spelling
    assert bob.address == Address(locality="Oslo", country="NO", postal_code="0150")
    assert [g.display_name for g in desired.groups] == ["auditors", "platform-admins"]
    assert desired.groups[1] == Group(
        display_name="platform-admins",
        external_id="g-1",
        members=frozenset({"alice@corp.example", "bob@corp.example"}),  # both sides merged
        previously=("platform-administrators",),
    )
    assert desired.tokens == (
        ExpectedToken("tok-1", date(2026, 2, 1), date(2027, 2, 1), "github-actions"),
    )
    assert desired.token_policy.warn_before_expiry == timedelta(days=90)
    assert desired.token_policy.rotate_before_expiry == timedelta(days=45)
    assert loaded.settings.ownership.prune is True
    assert loaded.files == (
        tmp_path / "groups.yaml",
        tmp_path / "people" / "platform.yaml",
        tmp_path / "tokens.yaml",
    )
    assert loaded.require_valid() is desired


def test_require_valid_raises_with_the_diagnostics(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, {"g.yaml": "groups:\n  - displayName: ''\n"}))
    with pytest.raises(ConfigError) as raised:
        loaded.require_valid()
    codes = [d.code for d in raised.value.diagnostics]
    assert codes == ["config.no-settings", "group.empty-value"]


SCOPED = {
    "scimform.yaml": "scope:\n  groups: [AWS-users]\n",
    "p.yaml": """\
        users:
          - {userName: a@x.example, externalId: '1', givenName: A, familyName: A, displayName: A,
             email: a@x.example, groups: [aws-users]}
          - {userName: b@x.example, externalId: '2', givenName: B, familyName: B, displayName: B,
             email: b@x.example}
          - {userName: c@x.example, externalId: '3', givenName: C, familyName: C, displayName: C,
             email: c@x.example, groups: [devs]}
        groups:
          - displayName: aws-users
            members: [c@x.example]
          - displayName: devs
        """,
}


def test_scope_provisions_only_the_scope_groups_and_their_members(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, SCOPED))
    desired = loaded.desired
    assert [u.user_name for u in desired.users] == ["a@x.example", "c@x.example"]
    assert [g.display_name for g in desired.groups] == ["aws-users"]
    assert desired.out_of_scope == ("b@x.example",)
    infos = [(d.code, d.location.line if d.location else None) for d in loaded.diagnostics]
    assert infos == [("scope.out-of-scope", 4), ("scope.group-out-of-scope", 11)]
    assert all(d.severity is Severity.INFO for d in loaded.diagnostics)


MAPPED = {
    "scimform.yaml": """\
        mapping:
          userName: "{upn}"
          externalId: "{objectId}"
          givenName: "{givenName}"
          name.familyName: "{surname}"
          displayName: "{givenName} {surname}"
          email: "{mail|upn}"
          department: "{dept}"
        sources:
          - path: exports/entra.csv
        """,
    "exports/entra.csv": """\
        objectId,upn,givenName,surname,mail,dept
        e-1,erin@corp.example,Erin,Ng,,Data
        e-2,frank@corp.example,Frank,,frank@corp.example,Data
        """,
    "extra.yaml": """\
        users:
          - {upn: gina@corp.example, objectId: g-7, givenName: Gina, surname: Ruiz,
             groups: [data]}
        groups:
          - displayName: data
            members: [erin@corp.example]
        """,
}


def test_mapping_applies_to_yaml_users_and_to_sources(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, MAPPED))
    by_name = {u.user_name: u for u in loaded.desired.users}
    assert sorted(by_name) == ["erin@corp.example", "frank@corp.example", "gina@corp.example"]
    erin = by_name["erin@corp.example"]
    assert (erin.external_id, erin.email, erin.display_name, erin.department) == (
        "e-1",
        "erin@corp.example",  # the fallback {mail|upn}
        "Erin Ng",
        "Data",
    )
    assert loaded.desired.groups[0].members == {"erin@corp.example", "gina@corp.example"}
    # Frank has no surname: the diagnostic points at his row of the CSV.
    (missing,) = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
    assert missing.code == "user.missing-family-name"
    assert missing.location is not None
    assert (missing.location.file, missing.location.line) == (
        str(tmp_path / "exports" / "entra.csv"),
        3,
    )


def test_a_broken_mapping_is_reported_once_not_per_user(tmp_path: Path) -> None:
    files = dict(MAPPED)
    files["scimform.yaml"] = MAPPED["scimform.yaml"].replace(
        '          name.familyName: "{surname}"\n', ""
    )
    loaded = load_config(write(tmp_path, files))
    errors = [(d.code, d.location.line if d.location else None) for d in loaded.diagnostics]
    assert errors == [("mapping.missing-required", 1)]  # at mapping:, where it is missing


def test_a_source_that_cannot_be_read(tmp_path: Path) -> None:
    files = dict(MAPPED)
    del files["exports/entra.csv"]
    loaded = load_config(write(tmp_path, files))
    (d,) = [d for d in loaded.diagnostics if d.code == "source.unreadable"]
    assert d.location is not None
    assert (Path(d.location.file).name, d.location.line) == ("scimform.yaml", 10)


def test_settings_errors_keep_the_rest_checked(tmp_path: Path) -> None:
    loaded = load_config(
        write(
            tmp_path,
            {
                "scimform.yaml": "scopes: {groups: [a]}\nusers: []\nsafety: {max_update_pct: x}\n",
                "g.yaml": "groups:\n  - displayName: Administrator\n",
            },
        )
    )
    found = {d.code: d for d in loaded.diagnostics}
    assert found["group.reserved-name"].location is not None
    unknown = [d for d in loaded.diagnostics if d.code == "schema.unknown-key"]
    assert [d.hint for d in unknown] == [
        'did you mean "scope"?',
        "users: belongs in another *.yaml file, not in scimform.yaml",
    ]
    assert found["schema.wrong-type"].message == '"max_update_pct" must be a number, not a string'
    assert loaded.settings.safety.max_update_pct == 30  # the section fell back to defaults


def test_a_resource_file_with_settings_keys(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, {"scimform.yaml": "{}\n", "x.yaml": "target: {}\n"}))
    (d,) = loaded.diagnostics
    assert d.code == "schema.unknown-key"
    assert d.hint == "target: is a setting; settings belong in scimform.yaml"


def test_an_unreadable_scimform_yaml_does_not_flood(tmp_path: Path) -> None:
    files = dict(MAPPED)
    files["scimform.yaml"] = "mapping:\n\tuserName: '{upn}'\n"
    loaded = load_config(write(tmp_path, files))
    assert [(d.code, Path(d.location.file).name) for d in loaded.diagnostics if d.location] == [
        ("yaml.tab", "scimform.yaml")
    ]
    assert loaded.desired.users == ()


def test_an_empty_scimform_yaml_means_the_defaults(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, {"scimform.yaml": "# all defaults\n"}))
    assert list(loaded.diagnostics) == []


def test_suggestions_stay_useful_in_a_large_org(tmp_path: Path) -> None:
    users = "".join(
        f"  - {{userName: u{i:05d}@corp.example, externalId: '{i}', givenName: G, "
        f"familyName: F, displayName: G F, email: u{i:05d}@corp.example}}\n"
        for i in range(6000)
    )
    groups = "groups:\n  - displayName: g\n    members: [u01234@corp.exmaple, zzz]\n"
    loaded = load_config(
        write(tmp_path, {"scimform.yaml": "{}\n", "u.yaml": "users:\n" + users + groups})
    )
    hints = [d.hint for d in loaded.diagnostics if d.code == "group.unknown-member"]
    assert hints == ['did you mean "u01234@corp.example"?', "declare the user, or remove this name"]


def test_a_field_no_mapped_yaml_user_has_is_an_error_unless_optional(tmp_path: Path) -> None:
    settings = MAPPED["scimform.yaml"].split("        sources:")[0]
    files = {
        "scimform.yaml": settings,
        "people.yaml": """\
            users:
              - {upn: gina@corp.example, objectId: g-7, givenName: Gina, surname: Ruiz,
                 department: Data}
              - {upn: hal@corp.example, objectId: h-8, givenName: Hal, surname: Ng}
            """,
    }
    loaded = load_config(write(tmp_path, files))
    (d,) = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
    assert d.code == "mapping.unknown-field"
    assert d.message == (
        'department: no user in the YAML files has a value for "dept", so no user would get '
        "department from this template"
    )
    assert d.hint == 'did you mean "department"?'
    assert d.location is not None and d.location.line == 8
    files["scimform.yaml"] = settings.replace('"{dept}"', '"{dept?}"')
    assert not load_config(write(tmp_path, files)).diagnostics.has_errors
