"""Rewrite `tokens:` in the config after a rotation, keeping every comment.

The change then goes through review like any other. A replaced token's entry is edited in
place, so the comments around it and its style (flow or block, quoted or plain) stay; a
new token without a predecessor is appended in the style of its neighbours. Without any
`tokens:` block, `tokens.yaml` is created in the config directory. The result is read
back and checked against the schema before the file is replaced, in one step.

The round trip is ruamel.yaml's, as `fmt` uses it.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

from scimform.config.fmt import config_files, round_trip_yaml
from scimform.config.fmt_quoting import needs_quotes
from scimform.config.rules import MAX_TOKEN_ID, one_year_after
from scimform.config.schema import SETTINGS_FILE, TokensSpec
from scimform.diagnostics import Diagnostic, Diagnostics, Location, Severity
from scimform.errors import ConfigError
from scimform.model import MAX_TOKENS, ExpectedToken

NEW_FILE = "tokens.yaml"
_TOKENS_KEY = re.compile(r"^tokens\s*:", re.MULTILINE)


@dataclass(frozen=True)
class TokensFile:
    """The file that holds (or will hold) `tokens:`, parsed and ready to edit."""

    path: Path
    data: CommentedMap


def open_tokens_file(root: Path, target: str | None = None) -> TokensFile:
    """The config file with the `tokens:` block, parsed now so that a broken file is found
    before any token is touched; a new, empty tokens.yaml when no file has one. With
    `target` (one of several targets), the block that names it (`target:`), else the one
    that names no target, as plan reads them."""
    holders = [p for p in config_files(root) if p.name != SETTINGS_FILE and _declares(p)]
    if target is not None:
        return _target_file(root, holders, target)
    if len(holders) > 1:
        names = ", ".join(str(p) for p in holders)
        raise _error(holders[1], "tokens: is declared in more than one file: " + names)
    if not holders:
        return TokensFile(root / NEW_FILE, CommentedMap())
    return _parsed(holders[0])


def _parsed(path: Path) -> TokensFile:
    data = _load(path)
    if not isinstance(data, CommentedMap):
        raise _error(path, "the file is not a mapping of users:, groups: and tokens:")
    return TokensFile(path, data)


def _target_file(root: Path, holders: list[Path], target: str) -> TokensFile:
    files = [_parsed(path) for path in holders]
    for wanted in (target, None):
        found = [f for f in files if _block_target(f) == wanted]
        if len(found) > 1:
            names = ", ".join(str(f.path) for f in found)
            raise _error(found[1].path, f"tokens: for {target} is declared in {names}")
        if found:
            return found[0]
    return TokensFile(root / NEW_FILE, CommentedMap())


def _block_target(file: TokensFile) -> object:
    block = file.data.get("tokens")
    return block.get("target") if isinstance(block, CommentedMap) else None


def record_token(file: TokensFile, new: ExpectedToken, replaces: str | None = None) -> Path:
    """Declare `new` in place of token `replaces` (or beside the others when None) and
    write the file; ConfigError, with nothing written, when that cannot be done."""
    _refuse_invalid(file.path, new)
    expected = _expected(file)
    if replaces is not None:
        _replace(file, expected, replaces, new)
    else:
        _add(file, expected, new)
    text = _dump(file.data)
    _check(file.path, text, new.id)
    _write(file.path, text)
    return file.path


def declares(file: TokensFile, token_id: str) -> bool:
    """Whether the file declares token `token_id` in tokens.expected."""
    tokens = file.data.get("tokens")
    expected = tokens.get("expected") if isinstance(tokens, CommentedMap) else None
    return isinstance(expected, CommentedSeq) and _index(expected, token_id) is not None


def _declares(path: Path) -> bool:
    try:
        return bool(_TOKENS_KEY.search(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


def _expected(file: TokensFile) -> CommentedSeq:
    tokens = file.data.get("tokens")
    if tokens is None:
        tokens = file.data["tokens"] = CommentedMap()
    if not isinstance(tokens, CommentedMap):
        raise _error(file.path, "tokens: is not a mapping", _line(file.data, "tokens"))
    expected = tokens.get("expected")
    if expected is None:
        expected = tokens["expected"] = CommentedSeq()
    if not isinstance(expected, CommentedSeq):
        raise _error(file.path, "tokens.expected is not a list", _line(tokens, "expected"))
    return expected


def _index(expected: CommentedSeq, token_id: str) -> int | None:
    for i, entry in enumerate(expected):
        if isinstance(entry, CommentedMap) and str(entry.get("id")) == token_id:
            return i
    return None


def _replace(file: TokensFile, expected: CommentedSeq, old: str, new: ExpectedToken) -> None:
    i = _index(expected, old)
    if i is None:
        # An id this long is likely the secret itself, pasted by mistake: never repeated.
        shown = old if len(old) <= MAX_TOKEN_ID else "to be replaced"
        raise _error(file.path, f"token {shown} is not declared in tokens.expected")
    if new.id != old and _index(expected, new.id) is not None:
        raise _error(file.path, f"token {new.id} is declared already")
    _fill(expected[i], new)


def _add(file: TokensFile, expected: CommentedSeq, new: ExpectedToken) -> None:
    i = _index(expected, new.id)
    if i is not None:  # recorded before: bring its dates up to date
        _fill(expected[i], new)
        return
    if len(expected) >= MAX_TOKENS:
        raise _error(
            file.path,
            f"{len(expected)} tokens are declared already and AWS allows {MAX_TOKENS}; "
            "say which one the new token replaces (--replaces OLD_ID)",
        )
    entry = CommentedMap()
    if expected and all(_is_flow(e) for e in expected):
        entry.fa.set_flow_style()
    _fill(entry, new)
    expected.append(entry)


def _fill(entry: CommentedMap, new: ExpectedToken) -> None:
    old_id = entry.get("id")
    entry["id"] = _string(new.id, old_id)
    entry["created"] = new.created
    entry["expires"] = new.expires
    if new.used_by is not None:
        entry["used_by"] = _string(new.used_by, entry.get("used_by"))


def _string(value: str, like: Any) -> Any:
    """`value` in the quoting of the value it replaces, quoted when YAML would misread it."""
    if isinstance(like, ScalarString):
        return type(like)(value)
    return DoubleQuotedScalarString(value) if needs_quotes(value) else value


def _is_flow(entry: Any) -> bool:
    return isinstance(entry, CommentedMap) and bool(entry.fa.flow_style())


def _load(path: Path) -> Any:
    try:
        return round_trip_yaml().load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8"
        raise _error(path, f"cannot read the file: {why}") from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise _error(path, "the file does not parse; fix it first", line) from None


def _dump(data: CommentedMap) -> str:
    out = io.StringIO()
    round_trip_yaml().dump(data, out)
    return out.getvalue()


def _refuse_invalid(path: Path, new: ExpectedToken) -> None:
    """The rules `validate` applies to a declared token, before the file is touched, so a
    mistyped `tokens record` never leaves an invalid config (or a secret) behind."""
    if len(new.id) > MAX_TOKEN_ID:
        # Never quoted: an "id" this long is most likely the token itself.
        raise _error(
            path,
            "the id given is far too long for a token id: it looks like the token itself; "
            "nothing was written. Give the token's id from the AWS console, and since the "
            "token was typed on a command line, consider replacing it",
        )
    if new.expires <= new.created:
        raise _error(
            path,
            f"token {new.id} would expire on {new.expires}, not after its creation on "
            f"{new.created}; nothing was written: check the two dates",
        )
    if new.expires > one_year_after(new.created):
        raise _error(
            path,
            f"token {new.id} would expire on {new.expires}, more than a year after its "
            f"creation on {new.created}; AWS tokens are valid for one year, so nothing was "
            f"written: give the expiry the AWS console shows, at most "
            f"{one_year_after(new.created)}",
        )


def _check(path: Path, text: str, new_id: str) -> None:
    """The rewritten text must load and declare the new token under the schema."""
    try:
        tokens = TokensSpec.model_validate((yaml.safe_load(text) or {}).get("tokens"))
    except (yaml.YAMLError, ValidationError, AttributeError):
        problem = "the rewritten tokens: would not be valid; nothing was written"
        raise _error(path, problem) from None
    if new_id not in {t.id for t in tokens.expected}:
        raise _error(path, "the rewritten tokens: lost the new token; nothing was written")


def _write(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as exc:
        raise _error(path, f"cannot write the file: {exc.strerror}") from None


def _line(node: CommentedMap, key: str) -> int | None:
    try:
        return int(node.lc.key(key)[0]) + 1
    except (KeyError, AttributeError, TypeError):
        return None


def _error(path: Path, message: str, line: int | None = None) -> ConfigError:
    hint = "fix tokens: by hand, or run scimform tokens record once it loads"
    where = Location(str(path), line)
    diagnostic = Diagnostic(Severity.ERROR, "tokens.record", message, where, hint)
    return ConfigError(f"{where}: {message}", Diagnostics([diagnostic]))
