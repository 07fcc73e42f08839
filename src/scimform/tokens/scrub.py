"""Cutting a secret out of text a program printed, even in pieces.

A command that echoes what it was given may print part of the token, wrap it over lines,
or print it base64- or hex-encoded. Any run of `FRAGMENT` or more characters that also
occurs in the secret (or in one of those encodings of it) is replaced by `<token>`;
spaces and line breaks inside such a run are ignored, so a wrapped token is caught whole.
"""

from __future__ import annotations

import base64

# Shorter runs are too likely to occur by chance ("token", "error:") to be worth hiding,
# and too short to help guess a 64-character secret.
FRAGMENT = 8
MARK = "<token>"


def scrub(text: str, secret: str) -> str:
    """`text` with every fragment of `secret` of FRAGMENT or more characters replaced."""
    if not secret:
        return text
    grams = _grams(secret)
    hidden = _hidden(text, grams) if grams else [False] * len(text)
    out: list[str] = []
    for index, char in enumerate(text):
        if not hidden[index]:
            out.append(char)
        elif index == 0 or not hidden[index - 1]:
            out.append(MARK)
    # A secret shorter than a fragment can still be printed whole.
    return "".join(out).replace(secret, MARK)


def _grams(secret: str) -> set[str]:
    """Every FRAGMENT-long piece of the secret and of its encodings."""
    grams: set[str] = set()
    for form in _forms(secret):
        grams.update(form[i : i + FRAGMENT] for i in range(len(form) - FRAGMENT + 1))
    return grams


def _forms(secret: str) -> list[str]:
    raw = secret.encode()
    forms = ["".join(secret.split())]
    # base64 of any piece of the secret is a piece of one of these three, whatever the
    # piece's offset; the padding of a last group is dropped.
    for start in range(3):
        forms.append(base64.b64encode(raw[start:]).decode().rstrip("="))
        forms.append(base64.urlsafe_b64encode(raw[start:]).decode().rstrip("="))
    forms += [raw.hex(), raw.hex().upper()]
    return forms


def _hidden(text: str, grams: set[str]) -> list[bool]:
    """Which characters of `text` belong to a fragment; whitespace inside one does too."""
    kept = [index for index, char in enumerate(text) if not char.isspace()]
    compact = "".join(text[index] for index in kept)
    hidden = [False] * len(text)
    for start in range(len(compact) - FRAGMENT + 1):
        if compact[start : start + FRAGMENT] in grams:
            first, last = kept[start], kept[start + FRAGMENT - 1]
            hidden[first : last + 1] = [True] * (last + 1 - first)
    return hidden
