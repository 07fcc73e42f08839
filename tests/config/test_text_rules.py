"""Names a reviewer could misread, through the real `scimform validate`: invisible and
bidirectional control characters and non-NFC forms (errors), mixed scripts and look-alike
names (warnings), each at file:line:column with the code points shown."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from scimform_cli import cli

CAFE_NFC = "café"
CAFE_NFD = unicodedata.normalize("NFD", CAFE_NFC)
CYRILLIC_A = "\u0430"


def user(name: str, n: int, **more: str) -> str:
    fields = {
        "userName": name,
        "externalId": f"x-{n}",
        "givenName": "Given",
        "familyName": "Family",
        "displayName": f"User {n}",
        "email": f"user{n}@corp.example",
        **more,
    }
    lines = [f'    {key}: "{value}"' for key, value in fields.items()]
    return "  -" + "\n".join(lines)[3:] + "\n"


def validate(tmp_path: Path, people: str) -> tuple[int, list[dict[str, Any]]]:
    """Exit code and diagnostics of `scimform validate --format json` on a config whose
    people.yaml is `people` (written as UTF-8, the characters as they are)."""
    (tmp_path / "scimform.yaml").write_text("ownership: {prune: false}\n")
    (tmp_path / "people.yaml").write_text(people, encoding="utf-8")
    result = cli("validate", str(tmp_path), "--format", "json")
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)["diagnostics"]


def found(diagnostics: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [d for d in diagnostics if d["code"] == code]


def test_the_same_name_in_nfc_and_nfd_is_an_error_with_the_nfc_form_as_hint(
    tmp_path: Path,
) -> None:
    code, diagnostics = validate(tmp_path, "users:\n" + user(CAFE_NFC, 1) + user(CAFE_NFD, 2))
    assert code == 1
    (error,) = found(diagnostics, "user.not-nfc")
    assert (error["line"], error["column"]) == (8, 5)
    assert error["severity"] == "error"
    assert 'userName "cafe<U+0301>" is not in composed form (NFC)' in error["message"]
    assert error["hint"] == (
        f'write it as "{CAFE_NFC}" in NFC, with U+00E9 LATIN SMALL LETTER E WITH ACUTE'
    )
    (look,) = found(diagnostics, "user.confusable")
    assert look["severity"] == "warning" and look["line"] == 8
    assert look["message"].endswith(
        f'looks like "{CAFE_NFC}" (first at {tmp_path}/people.yaml:2:5)'
    )


def test_a_cyrillic_letter_in_a_latin_name_is_mixed_script_and_a_look_alike(
    tmp_path: Path,
) -> None:
    code, diagnostics = validate(tmp_path, "users:\n" + user("admin", 1) + user("аdmin", 2))
    assert code == 0  # warnings: a real name may mix scripts
    (mixed,) = found(diagnostics, "user.mixed-script")
    assert (mixed["line"], mixed["column"]) == (8, 5)
    assert mixed["message"] == (
        'userName "<U+0430>dmin" mixes scripts in one word: U+0430 CYRILLIC SMALL LETTER A'
    )
    (look,) = found(diagnostics, "user.confusable")
    assert look["message"].startswith('userName "<U+0430>dmin" looks like "admin"')
    result = cli("validate", str(tmp_path), "--strict")
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("name", "shown", "kind"),
    [
        ("ad\u200bmin2", "ad<U+200B>min2", "an invisible character: U+200B ZERO WIDTH SPACE"),
        (
            "evil\u202egpj.exe",
            "evil<U+202E>gpj.exe",
            "a bidirectional control: U+202E RIGHT-TO-LEFT OVERRIDE",
        ),
        ("bob\u00a0smith", "bob<U+00A0>smith", "a space that is not a plain space"),
        ("soft\u00adhyphen", "soft<U+00AD>hyphen", "an invisible character: U+00AD SOFT HYPHEN"),
    ],
)
def test_invisible_and_bidirectional_characters_are_errors(
    tmp_path: Path, name: str, shown: str, kind: str
) -> None:
    people = "users:\n" + user(name, 1, displayName=name)
    code, diagnostics = validate(tmp_path, people)
    assert code == 1
    errors = found(diagnostics, "user.invisible-character")
    assert [(e["line"], e["column"]) for e in errors] == [(2, 5), (6, 5)]
    assert errors[0]["message"].startswith(f'userName "{shown}" contains {kind}')
    assert errors[1]["message"].startswith(f'displayName "{shown}" contains')
    assert "remove it" in errors[0]["hint"]


def test_group_names_former_names_and_members_are_checked(tmp_path: Path) -> None:
    people = (
        "users:\n"
        + user("admin", 1)
        + (
            "groups:\n"
            "  - displayName: ops\n"
            "  - displayName: \u043eps-team\n"  # Cyrillic о
            '    previously: ["old\u200dops"]\n'
            '    members: ["ad\u200bmin", "admin"]\n'
        )
    )
    code, diagnostics = validate(tmp_path, people)
    assert code == 1
    (mixed,) = found(diagnostics, "group.mixed-script")
    assert mixed["line"] == 10 and "U+043E CYRILLIC SMALL LETTER O" in mixed["message"]
    hidden = found(diagnostics, "group.invisible-character")
    assert [(d["line"], d["column"]) for d in hidden] == [(11, 18), (12, 15)]
    assert hidden[0]["message"].startswith('former name "old<U+200D>ops" contains')
    assert hidden[1]["message"].startswith('member "ad<U+200B>min" contains')
    # The reference is also unknown: the new error says why it looks declared.
    assert found(diagnostics, "group.unknown-member")[0]["line"] == 12


def test_a_former_name_may_look_like_its_own_group_s_new_name(tmp_path: Path) -> None:
    people = 'groups:\n  - displayName: ops\n    previously: ["\u043eps"]\n'
    _, diagnostics = validate(tmp_path, people)
    assert found(diagnostics, "group.confusable") == []
    (mixed,) = found(diagnostics, "group.mixed-script")  # the former name's own warning
    assert mixed["message"].startswith('former name "<U+043E>ps" mixes scripts')


def test_look_alike_group_names_across_groups(tmp_path: Path) -> None:
    people = "groups:\n  - displayName: Admins\n  - displayName: \u0410dmins\n"
    _, diagnostics = validate(tmp_path, people)
    (look,) = found(diagnostics, "group.confusable")
    assert look["message"].startswith('group name "<U+0410>dmins" looks like "Admins"')


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ångström",  # accents, in NFC
        "山田 太郎",  # Han
        "田中ひらがなカタカナ",  # Han and kana: one writing system
        "Иван Petrov",  # two scripts, in two words
        "Ελένη",  # Greek
        "मनोज्\u200dञ",  # a joiner after a virama (Devanagari)
        "می\u200cخواهم",  # a non-joiner in a Persian word
        "👩\u200d💻 team ❤️",  # an emoji sequence and an emoji selector
        "O'Brien-Smith",
    ],
)
def test_real_names_are_not_flagged(tmp_path: Path, name: str) -> None:
    code, diagnostics = validate(tmp_path, "users:\n" + user("u1", 1, displayName=name))
    assert code == 0
    assert [d for d in diagnostics if d["code"].startswith("user.")] == []


def test_distinct_ascii_names_that_read_the_same_are_look_alikes(tmp_path: Path) -> None:
    people = "users:\n" + user("rnorgan", 1) + user("morgan", 2) + user("bob0", 3) + user("bobo", 4)
    _, diagnostics = validate(tmp_path, people)
    assert [d["line"] for d in found(diagnostics, "user.confusable")] == [8, 20]


def test_names_that_differ_in_case_only_are_duplicates_not_look_alikes(tmp_path: Path) -> None:
    _, diagnostics = validate(tmp_path, "users:\n" + user("Alice", 1) + user("alice", 2))
    assert found(diagnostics, "user.duplicate-user-name")
    assert found(diagnostics, "user.confusable") == []
