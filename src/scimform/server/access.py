"""What the access log shows of a request target: the path and the query string, with the
value of any parameter named like a credential masked and anything unprintable escaped.

The bearer token travels in a header, which the log never shows; but RFC 6750 also lets a
client put it in the query (`access_token=`), and a log must not keep it even then.
"""

from __future__ import annotations

from urllib.parse import unquote

_SECRET_WORDS = ("token", "secret", "password", "key", "auth")
_MAX_SHOWN = 2048
MASK = "***"


def shown_target(path: str, query: bytes) -> str:
    """`path?query` as the access log shows it."""
    target = path
    if query:
        raw = query.decode("latin-1")
        target = f"{path}?{'&'.join(_masked(part) for part in raw.split('&'))}"
    if len(target) > _MAX_SHOWN:
        target = target[:_MAX_SHOWN] + "..."
    return _printable(target)


def _masked(part: str) -> str:
    name, equals, _ = part.partition("=")
    folded = unquote(name).casefold()
    if equals and any(word in folded for word in _SECRET_WORDS):
        return f"{name}={MASK}"
    return part


def _printable(text: str) -> str:
    # One request, one log line: control characters (CR, LF, ESC) are escaped.
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
