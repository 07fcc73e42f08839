"""The text of exported resource files, written straight in `fmt`'s canonical layout.

`fmt` lays a file out through ruamel's round trip, which takes minutes for a store of
100,000 users; an export knows its shape beforehand (entries in canonical key order, from
export.py), so it writes the same text line by line. Strings are plain when `fmt` would
write them plain, else double-quoted as ruamel would; an entry with a string whose quoted
form takes escapes goes through `fmt` itself. Small files are passed through `fmt` as well,
so that any difference can only ever show in a large import.
"""

from __future__ import annotations

from typing import Any

import yaml

from scimform.config.fmt import format_text
from scimform.config.fmt_quoting import needs_quotes
from scimform.config.yamlio import MAX_FILE_BYTES

# Up to this many lines, the text is also formatted by `fmt` (well under a second).
FORMAT_CHECK_MAX = 5_000
# Half the loader's limit per file, so that a hand edit or two never tips one over.
FILE_BYTES = MAX_FILE_BYTES // 2


def resource_texts(
    header: str, kind: str, entries: list[dict[str, Any]], max_bytes: int | None = None
) -> list[str]:
    """Resource files holding `entries` under `kind` ("users" or "groups"), as `fmt` writes
    them, `header` (comment lines) first: one file, or as many as keep each under
    `max_bytes` (the loader refuses files over 16 MiB)."""
    max_bytes = max_bytes or FILE_BYTES
    texts: list[str] = []
    lines = [f"{kind}:"]
    size = len(header) + len(kind) + 2
    for entry in entries:
        entry_lines = _entry_lines(kind, entry)
        entry_size = sum(len(line.encode()) + 1 for line in entry_lines)
        if size + entry_size > max_bytes and len(lines) > 1:
            texts.append(_text(header, lines))
            lines, size = [f"{kind}:"], len(header) + len(kind) + 2
        lines += entry_lines
        size += entry_size
    texts.append(_text(header, lines))
    return texts


def _text(header: str, lines: list[str]) -> str:
    text = header + "\n".join(lines) + "\n"
    return format_text(text) if len(lines) <= FORMAT_CHECK_MAX else text


def _entry_lines(kind: str, entry: dict[str, Any]) -> list[str]:
    try:
        return _mapping(entry, "  - ", "    ")
    except _Escaped:
        # Rare: let fmt quote it, and take its lines without the `kind:` line.
        single = yaml.safe_dump({kind: [entry]}, sort_keys=False, allow_unicode=True)
        return format_text(single).splitlines()[1:]


class _Escaped(Exception):
    """A string whose double-quoted form needs escapes."""


def _mapping(values: dict[str, Any], first: str, rest: str) -> list[str]:
    lines: list[str] = []
    for key, value in values.items():
        lead = first if not lines else rest
        if isinstance(value, dict):
            lines.append(f"{lead}{key}:")
            lines += _mapping(value, rest + "  ", rest + "  ")
        elif isinstance(value, list):
            lines.append(f"{lead}{key}:")
            lines += [f"{rest}  - {_scalar(item)}" for item in value]
        else:
            lines.append(f"{lead}{key}: {_scalar(value)}")
    return lines


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if not needs_quotes(text):
        return text
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    raise _Escaped
