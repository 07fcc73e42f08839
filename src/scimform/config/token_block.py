"""Reading a `tokens:` block so that one mistake does not hide the rest of it.

A bad key in one expected token (a typo, a date that is not one) would fail the whole
block, and then its other tokens would go unchecked (a second expiry more than a year
out, a third token). So after reporting what is wrong, the block is read again without
its bad keys and bad tokens, and each kept token remembers its place in the file.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from scimform.config.declared import DeclaredTokens, Finding, Site
from scimform.config.schema import ResourceFile, TokenSpec, TokensSpec
from scimform.config.schema_errors import translate


def read_tokens(raw: Any, file: Site) -> tuple[DeclaredTokens | None, list[Finding]]:
    """The `tokens:` block of the file at `file` (None when nothing of it can be read) and
    what is wrong with it."""
    if not isinstance(raw, dict):  # said as the file's schema says it: "must be a mapping"
        try:
            ResourceFile.model_validate({"tokens": raw})
        except ValidationError as exc:
            return None, translate(exc, ResourceFile, file)
    site = file.at("tokens")
    try:
        return DeclaredTokens(TokensSpec.model_validate(raw), site), []
    except ValidationError as exc:
        findings = translate(exc, TokensSpec, site)
        bad = {str(err["loc"][0]) for err in exc.errors() if err["loc"]} - {"expected"}
    kept = {key: value for key, value in raw.items() if key not in bad}
    expected = raw.get("expected")
    positions: list[int] = []
    if isinstance(expected, list):
        tokens = [(index, _token(item)) for index, item in enumerate(expected)]
        kept["expected"] = [token for _, token in tokens if token is not None]
        positions = [index for index, token in tokens if token is not None]
    else:
        kept.pop("expected", None)
    try:
        spec = TokensSpec.model_validate(kept)
    except ValidationError:
        return None, findings
    return DeclaredTokens(spec, site, tuple(positions)), findings


def _token(item: Any) -> TokenSpec | None:
    """One expected token without its unknown keys, or None when it still fails."""
    if not isinstance(item, dict):
        return None
    known = {key: value for key, value in item.items() if key in TokenSpec.model_fields}
    try:
        return TokenSpec.model_validate(known)
    except ValidationError:
        return None
