"""What a server said about a failed request, as one short line for an error message.

Stores answer errors in many shapes: AWS's JSON error with `detail`, other JSON errors
(`message`, `error`, RFC 7807's `title`), plain text, or the HTML page of a proxy or load
balancer in front of them. Whatever came, the message shows the status and the first
meaningful text, on one line of at most MAX_CHARS characters: an HTML page by its title
or first heading, tags and entities gone, whitespace and control characters collapsed.
A bearer credential that a server echoes back is masked.
"""

from __future__ import annotations

import html
import re
from typing import Any

MAX_CHARS = 200
_JSON_KEYS = ("detail", "message", "Message", "error_description", "error", "title")
_NAMED = re.compile(r"<(title|h1)\b[^>]*>(.*?)</\1\s*>", re.S | re.I)
_HIDDEN = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_BEARER = re.compile(r"(bearer\s+)[^\s\"',;]+", re.I)
_HTML_START = ("<!doctype html", "<html", "<head", "<body", "<h1", "<title")


def json_said(body: Any) -> str | None:
    """The message of a JSON error document, or None when it carries none."""
    if not isinstance(body, dict):
        return None
    for key in _JSON_KEYS:
        value = body.get(key)
        if isinstance(value, dict):
            value = json_said(value)
        if isinstance(value, str) and value.strip():
            return value
    return None


def text_said(text: str, content_type: str = "") -> str:
    """The first meaningful text of a body that is not a JSON error (HTML or plain)."""
    if "html" in content_type.lower() or text.lstrip()[:15].lower().startswith(_HTML_START):
        return _html_said(text)
    return text


def one_line(text: str, limit: int = MAX_CHARS) -> str:
    """`text` on one line of at most `limit` characters, whitespace collapsed."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    flat = _BEARER.sub(r"\1***", flat)
    if len(flat) <= limit:
        return flat
    return flat[: limit - 3].rstrip() + "..."


def status_line(status: int, said: str, limit: int = MAX_CHARS) -> str:
    """`<status> <what the server said>`, without saying the status twice."""
    said = said.removeprefix(str(status)).lstrip(" :-")
    return one_line(f"{status} {said}" if said else str(status), limit)


def _html_said(page: str) -> str:
    for match in _NAMED.finditer(page):
        named = _html_text(match.group(2))
        if named:
            return named
    return _html_text(_HIDDEN.sub(" ", page))


def _html_text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())
