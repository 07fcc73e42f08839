"""Scrubbing a secret out of a program's output: whole, in pieces, wrapped or encoded."""

from __future__ import annotations

import base64

import pytest

from scimform.tokens.scrub import FRAGMENT, scrub

SECRET = "Qm9vLXNlY3JldC10b2tlbi12YWx1ZS0xMjM0NTY3ODkw-AbCdEfGhIj_KlMnOp"


def leaks(text: str, secret: str = SECRET) -> list[str]:
    """Every piece of the secret, FRAGMENT characters or longer, still in text."""
    compact = "".join(text.split())
    pieces = (secret[i : i + FRAGMENT] for i in range(len(secret) - FRAGMENT + 1))
    return [piece for piece in pieces if piece in compact]


@pytest.mark.parametrize(
    "printed",
    [
        f"error: bad token {SECRET}",
        f"rejected {SECRET[:12]}...",
        f"...{SECRET[-9:]} is not valid",
        f"middle {SECRET[20:31]} middle",
        "token:\n" + "\n".join(SECRET[i : i + 16] for i in range(0, len(SECRET), 16)),
        "token: " + " ".join(SECRET[i : i + 10] for i in range(0, len(SECRET), 10)),
    ],
    ids=["whole", "prefix", "suffix", "middle", "wrapped", "grouped"],
)
def test_pieces_of_the_secret_are_cut_out(printed: str) -> None:
    scrubbed = scrub(printed, SECRET)
    assert leaks(scrubbed) == []
    assert "<token>" in scrubbed


@pytest.mark.parametrize("offset", [0, 1, 2, 7])
def test_base64_and_hex_of_the_secret_or_a_piece_are_cut_out(offset: int) -> None:
    piece = SECRET[offset:].encode()
    for encoded in (
        base64.b64encode(piece).decode(),
        base64.urlsafe_b64encode(piece).decode(),
        piece.hex(),
    ):
        scrubbed = scrub(f"got {encoded} back", SECRET)
        assert encoded[:FRAGMENT] not in scrubbed and encoded[-FRAGMENT:] not in scrubbed
        assert scrubbed.startswith("got <token>") and scrubbed.endswith(" back")


def test_what_is_not_the_secret_is_kept() -> None:
    said = "error: the secret store refused the value (HTTP 403): check the repository name"
    assert scrub(said, SECRET) == said


def test_short_pieces_are_kept_and_a_short_secret_is_cut_out_whole() -> None:
    assert scrub(f"got {SECRET[: FRAGMENT - 1]}", SECRET) == f"got {SECRET[: FRAGMENT - 1]}"
    assert scrub("token abc123 refused", "abc123") == "token <token> refused"
