"""`fmt`'s direct path: the canonical text written straight from libyaml's nodes.

ruamel's round trip keeps comments but takes minutes on a 100,000-user config. Most large
files hold no comments beyond a header (imported and generated configs), so they are
written here the way `import` writes: line by line, in `fmt_layout`'s order and with the
quoting rules of `fmt_quoting`, from PyYAML's C parser.

This path only answers for files whose round-trip result it can vouch for byte for byte;
for anything else it returns None and the round trip formats the file (and reports its
problems). It vouches for: a header of comment lines at column one, then a block or flow
mapping without comments, blank lines, anchors, aliases, tags, block scalars, merge keys,
tabs or CRs, whose scalars are strings (plain or quoted), true/false and the other YAML
1.1 booleans, decimal integers, dates (YYYY-MM-DD) and nulls written as map values.
A string is plain in the result only where `fmt_quoting` says it may be (or it is in a
class proved plain for both YAML versions, below) and double-quoted only where that takes
no escapes. Any result that differs from the input is loaded again and compared with the
input's meaning, as the round trip's result is.
"""

from __future__ import annotations

import bisect
import gc
import re
from collections.abc import Callable
from typing import Any

import yaml
from ruamel.yaml.nodes import ScalarNode as RuamelScalar
from ruamel.yaml.resolver import VersionedResolver

from scimform.config.fmt_layout import Shape
from scimform.config.fmt_quoting import needs_quotes
from scimform.config.yamlio import FastLoader
from scimform.model import name_order

_TAG = "tag:yaml.org,2002:"
_STR, _BOOL, _INT, _NULL, _DATE = (_TAG + k for k in ("str", "bool", "int", "null", "timestamp"))
_YAML12 = VersionedResolver(version=(1, 2))

# Outside a scalar, any of these may be a comment, a tag, an anchor, an alias, a block
# scalar, a complex key, a directive, a document marker, a blank line or a tab or CR:
# where one appears, each must lie inside a scalar for this path to go on.
_RISKY = re.compile(r"[#!&*|>?%\t\r]|\n(?:[ ]*\n|---|\.\.\.)")
_HEADER = re.compile(r"(?:#[^\n]*\n\n*)*")
_ODD_HEADER = re.compile(r"[\t\r]")
# Line breaks to YAML 1.1 (libyaml) but not to YAML 1.2 (ruamel), and a BOM inside.
_AMBIGUOUS = re.compile("[\x85\u2028\u2029\ufeff]")
_CANONICAL_INT = re.compile(r"0|-?[1-9][0-9]*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Written inside double quotes as they are: printable, no quote or backslash, no BOM,
# no line or paragraph separator: nothing ruamel escapes (it writes other non-ASCII as
# it is, allow_unicode being on).
_QUOTABLE = re.compile("[ !#-\\[\\]-~\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")
# Strings plain under YAML 1.1 and 1.2 alike and for the emitter, without asking them:
# a letter, then letters, digits and `_.@+/-`, words one space apart (no indicator
# starts it, nothing makes it a number, date or null, no `: ` or ` #`, no leading or
# trailing space); the only such words YAML reads as something else are the booleans
# and null below. And UUIDs, which have no `.`, `:`, leading sign or 4-digit year.
_PLAIN = re.compile(
    r"[A-Za-z][A-Za-z0-9_.@+/-]*(?: [A-Za-z0-9_.@+/-]+)*"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_NOT_STRINGS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}
# Beyond these, ruamel would fold a long line or write a key as `? key`.
_MAX_VALUE = 1000
_MAX_KEY = 100
_PLAIN_STYLE = ("", None)  # libyaml says "", PyYAML None

Lines = list[str]


class _Unsure(Exception):
    """The direct path cannot vouch for this file: the round trip formats it."""


class DirectWriter:
    """Formats files on the direct path; one per run, since it remembers how each string
    it has seen is written (a large config repeats its userNames in every group)."""

    def __init__(self, quotes: Callable[[str], bool] = needs_quotes) -> None:
        self._quotes = quotes  # fmt_quoting's rule: the one the round trip follows
        self._written: tuple[dict[str, str], dict[str, str]] = ({}, {})  # plain, quoted

    def format(self, text: str, shape: Shape) -> str | None:
        """The canonical form of `text` (no BOM), laid out as `shape` says (settings or
        resources), or None when only the round trip can say."""
        paused = gc.isenabled()
        gc.disable()  # a million nodes, none in a cycle: as validate loads
        try:
            return self._format(text, shape)
        finally:
            if paused:
                gc.enable()

    def _format(self, text: str, shape: Shape) -> str | None:
        header = _HEADER.match(text)
        body = header.end() if header else 0
        if text[body : body + 1] in ("", " ", "\n") or _ODD_HEADER.search(text, 0, body):
            return None  # only comments, a leading blank line or indent, a tab or CR
        if _AMBIGUOUS.search(text) or text.startswith(("---", "..."), body):
            return None
        end = len(text.rstrip("\n"))
        spans: list[int] | None = [] if _RISKY.search(text, body, end) else None
        loader = FastLoader(text)
        try:
            root = loader.get_single_node()
            if not isinstance(root, yaml.MappingNode) or not root.value:
                return None
            walk = _Walk(self, loader, text, spans)
            lines, data = walk.mapping(root, shape, "", "")
            if spans is not None:
                walk.check_risky(body, end)
        except (_Unsure, yaml.YAMLError, ValueError, TypeError, RecursionError):
            return None
        finally:
            loader.dispose()
        result = _header_text(text[:body]) + "\n".join(lines) + "\n"
        if result != text and not _means(result, data):
            return None  # a rule here is wrong: the round trip decides, and says so
        return result

    def written(self, value: str, quoted: bool) -> str:
        """How fmt writes the string `value`, written quoted or plain in the input."""
        seen = self._written[quoted]
        known = seen.get(value)
        if known is None:
            known = seen[value] = _written(value, quoted, self._quotes)
        return known


def _written(value: str, quoted: bool, quotes: Callable[[str], bool]) -> str:
    if len(value) > _MAX_VALUE:
        raise _Unsure
    if _PLAIN.fullmatch(value) and value.lower() not in _NOT_STRINGS:
        return value
    if not quoted and _YAML12.resolve(RuamelScalar, value, (True, False)) != _STR:
        raise _Unsure  # ruamel reads it as a number or such: it keeps it as written
    if not quotes(value):
        return value
    if not _QUOTABLE.fullmatch(value):
        raise _Unsure  # it takes escapes
    return f'"{value}"'


class _Walk:
    """One file's nodes to lines and to the data they mean."""

    def __init__(
        self, writer: DirectWriter, loader: FastLoader, text: str, spans: list[int] | None
    ) -> None:
        self.writer = writer
        self.loader = loader
        self.text = text
        self.spans = spans  # start, end, start, end... of every scalar, when needed

    def mapping(self, node: yaml.MappingNode, shape: Shape | None, first: str, rest: str) -> Any:
        """The lines of a block mapping whose first line starts with `first`, others with
        `rest`; and its data."""
        self._plain_start(node)
        entries: dict[str, tuple[str, yaml.Node]] = {}
        for key_node, value in node.value:
            key = self._key(key_node)
            if key in entries:
                raise _Unsure  # a duplicate key: the round trip reports it
            quoted = key_node.style not in _PLAIN_STYLE
            entries[key] = (self.writer.written(key, quoted), value)
        keys = shape.arrange(list(entries)) if shape else list(entries)
        lines: Lines = []
        data: dict[str, Any] = {}
        for key in keys:
            written, value = entries[key]
            lead = first if not lines else rest
            child = shape.child(key) if shape else None
            ordered = shape is not None and key in shape.sorted_lists
            data[key] = self._value(value, child, ordered, f"{lead}{written}:", rest, lines)
        return lines, data

    def _value(
        self, node: yaml.Node, shape: Shape | None, ordered: bool, head: str, rest: str, out: Lines
    ) -> Any:
        """Append `head` and the value of one key to `out`; return the value's data."""
        if isinstance(node, yaml.ScalarNode):
            text, data = self.scalar(node, as_value=True)
            out.append(f"{head} {text}" if text else head)
            return data
        if not node.value:
            self._plain_start(node)
            out.append(f"{head} {'{}' if isinstance(node, yaml.MappingNode) else '[]'}")
            return {} if isinstance(node, yaml.MappingNode) else []
        out.append(head)
        if isinstance(node, yaml.MappingNode):
            lines, data = self.mapping(node, shape, rest + "  ", rest + "  ")
            out += lines
            return data
        assert isinstance(node, yaml.SequenceNode)
        return self.sequence(node, shape, ordered, rest + "  ", out)

    def sequence(
        self, node: yaml.SequenceNode, shape: Shape | None, ordered: bool, pad: str, out: Lines
    ) -> list[Any]:
        """Append the items of a non-empty list, dashes at `pad`; return its data."""
        self._plain_start(node)
        items = node.value
        if all(isinstance(item, yaml.ScalarNode) for item in items):
            scalars = [self.scalar(item, as_value=False) for item in items]
            if ordered and all(isinstance(data, str) for _, data in scalars):
                unique = {data: text for text, data in reversed(scalars)}  # first one wins
                scalars = [(unique[d], d) for d in sorted(unique, key=name_order)]
            out += [f"{pad}- {text}" for text, _ in scalars]
            return [data for _, data in scalars]
        found: list[Any] = []
        for item in items:
            if not isinstance(item, yaml.MappingNode) or not item.value:
                raise _Unsure  # a list in a list, an empty mapping in a list, or a mix
            lines, data = self.mapping(item, shape, pad + "- ", pad + "  ")
            out += lines
            found.append(data)
        return found

    def scalar(self, node: yaml.ScalarNode, *, as_value: bool) -> tuple[str, Any]:
        """How a scalar is written, and what it means to a YAML 1.1 reader."""
        if self.spans is not None:
            self._span(node)
        value, tag, style = node.value, node.tag, node.style
        if tag == _STR and style in _PLAIN_STYLE:
            return self.writer.written(value, False), value
        if style in _PLAIN_STYLE:
            return self._typed(node, as_value)
        if tag != _STR or style not in ('"', "'"):
            raise _Unsure  # a block scalar, or a tag
        return self.writer.written(value, True), value

    def _typed(self, node: yaml.ScalarNode, as_value: bool) -> tuple[str, Any]:
        """A plain scalar that is not a string to a YAML 1.1 reader."""
        value, tag = node.value, node.tag
        if tag == _BOOL:
            data = self.loader.construct_object(node)
            return ("true" if data else "false"), data
        if tag == _INT and _CANONICAL_INT.fullmatch(value):
            return value, int(value)
        if tag == _DATE and _ISO_DATE.fullmatch(value):
            return value, self.loader.construct_object(node)
        if tag == _NULL and as_value:
            return "", None
        raise _Unsure

    def _key(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            raise _Unsure  # a merge key, or a key that is not a string
        if len(node.value) > _MAX_KEY:
            raise _Unsure
        if self.spans is not None:
            self._span(node)
        return str(node.value)

    def _span(self, node: yaml.ScalarNode) -> None:
        self._plain_start(node)
        assert self.spans is not None
        self.spans += (node.start_mark.index, node.end_mark.index)

    def _plain_start(self, node: yaml.Node) -> None:
        # A node's span starts at its anchor or tag, if it has one.
        at = node.start_mark.index
        if self.spans is not None and self.text[at : at + 1] in ("&", "!"):
            raise _Unsure

    def check_risky(self, start: int, end: int) -> None:
        """Every risky character between `start` and `end` lies inside a scalar."""
        assert self.spans is not None
        bounds = self.spans
        pairs = sorted(zip(bounds[::2], bounds[1::2], strict=True))
        starts = [s for s, _ in pairs]
        for match in _RISKY.finditer(self.text, start, end):
            at = bisect.bisect_right(starts, match.start()) - 1
            if at < 0 or not pairs[at][0] <= match.start() < match.end() <= pairs[at][1]:
                raise _Unsure


def _header_text(header: str) -> str:
    """The header as the round trip writes it: comment lines, blank lines one at most."""
    return re.sub(r"\n{3,}", "\n\n", header)


def _means(result: str, expected: Any) -> bool:
    """Whether `result` reads back as `expected` (the input's data, lists sorted)."""
    loader = FastLoader(result)
    try:
        return bool(loader.data() == expected) and not loader.duplicates
    except yaml.YAMLError:
        return False
    finally:
        loader.dispose()
