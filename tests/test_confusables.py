"""TR39 skeletons over the curated table: names a reader cannot tell apart share one."""

from __future__ import annotations

import unicodedata

import pytest

from scimform.confusables import skeleton


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("admin", "\u0430dmin"),  # Cyrillic а
        ("paypal", "\u0440\u0430\u0443\u0440\u0430l"),  # Cyrillic р а у р а
        ("HR", "\u041dR"),  # Cyrillic Н
        ("Alpha", "\u0391lpha"),  # Greek Α
        ("ops", "\u03bfps"),  # Greek ο
        ("admin2", "ad\u200bmin2"),  # invisible characters are dropped
        ("café", unicodedata.normalize("NFD", "café")),
        ("admin", "\uff41dmin"),  # fullwidth
        ("morgan", "rnorgan"),
        ("bob0", "bobo"),
        ("Ilse", "lIse"),
        ("Alice Smith", "Alice\u00a0Smith"),
        ("Admin", "admin"),  # AWS ignores case
    ],
)
def test_look_alikes_share_a_skeleton(one: str, other: str) -> None:
    assert skeleton(one) == skeleton(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("José", "Jose"), ("alice", "alicia"), ("Иван", "Ivan"), ("admin", "admins")],
)
def test_different_names_do_not(one: str, other: str) -> None:
    assert skeleton(one) != skeleton(other)
