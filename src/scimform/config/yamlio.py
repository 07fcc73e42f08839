"""Reading YAML fast: libyaml (PyYAML's C parser) into plain dicts and lists.

No positions are kept: that is several times faster than a round-trip loader. For the files
that turn out to have problems, `positions.PositionIndex` finds lines and columns later.
Duplicate keys, which YAML silently collapses, are caught while constructing; unreadable,
oversized, non-UTF-8 and malformed files become diagnostics that say where and what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from scimform.diagnostics import Diagnostic, Location, Severity

# Big enough for ~40,000 users in one file; larger configs split over files read faster
# and review better. Checked before reading, so a huge file is never loaded.
MAX_FILE_BYTES = 16 * 1024 * 1024

KeyPath = tuple[str | int, ...]

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# What YAML forbids in a stream: C0 controls but tab/LF/CR, DEL, C1 but NEL, non-characters.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class YamlReadError(Exception):
    """A file that cannot be read as YAML; carries a ready diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """The plain data of one file, and the problems that did not stop the parse."""

    data: Any
    diagnostics: tuple[Diagnostic, ...] = field(default=())


def _error(
    file: str, code: str, message: str, hint: str, line: int = 1, col: int = 1
) -> Diagnostic:
    return Diagnostic(Severity.ERROR, code, message, Location(file, line, col), hint)


def read_text(path: Path, file: str) -> str:
    """The file's text as UTF-8 (a UTF-8 BOM is accepted and dropped); `file` is the name
    diagnostics show. Raises YamlReadError for a file too large, unreadable or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise YamlReadError(_too_large(file, size))
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlReadError(_unreadable(path, file, exc)) from None
    if raw.startswith(_UTF16_BOMS):
        raise YamlReadError(
            _error(
                file,
                "file.not-utf8",
                "the file is UTF-16; scimform reads UTF-8 only",
                "save the file as UTF-8",
            )
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlReadError(
            _error(
                file,
                "file.not-utf8",
                f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                "save the file as UTF-8 (it may be Latin-1 or Windows-1252)",
                line,
                col,
            )
        ) from None


def _unreadable(path: Path, file: str, exc: OSError) -> Diagnostic:
    if path.is_symlink() and not path.exists():
        message, hint = "the file is a symlink to nothing", "fix the link, or remove it"
    else:
        message = f"cannot read the file: {exc.strerror or exc}"
        hint = "check the file's permissions, or remove it from the config directory"
    return _error(file, "file.unreadable", message, hint)


def _too_large(file: str, size: int) -> Diagnostic:
    mib = MAX_FILE_BYTES // (1024 * 1024)
    return _error(
        file,
        "file.too-large",
        f"the file is {size / 1024 / 1024:.1f} MiB; the limit is {mib} MiB",
        "split it into several files (one per team or department is common)",
    )


class _BadDate(yaml.constructor.ConstructorError):
    """A value shaped like a date that is not one, such as 2026-02-30."""


class _FastLoader(yaml.CSafeLoader):
    """libyaml's parser and composer, with a constructor specialised for what configs
    hold: strings, lists and mappings are built directly (about twice as fast as PyYAML's
    general constructor); everything else (numbers, dates, merge keys) goes through the
    safe constructor. Duplicate keys are noted on the way."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[yaml.Node, yaml.Node]] = []
        # Collections by node id: an alias yields the same object (no alias bombs), and a
        # recursive alias ends in the object under construction.
        self._built: dict[int, Any] = {}

    def data(self) -> Any:
        """The single document's data, None when the stream is empty."""
        node = self.get_single_node()
        return None if node is None else self._build(node)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # libyaml's composer asks this for every node, millions in a large config. Configs
        # declare no path resolvers, so only a plain scalar whose first character starts
        # an implicit type (number, bool, null, date...) needs PyYAML's regexes.
        if not self.yaml_path_resolvers:
            if kind is not yaml.ScalarNode:
                return _SEQ if kind is yaml.SequenceNode else _MAP
            if not implicit[0] or value[:1] not in self.yaml_implicit_resolvers:
                return _STR
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    def _build(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag == _STR and isinstance(node, yaml.ScalarNode):
            return node.value
        if tag == _SEQ and isinstance(node, yaml.SequenceNode):
            return self._sequence(node)
        if tag == _MAP and isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        return self.construct_object(node, deep=True)

    def _sequence(self, node: yaml.SequenceNode) -> list[Any]:
        built = self._built.get(id(node))
        if built is None:
            built = self._built[id(node)] = []
            build = self._build
            built.extend([build(item) for item in node.value])
        return built

    def _mapping(self, node: yaml.MappingNode) -> Any:
        built = self._built.get(id(node))
        if built is not None:
            return built
        pairs = node.value
        for key, _ in pairs:
            if key.tag == _MERGE_TAG:  # `<<: *base`: PyYAML's constructor knows merges
                return self.construct_object(node, deep=True)
        built = self._built[id(node)] = {}
        build = self._build
        for key, value in pairs:
            try:
                built[build(key)] = build(value)
            except TypeError:  # a list or mapping used as a key
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    "a key cannot be a list or a mapping",
                    key.start_mark,
                ) from None
        if len(built) != len(pairs):
            self._note_duplicates(pairs)
        return built

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # The safe constructor's path, taken by mappings with merge keys.
        pairs = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]
        if len({k.value for k, _ in pairs if isinstance(k, yaml.ScalarNode)}) != len(pairs):
            self._note_duplicates(pairs)
        return super().construct_mapping(node, deep)

    def _note_duplicates(self, pairs: list[tuple[yaml.Node, yaml.Node]]) -> None:
        first: dict[str, yaml.Node] = {}
        for key, _ in pairs:
            if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
                continue
            if key.value in first:
                self.duplicates.append((first[key.value], key))
            else:
                first[key.value] = key

    def construct_timestamp(self, node: yaml.ScalarNode) -> date | datetime:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            message = f"{node.value} is not a real date ({exc})"
            raise _BadDate(None, None, message, node.start_mark) from None


_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", _FastLoader.construct_timestamp)
# `fmt`'s direct path composes nodes with the same loader, and reads its results back.
FastLoader = _FastLoader


def load_yaml(path: Path, file: str) -> YamlDocument:
    """Parse one file into plain data (None when empty). Raises YamlReadError when the file
    cannot be read or parsed; duplicate keys come back as diagnostics beside the data."""
    text = read_text(path, file)
    loader = _FastLoader(text)
    try:
        data = loader.data()
    except yaml.YAMLError as exc:
        raise YamlReadError(_syntax_error(file, text, exc)) from None
    except RecursionError:
        raise YamlReadError(_too_deep(file)) from None
    finally:
        loader.dispose()
    return YamlDocument(data, tuple(_duplicate(file, a, b) for a, b in loader.duplicates))


def _duplicate(file: str, first: yaml.Node, second: yaml.Node) -> Diagnostic:
    mark = second.start_mark
    return Diagnostic(
        Severity.ERROR,
        "yaml.duplicate-key",
        f'key "{second.value}" appears twice in one mapping '
        f"(first at line {first.start_mark.line + 1})",
        Location(file, mark.line + 1, mark.column + 1),
        "remove one of them: YAML would silently keep only the last",
    )


def _too_deep(file: str, line: int = 1, col: int = 1) -> Diagnostic:
    return _error(
        file,
        "yaml.too-deep",
        "the YAML is nested too deeply to read",
        "a config never needs more than a few levels of nesting",
        line,
        col,
    )


def _syntax_error(file: str, text: str, exc: yaml.YAMLError) -> Diagnostic:
    if isinstance(exc, yaml.reader.ReaderError):
        return _forbidden_character(file, text)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc)
    if "maximum nesting depth" in problem:  # libyaml's own limit, before Python's
        return _too_deep(file, line, col)
    if isinstance(exc, _BadDate):
        return _error(
            file,
            "yaml.invalid-date",
            problem,
            "write a real date as YYYY-MM-DD, or quote the value",
            line,
            col,
        )
    context = getattr(exc, "context", None)
    if _is_tab(text, line, col) or "tab" in problem:
        return _error(
            file,
            "yaml.tab",
            "a tab is used for indentation; YAML allows only spaces",
            "replace the tabs at the start of the line with spaces",
            line,
            col,
        )
    if "another document" in problem:
        return _error(
            file,
            "yaml.many-documents",
            "the file holds more than one YAML document",
            "put each document (after ---) in a file of its own",
            line,
            col,
        )
    message = f"YAML syntax error: {problem}"
    start = getattr(exc, "context_mark", None)
    if context and start is not None:
        what = context.removeprefix("while parsing ").removeprefix("while scanning ")
        message += f" (in {what} that starts at line {start.line + 1}, column {start.column + 1})"
    hint = "check the indentation, quotes and brackets around this line"
    if "mapping values are not allowed" in problem:
        hint = 'a value that contains ": " must be quoted, e.g. title: "Lead: Platform"'
    return _error(file, "yaml.syntax", message, hint, line, col)


def _is_tab(text: str, line: int, col: int) -> bool:
    lines = text.split("\n", line)
    if len(lines) < line:
        return False
    row = lines[line - 1]
    return col - 1 < len(row) and row[col - 1] == "\t"


def _forbidden_character(file: str, text: str) -> Diagnostic:
    match = _FORBIDDEN.search(text)
    offset = match.start() if match else 0
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    code = f"U+{ord(text[offset]):04X}" if match else "a character"
    return _error(
        file,
        "yaml.control-character",
        f"{code} is a control character YAML forbids",
        "delete it; is this a binary file?",
        line,
        col,
    )
