"""Look-alike letters: TR39 skeletons over a curated table of Latin, Cyrillic and Greek.

Two names are confusable when their skeletons are equal (Unicode Technical Standard #39,
section 4): compatibility forms are unfolded (NFKD: fullwidth and mathematical letters),
invisible characters dropped, each letter replaced by the prototype it looks like, and the
result case-folded, since AWS compares userNames and group names without regard to case.

The table holds the entries of TR39's confusables.txt (Unicode 15.1) whose source is a
Latin, Cyrillic or Greek letter and whose prototype is ASCII, plus ASCII's own look-alikes
(0 and O, 1, I, | and l, m and rn). The full file (6,000+ entries, most for scripts that
never meet in a userName) is not shipped: the one PyPI package that ships it,
confusable-homoglyphs, keeps each pair in both directions (so no prototypes, hence no
skeletons), loads 900 KB of JSON, and was last released in January 2024. Scripts outside
the table are still caught by the mixed-script rule when mixed into a Latin name.
"""

from __future__ import annotations

import unicodedata

from scimform.glyphs import is_ignorable

# source: prototype, from confusables.txt.
_PROTOTYPES = {
    "0": "O",
    "1": "l",
    "I": "l",
    "|": "l",
    "m": "rn",
    "`": "'",
    "\u00c6": "AE",  # LATIN CAPITAL LETTER AE
    "\u00e6": "ae",  # LATIN SMALL LETTER AE
    "\u0131": "i",  # LATIN SMALL LETTER DOTLESS I
    "\u0152": "OE",  # LATIN CAPITAL LIGATURE OE
    "\u0153": "oe",  # LATIN SMALL LIGATURE OE
    "\u0184": "b",  # LATIN CAPITAL LETTER TONE SIX
    "\u018d": "g",  # LATIN SMALL LETTER TURNED DELTA
    "\u0196": "l",  # LATIN CAPITAL LETTER IOTA
    "\u01a6": "R",  # LATIN LETTER YR
    "\u01a7": "2",  # LATIN CAPITAL LETTER TONE TWO
    "\u01b7": "3",  # LATIN CAPITAL LETTER EZH
    "\u01bc": "5",  # LATIN CAPITAL LETTER TONE FIVE
    "\u01bd": "s",  # LATIN SMALL LETTER TONE FIVE
    "\u01c0": "l",  # LATIN LETTER DENTAL CLICK
    "\u01c1": "ll",  # LATIN LETTER LATERAL CLICK
    "\u021c": "3",  # LATIN CAPITAL LETTER YOGH
    "\u0222": "8",  # LATIN CAPITAL LETTER OU
    "\u0223": "8",  # LATIN SMALL LETTER OU
    "\u0251": "a",  # LATIN SMALL LETTER ALPHA
    "\u0261": "g",  # LATIN SMALL LETTER SCRIPT G
    "\u0263": "y",  # LATIN SMALL LETTER GAMMA
    "\u0269": "i",  # LATIN SMALL LETTER IOTA
    "\u026a": "i",  # LATIN LETTER SMALL CAPITAL I
    "\u026f": "w",  # LATIN SMALL LETTER TURNED M
    "\u028b": "u",  # LATIN SMALL LETTER V WITH HOOK
    "\u028f": "y",  # LATIN LETTER SMALL CAPITAL Y
    "\u02a3": "dz",  # LATIN SMALL LETTER DZ DIGRAPH
    "\u02a6": "ts",  # LATIN SMALL LETTER TS DIGRAPH
    "\u02aa": "ls",  # LATIN SMALL LETTER LS DIGRAPH
    "\u02ab": "lz",  # LATIN SMALL LETTER LZ DIGRAPH
    "\u037a": "i",  # GREEK YPOGEGRAMMENI
    "\u037f": "J",  # GREEK CAPITAL LETTER YOT
    "\u0391": "A",  # GREEK CAPITAL LETTER ALPHA
    "\u0392": "B",  # GREEK CAPITAL LETTER BETA
    "\u0395": "E",  # GREEK CAPITAL LETTER EPSILON
    "\u0396": "Z",  # GREEK CAPITAL LETTER ZETA
    "\u0397": "H",  # GREEK CAPITAL LETTER ETA
    "\u0399": "l",  # GREEK CAPITAL LETTER IOTA
    "\u039a": "K",  # GREEK CAPITAL LETTER KAPPA
    "\u039c": "M",  # GREEK CAPITAL LETTER MU
    "\u039d": "N",  # GREEK CAPITAL LETTER NU
    "\u039f": "O",  # GREEK CAPITAL LETTER OMICRON
    "\u03a1": "P",  # GREEK CAPITAL LETTER RHO
    "\u03a4": "T",  # GREEK CAPITAL LETTER TAU
    "\u03a5": "Y",  # GREEK CAPITAL LETTER UPSILON
    "\u03a7": "X",  # GREEK CAPITAL LETTER CHI
    "\u03b1": "a",  # GREEK SMALL LETTER ALPHA
    "\u03b3": "y",  # GREEK SMALL LETTER GAMMA
    "\u03b9": "i",  # GREEK SMALL LETTER IOTA
    "\u03bd": "v",  # GREEK SMALL LETTER NU
    "\u03bf": "o",  # GREEK SMALL LETTER OMICRON
    "\u03c1": "p",  # GREEK SMALL LETTER RHO
    "\u03c3": "o",  # GREEK SMALL LETTER SIGMA
    "\u03c5": "u",  # GREEK SMALL LETTER UPSILON
    "\u03d2": "Y",  # GREEK UPSILON WITH HOOK SYMBOL
    "\u03dc": "F",  # GREEK LETTER DIGAMMA
    "\u03f1": "p",  # GREEK RHO SYMBOL
    "\u03f2": "c",  # GREEK LUNATE SIGMA SYMBOL
    "\u03f3": "j",  # GREEK LETTER YOT
    "\u03f9": "C",  # GREEK CAPITAL LUNATE SIGMA SYMBOL
    "\u03fa": "M",  # GREEK CAPITAL LETTER SAN
    "\u0405": "S",  # CYRILLIC CAPITAL LETTER DZE
    "\u0406": "l",  # CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I
    "\u0408": "J",  # CYRILLIC CAPITAL LETTER JE
    "\u0410": "A",  # CYRILLIC CAPITAL LETTER A
    "\u0412": "B",  # CYRILLIC CAPITAL LETTER VE
    "\u0415": "E",  # CYRILLIC CAPITAL LETTER IE
    "\u0417": "3",  # CYRILLIC CAPITAL LETTER ZE
    "\u041a": "K",  # CYRILLIC CAPITAL LETTER KA
    "\u041c": "M",  # CYRILLIC CAPITAL LETTER EM
    "\u041d": "H",  # CYRILLIC CAPITAL LETTER EN
    "\u041e": "O",  # CYRILLIC CAPITAL LETTER O
    "\u0420": "P",  # CYRILLIC CAPITAL LETTER ER
    "\u0421": "C",  # CYRILLIC CAPITAL LETTER ES
    "\u0422": "T",  # CYRILLIC CAPITAL LETTER TE
    "\u0423": "Y",  # CYRILLIC CAPITAL LETTER U
    "\u0425": "X",  # CYRILLIC CAPITAL LETTER HA
    "\u042b": "bl",  # CYRILLIC CAPITAL LETTER YERU
    "\u042c": "b",  # CYRILLIC CAPITAL LETTER SOFT SIGN
    "\u042e": "lO",  # CYRILLIC CAPITAL LETTER YU
    "\u0430": "a",  # CYRILLIC SMALL LETTER A
    "\u0431": "6",  # CYRILLIC SMALL LETTER BE
    "\u0433": "r",  # CYRILLIC SMALL LETTER GHE
    "\u0435": "e",  # CYRILLIC SMALL LETTER IE
    "\u043e": "o",  # CYRILLIC SMALL LETTER O
    "\u0440": "p",  # CYRILLIC SMALL LETTER ER
    "\u0441": "c",  # CYRILLIC SMALL LETTER ES
    "\u0443": "y",  # CYRILLIC SMALL LETTER U
    "\u0445": "x",  # CYRILLIC SMALL LETTER HA
    "\u0455": "s",  # CYRILLIC SMALL LETTER DZE
    "\u0456": "i",  # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
    "\u0458": "j",  # CYRILLIC SMALL LETTER JE
    "\u0461": "w",  # CYRILLIC SMALL LETTER OMEGA
    "\u0474": "V",  # CYRILLIC CAPITAL LETTER IZHITSA
    "\u0475": "v",  # CYRILLIC SMALL LETTER IZHITSA
    "\u04ae": "Y",  # CYRILLIC CAPITAL LETTER STRAIGHT U
    "\u04af": "y",  # CYRILLIC SMALL LETTER STRAIGHT U
    "\u04bb": "h",  # CYRILLIC SMALL LETTER SHHA
    "\u04bd": "e",  # CYRILLIC SMALL LETTER ABKHASIAN CHE
    "\u04c0": "l",  # CYRILLIC LETTER PALOCHKA
    "\u04cf": "i",  # CYRILLIC SMALL LETTER PALOCHKA
    "\u04d4": "AE",  # CYRILLIC CAPITAL LIGATURE A IE
    "\u04d5": "ae",  # CYRILLIC SMALL LIGATURE A IE
    "\u04e0": "3",  # CYRILLIC CAPITAL LETTER ABKHASIAN DZE
    "\u0501": "d",  # CYRILLIC SMALL LETTER KOMI DE
    "\u050c": "G",  # CYRILLIC CAPITAL LETTER KOMI SJE
    "\u051b": "q",  # CYRILLIC SMALL LETTER QA
    "\u051c": "W",  # CYRILLIC CAPITAL LETTER WE
    "\u051d": "w",  # CYRILLIC SMALL LETTER WE
    "\u1d04": "c",  # LATIN LETTER SMALL CAPITAL C
    "\u1d0f": "o",  # LATIN LETTER SMALL CAPITAL O
    "\u1d11": "o",  # LATIN SMALL LETTER SIDEWAYS O
    "\u1d1c": "u",  # LATIN LETTER SMALL CAPITAL U
    "\u1d20": "v",  # LATIN LETTER SMALL CAPITAL V
    "\u1d21": "w",  # LATIN LETTER SMALL CAPITAL W
    "\u1d22": "z",  # LATIN LETTER SMALL CAPITAL Z
    "\u1d26": "r",  # GREEK LETTER SMALL CAPITAL GAMMA
    "\u1d6b": "ue",  # LATIN SMALL LETTER UE
    "\u1d83": "g",  # LATIN SMALL LETTER G WITH PALATAL HOOK
    "\u1d8c": "y",  # LATIN SMALL LETTER V WITH PALATAL HOOK
    "\u1e9d": "f",  # LATIN SMALL LETTER LONG S WITH HIGH STROKE
    "\u1eff": "y",  # LATIN SMALL LETTER Y WITH LOOP
    "\u1fbe": "i",  # GREEK PROSGEGRAMMENI
    "\ua644": "2",  # CYRILLIC CAPITAL LETTER REVERSED DZE
    "\ua647": "i",  # CYRILLIC SMALL LETTER IOTA
    "\ua698": "OO",  # CYRILLIC CAPITAL LETTER DOUBLE O
    "\ua699": "oo",  # CYRILLIC SMALL LETTER DOUBLE O
    "\ua728": "T3",  # LATIN CAPITAL LETTER TZ
    "\ua731": "s",  # LATIN LETTER SMALL CAPITAL S
    "\ua732": "AA",  # LATIN CAPITAL LETTER AA
    "\ua733": "aa",  # LATIN SMALL LETTER AA
    "\ua734": "AO",  # LATIN CAPITAL LETTER AO
    "\ua735": "ao",  # LATIN SMALL LETTER AO
    "\ua736": "AU",  # LATIN CAPITAL LETTER AU
    "\ua737": "au",  # LATIN SMALL LETTER AU
    "\ua738": "AV",  # LATIN CAPITAL LETTER AV
    "\ua739": "av",  # LATIN SMALL LETTER AV
    "\ua73a": "AV",  # LATIN CAPITAL LETTER AV WITH HORIZONTAL BAR
    "\ua73b": "av",  # LATIN SMALL LETTER AV WITH HORIZONTAL BAR
    "\ua73c": "AY",  # LATIN CAPITAL LETTER AY
    "\ua73d": "ay",  # LATIN SMALL LETTER AY
    "\ua74e": "OO",  # LATIN CAPITAL LETTER OO
    "\ua74f": "oo",  # LATIN SMALL LETTER OO
    "\ua75a": "2",  # LATIN CAPITAL LETTER R ROTUNDA
    "\ua76a": "3",  # LATIN CAPITAL LETTER ET
    "\ua76e": "9",  # LATIN CAPITAL LETTER CON
    "\ua777": "tf",  # LATIN SMALL LETTER TUM
    "\ua798": "F",  # LATIN CAPITAL LETTER F WITH STROKE
    "\ua799": "f",  # LATIN SMALL LETTER F WITH STROKE
    "\ua79f": "u",  # LATIN SMALL LETTER VOLAPUK UE
    "\ua7ab": "3",  # LATIN CAPITAL LETTER REVERSED OPEN E
    "\ua7b2": "J",  # LATIN CAPITAL LETTER J WITH CROSSED-TAIL
    "\ua7b3": "X",  # LATIN CAPITAL LETTER CHI
    "\ua7b4": "B",  # LATIN CAPITAL LETTER BETA
    "\uab32": "e",  # LATIN SMALL LETTER BLACKLETTER E
    "\uab35": "f",  # LATIN SMALL LETTER LENIS F
    "\uab3d": "o",  # LATIN SMALL LETTER BLACKLETTER O
    "\uab47": "r",  # LATIN SMALL LETTER R WITHOUT HANDLE
    "\uab48": "r",  # LATIN SMALL LETTER DOUBLE R
    "\uab4e": "u",  # LATIN SMALL LETTER U WITH SHORT RIGHT LEG
    "\uab52": "u",  # LATIN SMALL LETTER U WITH LEFT HOOK
    "\uab5a": "y",  # LATIN SMALL LETTER Y WITH SHORT RIGHT LEG
    "\uab63": "uo",  # LATIN SMALL LETTER UO
}
_TABLE = str.maketrans(_PROTOTYPES)


def skeleton(text: str) -> str:
    """What `text` looks like: equal skeletons mean two texts a reader cannot tell apart."""
    if text.isascii():
        return _ascii_skeleton(text)
    unfolded = unicodedata.normalize("NFKD", text)
    if not unfolded.isascii():
        unfolded = "".join(char for char in unfolded if not is_ignorable(char))
    # Before and after folding: folding makes some letters (Greek final sigma) that look
    # like others in the table.
    folded = unfolded.translate(_TABLE).casefold().translate(_TABLE)
    return unicodedata.normalize("NFD", folded)


def _ascii_skeleton(text: str) -> str:
    # The table's ASCII rows as plain replacements: four times faster than translate.
    folded = text.replace("I", "l").lower()
    return (
        folded.replace("0", "o")
        .replace("1", "l")
        .replace("|", "l")
        .replace("m", "rn")
        .replace("`", "'")
    )
