"""What a reader cannot see: hidden characters, mixed scripts, NFC, and the marks for them."""

from __future__ import annotations

import unicodedata

import pytest

from scimform.glyphs import code_point, foreign, hidden, not_composed, script, visible


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("a", "LATIN"),
        ("é", "LATIN"),
        ("\uff41", "LATIN"),  # FULLWIDTH LATIN SMALL LETTER A
        ("\U0001d41a", "LATIN"),  # MATHEMATICAL BOLD SMALL A
        ("\u0430", "CYRILLIC"),
        ("\u03b1", "GREEK"),
        ("山", "HAN"),
        ("ひ", "HIRAGANA"),
        ("1", None),
        ("-", None),
        ("\u0301", None),
    ],
)
def test_script_of_a_character(char: str, expected: str | None) -> None:
    assert script(char) == expected


def test_hidden_characters_and_the_joiners_a_script_needs() -> None:
    assert hidden("ad\u200bmin") == [2]
    assert hidden("a\u202eb\u2066c\u00a0d\u00ade\x07") == [1, 3, 5, 7, 9]
    assert hidden("a\ufe0fb") == [1]  # a variation selector after a letter: nothing to select
    assert hidden("क्\u200dष") == []  # after a virama
    assert hidden("می\u200cخواهم") == []  # inside a Persian word
    assert hidden("a\u200cb") == [1]
    assert hidden("👩\u200d💻 ❤️ 1\ufe0f\u20e3") == []  # emoji sequences


def test_foreign_letters_are_those_outside_the_word_s_main_script() -> None:
    assert foreign("\u0430dmin") == ["\u0430"]
    assert foreign("пар\u006fль") == ["o"]  # a Latin o in a Cyrillic word
    assert foreign("田中ひらがなカタカナ") == []
    assert foreign("admin") == foreign("Zoë") == []


def test_not_composed_names_the_characters_nfc_would_change() -> None:
    assert not_composed(unicodedata.normalize("NFD", "café")) == ["\u0301"]
    assert not_composed("\u212bngstr\u00f6m") == ["\u212b"]  # ANGSTROM SIGN
    assert not_composed("café") == []


def test_visible_marks_each_kind() -> None:
    assert visible("ad\u200bmin2") == "ad<U+200B>min2"
    assert visible("evil\u202egpj.exe") == "evil<U+202E>gpj.exe"
    assert visible(unicodedata.normalize("NFD", "café")) == "cafe<U+0301>"
    assert visible("\u0430dmin and Иван") == "<U+0430>dmin and Иван"
    assert visible("line\nbreak") == "line<U+000A>break"


def test_a_code_point_is_written_with_its_name() -> None:
    assert code_point("\u0430") == "U+0430 CYRILLIC SMALL LETTER A"
    assert code_point("\U000e0001") == "U+E0001 LANGUAGE TAG"
