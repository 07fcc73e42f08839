"""Opaque list cursors: the position after the last row of a page, signed with the store's
own key so that a cursor that was altered, truncated or made up is refused, not obeyed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from scimform.errors import BadCursor

_POSITION = struct.Struct(">Q")
_MAC_BYTES = 12


def _mac(key: bytes, kind: str, position: bytes) -> bytes:
    return hmac.new(key, kind.encode() + b":" + position, hashlib.sha256).digest()[:_MAC_BYTES]


def encode(key: bytes, kind: str, seq: int) -> str:
    """The cursor for "rows of `kind` after `seq`"."""
    position = _POSITION.pack(seq)
    raw = position + _mac(key, kind, position)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(key: bytes, kind: str, cursor: str) -> int:
    """The position a cursor made by `encode` for the same kind stands for."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    position, mac = raw[: _POSITION.size], raw[_POSITION.size :]
    if len(raw) != _POSITION.size + _MAC_BYTES or not hmac.compare_digest(
        mac, _mac(key, kind, position)
    ):
        raise BadCursor("the cursor is not valid; start again from the first page")
    (seq,) = _POSITION.unpack(position)
    # base64 ignores the spare bits of the last character; only the one spelling is valid.
    if encode(key, kind, seq) != cursor:
        raise BadCursor("the cursor is not valid; start again from the first page")
    return int(seq)
