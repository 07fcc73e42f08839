"""Where each user object of a JSON export starts, by line.

The json module keeps no positions, so a small scan over the text finds the `{` of each
element of the users list. Strings are skipped whole, so braces inside values do not count.
"""

from __future__ import annotations

import json
import re

# A whole string, or one structural character; everything else (numbers, literals, space)
# is skipped by finditer.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]', re.DOTALL)


class _Frame:
    __slots__ = ("expect_key", "is_object", "is_users", "key")

    def __init__(self, is_object: bool, is_users: bool) -> None:
        self.is_object = is_object
        self.is_users = is_users
        self.key: str | None = None
        self.expect_key = is_object


def object_lines(text: str, key: str | None) -> list[int]:
    """1-based lines where the objects of the users list start: the top-level list when
    `key` is None, else the list under that top-level key."""
    lines: list[int] = []
    stack: list[_Frame] = []
    line, scanned = 1, 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        top = stack[-1] if stack else None
        if token in "{[":
            if token == "{" and top is not None and top.is_users:
                line += text.count("\n", scanned, match.start())
                scanned = match.start()
                lines.append(line)
            stack.append(_Frame(token == "{", _opens_users(stack, top, token, key)))
        elif token in "}]":
            stack.pop()
        elif top is None or not top.is_object or len(stack) > 1:
            continue  # only the top-level object's keys matter
        elif token == ":":
            top.expect_key = False
        elif token == ",":
            top.expect_key = True
        elif top.expect_key:
            top.key = json.loads(token)
    return lines


def _opens_users(stack: list[_Frame], top: _Frame | None, token: str, key: str | None) -> bool:
    if token != "[":
        return False
    if key is None:
        return not stack
    return len(stack) == 1 and top is not None and top.is_object and top.key == key
