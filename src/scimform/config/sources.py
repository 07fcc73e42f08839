"""Users from IdP exports: CSV and JSON files, each record with the line it starts on.

CSV: a header row names the fields (a UTF-8 BOM, as Excel writes, is fine; so are
semicolons or tabs between fields, when the header row uses them); empty cells are absent
fields. This reads the Entra ID "Download users" file as it comes.
JSON: a list of user objects (Okta's Users API), or an envelope holding one: `users`
(Google Workspace Directory API) or `value` (Microsoft Graph). An envelope that says more
pages follow is refused, because a partial export would read as "those users are gone".
An export with no users is refused for the same reason.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scimform.config.json_lines import object_lines
from scimform.errors import SourceError

_ENVELOPES = {"users": "nextPageToken", "value": "@odata.nextLink"}


@dataclass(frozen=True)
class SourceRecord:
    """One user of an export: its 1-based starting line and its fields as exported."""

    line: int
    fields: dict[str, Any]


def read_source(path: Path, fmt: Literal["csv", "json"] | None = None) -> list[SourceRecord]:
    """Read a CSV or JSON export of Entra ID, Okta or Google Workspace users.

    The format comes from `fmt`, else from the file's suffix. Raises SourceError for a file
    that is missing, not UTF-8, malformed, or holds no users."""
    kind = fmt or _format_of(path)
    text = _read_text(path)
    records = _read_csv(path, text) if kind == "csv" else _read_json(path, text)
    if not records:
        raise SourceError(
            path,
            "the export holds no users; an empty export is refused, since it would "
            "read as everyone having left",
        )
    return records


def _format_of(path: Path) -> Literal["csv", "json"]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".json":
        return "json"
    raise SourceError(path, "cannot tell the format from the file name; add format: csv or json")


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(path, "no such file") from None
    except IsADirectoryError:
        raise SourceError(path, "is a directory, not an export file") from None
    except OSError as exc:
        raise SourceError(path, f"cannot be read: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(path, "is not UTF-8 text; export it as UTF-8", line) from None


def _delimiter(text: str) -> str:
    """Comma, or what the header row is split by instead: spreadsheets in many locales
    save CSV with semicolons, and some exports use tabs."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def _read_csv(path: Path, text: str) -> list[SourceRecord]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return []
        names = _header_names(path, header)
        records: list[SourceRecord] = []
        start = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                records.append(SourceRecord(start, _row_fields(path, names, row, start)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceError(path, f"is not valid CSV: {exc}", reader.line_num) from None
    return records


def _header_names(path: Path, header: list[str]) -> list[str]:
    names = [name.strip() for name in header]
    seen: set[str] = set()
    for name in names:
        if not name:
            raise SourceError(path, "the header row has an empty column name", 1)
        if name in seen:
            raise SourceError(path, f"the header row names {name!r} twice", 1)
        seen.add(name)
    return names


def _row_fields(path: Path, names: list[str], row: list[str], line: int) -> dict[str, Any]:
    if len(row) > len(names):
        raise SourceError(
            path, f"the row has {len(row)} cells but the header names {len(names)}", line
        )
    return {name: cell for name, cell in zip(names, row, strict=False) if cell != ""}


def _read_json(path: Path, text: str) -> list[SourceRecord]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(path, f"is not valid JSON: {exc.msg}", exc.lineno) from None
    key, items = _unwrap(path, data)
    lines = object_lines(text, key)
    records: list[SourceRecord] = []
    for index, item in enumerate(items):
        line = lines[index] if len(lines) == len(items) else None
        if not isinstance(item, dict):
            raise SourceError(path, f"user {index + 1} is not an object", line)
        records.append(SourceRecord(line or 1, item))
    return records


def _unwrap(path: Path, data: Any) -> tuple[str | None, list[Any]]:
    """The list of users and the envelope key holding it (None for a bare list)."""
    if isinstance(data, list):
        return None, data
    if isinstance(data, dict):
        for key, next_page in _ENVELOPES.items():
            if isinstance(data.get(key), list):
                if data.get(next_page):
                    raise SourceError(
                        path,
                        f"is one page of a longer export ({next_page} is set); "
                        "export every page into one file",
                    )
                return key, data[key]
    raise SourceError(
        path, "is not a list of users, nor an envelope with a `users` or `value` list", 1
    )
