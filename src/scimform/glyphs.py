"""What a reader cannot see in a name: invisible and bidirectional control characters,
letters of another script mixed into a word, and text not in its composed form (NFC).

The config rules (`config.text_rules`) report these, and `visible` marks them as `<U+200B>`
in what a reviewer reads (text and markdown plans, those rules' messages), so that two names
that differ never look alike there. Pure functions over the standard library's Unicode
tables.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache

# Bidirectional controls reorder what follows them: `evil\u202egpj.exe` shows as
# "evilexe.jpg".
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Default-ignorable characters that are not format controls (Cf): the combining grapheme
# joiner, Hangul fillers, Khmer inherent vowels, Mongolian selectors, variation selectors.
_IGNORABLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
)
_ZWNJ, _ZWJ = "\u200c", "\u200d"
_EMOJI_SELECTORS = frozenset("\ufe0e\ufe0f")
_VIRAMA = 9  # canonical combining class
# Scripts that one writing system uses together (UTS #39, "highly restrictive").
_TOGETHER = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# First words of letter names that are not the script's name.
_NAME_SCRIPTS = {"CJK": "HAN", "IDEOGRAPHIC": "HAN", "KATAKANA-HIRAGANA": ""}


def code_point(char: str) -> str:
    """`U+0430 CYRILLIC SMALL LETTER A`."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def is_ignorable(char: str) -> bool:
    """Whether a character shows nothing (or nothing of its own): format controls, controls,
    unusual spaces, private-use characters and the other default-ignorable ones."""
    if char in _IGNORABLE or ("\U000e0100" <= char <= "\U000e01ef"):
        return True
    category = unicodedata.category(char)
    if category in ("Zs", "Zl", "Zp"):
        return char != " "
    return category in ("Cf", "Cc", "Co", "Cs") or char == "\u2800"


def hidden(text: str) -> list[int]:
    """The positions of the characters a reader cannot see; a joiner or a variation selector
    where a script or an emoji needs it is not one of them."""
    if text.isascii() and text.isprintable():
        return []
    return [i for i, char in enumerate(text) if is_ignorable(char) and not _needed(text, i)]


def _needed(text: str, index: int) -> bool:
    char = text[index]
    before = text[index - 1] if index else ""
    after = text[index + 1 : index + 2]
    if char in (_ZWNJ, _ZWJ) and before and unicodedata.combining(before) == _VIRAMA:
        return True  # Indic conjuncts (IDNA's CONTEXTJ rule)
    if char == _ZWNJ:
        return script(before) == script(after) == "ARABIC"  # Persian word forms
    if char == _ZWJ:
        return _emoji(before) and _emoji(after)  # 👩‍💻
    if char in _EMOJI_SELECTORS:
        return _emoji(before) or before.isdigit() or before in "#*"  # ❤️, 1️⃣
    return False


def _emoji(char: str) -> bool:
    return bool(char) and (unicodedata.category(char) == "So" or char in _EMOJI_SELECTORS)


def describe(char: str) -> str:
    """What kind of hidden character this is, in words."""
    if char in BIDI_CONTROLS:
        return "a bidirectional control"
    if unicodedata.category(char) in ("Zs", "Zl", "Zp"):
        return "a space that is not a plain space"
    return "an invisible character"


@lru_cache(maxsize=4096)
def script(char: str) -> str | None:
    """The script of a letter (`LATIN`, `CYRILLIC`, `HAN`...); None for what every script
    shares: digits, punctuation, symbols, combining marks."""
    if not char:
        return None
    if char.isascii():
        return "LATIN" if char.isalpha() else None
    if not unicodedata.category(char).startswith("L"):
        return None
    # A letter with an accent, a fullwidth or mathematical letter: its base letter's script.
    base = unicodedata.normalize("NFKD", char)[:1]
    if base != char:
        return script(base)
    first = unicodedata.name(char, "").partition(" ")[0]
    return _NAME_SCRIPTS.get(first, first) or None


def foreign(word: str) -> list[str]:
    """The letters of `word` that come from another script than most of its letters, when
    no writing system mixes those scripts (Japanese mixes Han, kana and Latin; that is
    fine). Empty for a word in one script."""
    if word.isascii():
        return []
    letters = [(char, script(char)) for char in word]
    counts = Counter(name for _, name in letters if name)
    if len(counts) < 2 or any(set(counts) <= together for together in _TOGETHER):
        return []
    # Most letters decide; on a tie Latin does, the script of most names in a config.
    main = max(counts, key=lambda name: (counts[name], name == "LATIN", name))
    return [char for char, name in letters if name and name != main]


def not_composed(word: str) -> list[str]:
    """The characters that make `word` differ from its NFC form: combining marks that
    NFC would compose, and characters NFC replaces (U+212B ANGSTROM SIGN). Empty in NFC."""
    if word.isascii() or unicodedata.is_normalized("NFC", word):
        return []
    return [
        char
        for char in word
        if unicodedata.combining(char) or unicodedata.normalize("NFC", char) != char
    ]


def marked(char: str) -> str:
    """`<U+200B>`."""
    return f"<U+{ord(char):04X}>"


def visible(text: str) -> str:
    """`text` with what a reader could not tell apart marked: hidden characters, letters
    of another script mixed into a word and the combining marks of a word not in NFC
    are written as `<U+XXXX>`. The same text when there is nothing to mark."""
    if text.isascii() and text.isprintable():
        return text  # the usual case, decided in C
    marks = set(hidden(text))
    start = 0
    for word in text.split(" "):
        suspects = set(foreign(word)) | set(not_composed(word))
        marks.update(start + i for i, char in enumerate(word) if char in suspects)
        start += len(word) + 1
    return "".join(marked(char) if i in marks else char for i, char in enumerate(text))
