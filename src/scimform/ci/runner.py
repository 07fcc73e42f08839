"""The files of a GitHub Actions runner, and the GitHub API answers the workflows save.

A step reports to the runner by appending to two files: `$GITHUB_OUTPUT` (name=value
lines, or a heredoc for values with newlines) and `$GITHUB_STEP_SUMMARY` (markdown). The
workflows save GitHub's JSON with `gh api --paginate`, which prints one JSON array per page
back to back, so `read_pages` reads a stream of JSON values, not one document.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from scimform.errors import ScimformError

BOT = "github-actions[bot]"
_Model = TypeVar("_Model", bound=BaseModel)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class _Answer(BaseModel):
    # GitHub's objects carry far more than scimform reads; the rest is ignored.
    model_config = ConfigDict(extra="ignore", frozen=True)


class Author(_Answer):
    login: str


class Comment(_Answer):
    """A comment on an issue or pull request."""

    id: int
    body: str | None = None
    user: Author | None = None

    def by(self, author: str) -> bool:
        """True when `author` wrote the comment."""
        return self.user is not None and self.user.login == author


class Issue(Comment):
    """An issue (GitHub lists pull requests among issues; they carry `pull_request`)."""

    number: int
    title: str = ""
    state: str = "open"
    pull_request: dict[str, Any] | None = None


class PullRequest(_Answer):
    """A pull request as `commits/{sha}/pulls` lists it."""

    number: int
    merged_at: str | None = None
    merge_commit_sha: str | None = None


def read_pages(path: Path) -> list[dict[str, Any]]:
    """Every object in the JSON values saved in `path` (arrays are flattened). A file that
    is not JSON is a ScimformError naming it."""
    text = _read(path)
    decoder = json.JSONDecoder()
    items: list[dict[str, Any]] = []
    at = _skip_space(text, 0)
    while at < len(text):
        try:
            value, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            raise ScimformError(
                f"{path} is not GitHub's JSON answer ({exc.msg} at line {exc.lineno}); "
                "save it with `gh api --paginate ... > FILE`"
            ) from None
        items.extend(_objects(value, path))
        at = _skip_space(text, at)
    return items


def _objects(value: Any, path: Path) -> list[dict[str, Any]]:
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, dict) for v in values):
        raise ScimformError(f"{path} holds JSON that is not a list of GitHub objects")
    return values


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def parse_all(model: type[_Model], items: list[dict[str, Any]], path: Path) -> list[_Model]:
    """`items` as `model`s; an object of the wrong shape is a ScimformError naming `path`."""
    parsed = []
    for number, item in enumerate(items, start=1):
        try:
            parsed.append(model.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ScimformError(
                f"{path} is not a list of GitHub {model.__name__} objects "
                f"(object {number}: {where}: {first['msg']})"
            ) from None
    return parsed


def pull_request_number(event_path: Path) -> int | None:
    """The pull request number in the event JSON at `event_path`, or None when the event is
    not about a pull request."""
    try:
        event = json.loads(_read(event_path))
    except json.JSONDecodeError as exc:
        raise ScimformError(f"the event file {event_path} is not JSON ({exc.msg})") from None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    number = pull.get("number") if isinstance(pull, dict) else None
    return number if isinstance(number, int) else None


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    """Append `outputs` to the `$GITHUB_OUTPUT` file at `path`; a value with a newline is
    written as a heredoc whose delimiter cannot occur in it."""
    lines = []
    for name, value in outputs.items():
        if not _NAME.fullmatch(name):
            raise ScimformError(f"{name!r} is not a valid step output name")
        if "\n" in value or "\r" in value:
            delimiter = _delimiter(value)
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}")
        else:
            lines.append(f"{name}={value}")
    _append(path, "".join(line + "\n" for line in lines))


def _delimiter(value: str) -> str:
    while True:
        candidate = f"scimform_{secrets.token_hex(8)}"
        if candidate not in value:
            return candidate


def append_summary(path: Path, markdown: str) -> None:
    """Append `markdown` to the `$GITHUB_STEP_SUMMARY` file at `path`."""
    _append(path, markdown if markdown.endswith("\n") else markdown + "\n")


def write_payload(path: Path, payload: Mapping[str, Any]) -> None:
    """Write a GitHub API request body for `gh api --input`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dict(payload), ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ScimformError(f"cannot write {path}: {exc.strerror or exc}") from None


def _append(path: Path, text: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as file:
            file.write(text)
    except OSError as exc:
        raise ScimformError(f"cannot write {path}: {exc.strerror or exc}") from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScimformError(f"cannot read {path}: {exc.strerror or exc}") from None
