"""`fmt`: rewrite config files in one canonical layout, keeping comments and meaning.

Canonical means: keys in the order of `fmt_layout`, member and group lists sorted and
without duplicates, block style with two-space indentation, and strings plain unless
YAML would read them as something else ("01234", "yes", "2026-01-01", "{upn}"), in which
case they are double-quoted. The config is read by a YAML 1.1 loader (true for `yes`,
octal for `01234`), so quoting is decided under both YAML 1.1 and 1.2, and every result is
loaded again and compared with the input: a file whose meaning would change is refused.

Two paths give the same bytes: `fmt_direct` writes a file straight from PyYAML's C parser
where it can vouch for the result (no comments past a header, nothing unusual), which is
what keeps a 100,000-user config fast; everything else takes ruamel's round trip here.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, merge_attrib
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    ScalarString,
)

from scimform.config.fmt_comments import reorder_map, sort_names, tidy_end_of_line
from scimform.config.fmt_direct import DirectWriter
from scimform.config.fmt_layout import RESOURCES, SETTINGS, Shape
from scimform.config.fmt_quoting import needs_quotes, plain_meaning
from scimform.config.schema import SETTINGS_FILE
from scimform.config.yamlio import KeyPath, YamlReadError, read_text
from scimform.diagnostics import Diagnostic, Diagnostics, Location, Severity
from scimform.errors import ConfigError
from scimform.model import name_order


@dataclass(frozen=True)
class FormattedFile:
    """One file's text before and after formatting, or why it could not be formatted."""

    path: Path
    original: str | None
    formatted: str | None
    problem: Diagnostic | None = None

    @property
    def changed(self) -> bool:
        return self.problem is None and self.formatted != self.original


def config_files(root: Path) -> list[Path]:
    """The `*.yaml` files of a config directory, sorted; hidden files and directories
    (`.pre-commit-config.yaml`, `.scimform/`), which validate does not read either, are
    left alone, and symlinked directories are not entered."""
    found: list[Path] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        found.extend(
            Path(directory) / name
            for name in files
            if name.endswith(".yaml") and not name.startswith(".")
        )
    return sorted(found)


def format_config(root: Path) -> list[FormattedFile]:
    """Format every file of a config directory (or one file); writes nothing. Any file
    named scimform.yaml is laid out as settings, so that a directory of several configs
    (such as examples/) formats as each would alone."""
    paths = [root] if root.is_file() else config_files(root)
    writer = DirectWriter(needs_quotes)
    return [format_file(p, settings=p.name == SETTINGS_FILE, writer=writer) for p in paths]


def format_file(path: Path, *, settings: bool, writer: DirectWriter | None = None) -> FormattedFile:
    """Format one file; a file that cannot be read or parsed comes back with its problem."""
    try:  # the checks validate makes, with its diagnostics (the bad byte's line, ...)
        text = read_text(path, str(path))
        with path.open("rb") as head:  # read_text drops a BOM; fmt drops it from the file
            original = "\ufeff" + text if head.read(3) == codecs.BOM_UTF8 else text
    except YamlReadError as exc:
        return FormattedFile(path, None, None, exc.diagnostic)
    except OSError as exc:  # the file went away between the two reads
        return FormattedFile(path, None, None, _unreadable(path, str(exc.strerror)))
    try:
        formatted = format_text(original, settings, str(path), writer)
        return FormattedFile(path, original, formatted)
    except ConfigError as exc:
        return FormattedFile(path, original, None, next(iter(exc.diagnostics)))


def format_text(
    text: str,
    settings: bool = False,
    file: str = "<text>",
    writer: DirectWriter | None = None,
) -> str:
    """The canonical form of one file's text. Raises ConfigError (one diagnostic, with
    file:line:column) when the text does not parse or cannot be formatted safely.
    Written directly where `fmt_direct` can vouch for the result, else by the round trip."""
    writer = writer or DirectWriter(needs_quotes)
    direct = writer.format(text.removeprefix("\ufeff"), _shape(settings))
    return direct if direct is not None else format_round_trip(text, settings, file)


def format_round_trip(text: str, settings: bool = False, file: str = "<text>") -> str:
    """`format_text` through ruamel's round trip alone, which keeps comments."""
    data = _load(text.removeprefix("\ufeff"), file)
    if not isinstance(data, CommentedMap | CommentedSeq):
        return text  # empty, only comments, or one scalar: nothing to lay out
    sorted_paths: list[KeyPath] = []
    shape = _shape(settings) if isinstance(data, CommentedMap) else None
    data = _arrange(data, shape, (), sorted_paths)
    out = io.StringIO()
    round_trip_yaml().dump(data, out)
    result = out.getvalue()
    if not _has_block_scalars(data):  # whose lines may start with "#" and are no comments
        result = align_comments(result)
    _check_meaning(text, result, sorted_paths, file)
    return result


def round_trip_yaml() -> YAML:
    """ruamel's round trip set up for fmt's layout; `tokens record` edits files with it too,
    so that what it writes is already formatted."""
    rt = YAML()
    rt.preserve_quotes = True  # to tell a quoted "yes" (a string) from a plain yes (true)
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.width = 4096  # never fold long values over lines
    return rt


def _shape(settings: bool) -> Shape:
    return SETTINGS if settings else RESOURCES


def _load(text: str, file: str) -> Any:
    try:
        return round_trip_yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = exc.problem or exc.context or "not valid YAML"
        if "'\\t'" in str(problem):  # as validate says it
            hint = "replace the tabs at the start of the line with spaces"
            raise _error(
                file,
                "yaml.tab",
                "a tab is used for indentation; YAML allows only spaces",
                line,
                column,
                hint,
            ) from None
        raise _parse_error(file, str(problem), line, column) from None
    except YAMLError as exc:
        raise _parse_error(file, str(exc), None, None) from None
    except RecursionError:
        raise _parse_error(file, "it is nested too deeply", None, None) from None


def _arrange(node: Any, shape: Shape | None, path: KeyPath, sorted_paths: list[KeyPath]) -> Any:
    """Lay out one node and everything below it; returns the node (scalars may change)."""
    if isinstance(node, CommentedMap):
        _arrange_map(node, shape, path, sorted_paths)
    elif isinstance(node, CommentedSeq):
        node.fa.set_block_style()
        tidy_end_of_line(node)
        for index, item in enumerate(node):
            # list's and dict's own setters: ruamel's would keep the old quoting style
            list.__setitem__(node, index, _arrange(item, shape, (*path, index), sorted_paths))
    else:
        return _scalar(node)
    return node


def _arrange_map(
    node: CommentedMap, shape: Shape | None, path: KeyPath, sorted_paths: list[KeyPath]
) -> None:
    node.fa.set_block_style()
    tidy_end_of_line(node)
    for key in list(node):
        child = shape.child(key) if shape and isinstance(key, str) else None
        OrderedDict.__setitem__(node, key, _arrange(node[key], child, (*path, key), sorted_paths))
        if shape and key in shape.sorted_lists and isinstance(node[key], CommentedSeq):
            sort_names(node[key], name_order)
            sorted_paths.append((*path, key))
    if getattr(node, merge_attrib, None):
        return  # a `<<:` merge ties keys to positions; leave such a mapping as written
    keys = shape.arrange(list(node)) if shape else list(node)
    reorder_map(node, keys)
    for key in keys:
        styled = _scalar(key)
        if styled is not key or type(styled) is not type(key):
            value = node[key]
            del node[key]
            node[styled] = value
        else:
            node.move_to_end(key)


def _scalar(value: Any) -> Any:
    """A scalar in its canonical style: see the module doc."""
    if not isinstance(value, str) or isinstance(value, LiteralScalarString | FoldedScalarString):
        return value
    if not isinstance(value, ScalarString):
        meaning = plain_meaning(value)
        if meaning is not None:  # plain in the file and not a string to a YAML 1.1 reader
            return meaning
    text = str(value)
    return DoubleQuotedScalarString(text) if needs_quotes(text) else text


def _check_meaning(before: str, after: str, sorted_paths: list[KeyPath], file: str) -> None:
    """Refuse a result that a YAML 1.1 reader would read differently from the input."""
    try:
        expected = yaml.load(before, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:  # such as a custom !tag, which only ruamel accepts
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise _parse_error(file, str(getattr(exc, "problem", exc)), line, column) from None
    try:
        actual = yaml.load(after, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        actual = not expected  # anything but what was expected
    for path in sorted_paths:
        expected = _sorted_at(expected, path)
    if expected != actual:
        message = "fmt cannot format this file without changing what it means"
        hint = "quote the values YAML could read as another type, such as yes or 1:30"
        raise _error(file, "fmt.meaning-changed", message, None, None, hint)


def _sorted_at(data: Any, path: KeyPath) -> Any:
    if not path:
        if isinstance(data, list) and all(isinstance(v, str) for v in data):
            return sorted(dict.fromkeys(data), key=name_order)
        return data
    head, rest = path[0], path[1:]
    if isinstance(data, dict) and head in data:
        data = {**data, head: _sorted_at(data[head], rest)}
    elif isinstance(data, list) and isinstance(head, int) and head < len(data):
        data = [*data[:head], _sorted_at(data[head], rest), *data[head + 1 :]]
    return data


def _parse_error(file: str, problem: str, line: int | None, column: int | None) -> ConfigError:
    hint = "fix the YAML here; fmt leaves the file untouched until it parses"
    return _error(file, "yaml.syntax", f"the file does not parse: {problem}", line, column, hint)


def _error(
    file: str, code: str, message: str, line: int | None, column: int | None, hint: str
) -> ConfigError:
    diagnostic = Diagnostic(Severity.ERROR, code, message, Location(file, line, column), hint)
    return ConfigError(f"{file}: {message}", Diagnostics([diagnostic]))


def _unreadable(path: Path, reason: str) -> Diagnostic:
    return Diagnostic(
        Severity.ERROR,
        "file.unreadable",
        f"fmt cannot read the file: {reason}",
        Location(str(path)),
        "check the file's permissions",
    )


def align_comments(text: str) -> str:
    """Indent each comment line like the line it comments, the next one with content;
    at most one blank line in a row, none at the end."""
    lines = re.sub(r"\n{3,}", "\n\n", text).rstrip("\n").split("\n")
    indent = 0
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].lstrip(" ")
        if stripped.startswith("#"):
            lines[index] = " " * indent + stripped
        elif stripped:
            indent = len(lines[index]) - len(stripped)
    return "\n".join(lines) + "\n"


def _has_block_scalars(node: Any) -> bool:
    if isinstance(node, dict):
        return any(_has_block_scalars(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_block_scalars(v) for v in node)
    return isinstance(node, LiteralScalarString | FoldedScalarString)
