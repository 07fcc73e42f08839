"""pydantic's validation errors, said in scimform's words.

The user never sees pydantic's wording or the values they wrote (a value may be a secret):
each error becomes a finding with a stable code, a plain message, a hint ("did you mean"
for unknown keys) and the site of the offending key.
"""

from __future__ import annotations

import difflib
import re
import types
from datetime import date
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from scimform.config import schema
from scimform.config.declared import Finding, Site, error

_NOUNS: dict[type[BaseModel], str] = {
    schema.UserSpec: "a user",
    schema.AddressSpec: "an address",
    schema.GroupSpec: "a group",
    schema.TokensSpec: "the tokens block",
    schema.TokenSpec: "an expected token",
    schema.ResourceFile: "a users/groups/tokens file",
    schema.SettingsFile: "scimform.yaml",
    schema.TargetSpec: "target",
    schema.SourceSpec: "a source",
    schema.ScopeSpec: "scope",
    schema.OwnershipSpec: "ownership",
    schema.IgnoreSpec: "ownership.ignore",
    schema.SafetySpec: "safety",
    schema.ApprovalsSpec: "approvals",
}
_CODE_PREFIX = {schema.UserSpec: "user", schema.GroupSpec: "group", schema.TokenSpec: "tokens"}
_SPECIAL_HINTS = {
    "name": "write givenName, middleName and familyName directly on the user",
    "password": "scimform does not manage passwords: AWS rejects them over SCIM",
    "members": "members belong to a group; a user lists its groups under groups:",
}
_ADDRESS_KEYS = frozenset(f.alias or n for n, f in schema.AddressSpec.model_fields.items())
_EXPECTED = {
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
}
_QUOTE_HINT = (
    'put the value in quotes, e.g. "01234": YAML reads unquoted numbers, dates, yes and no '
    "as other types"
)


def translate(exc: ValidationError, model: type[BaseModel], site: Site) -> list[Finding]:
    """One finding per distinct problem; `site` is where the validated data starts."""
    findings: dict[tuple[str, tuple[str | int, ...]], Finding] = {}
    for err in exc.errors(include_url=False):
        path, owner = _walk(model, err["loc"])
        finding = _finding(err, path, owner, site.at(*path))
        # A union reports once per member; one finding per key is enough.
        findings.setdefault((finding.code, path), finding)
    return list(findings.values())


def _finding(
    err: ErrorDetails, path: tuple[str | int, ...], owner: type[BaseModel], site: Site
) -> Finding:
    key = str(path[-1]) if path else "document"
    kind = err["type"]
    if kind == "extra_forbidden":
        return _unknown_key(key, owner, site)
    if kind == "missing":
        return _missing(key, owner, site)
    if owner is schema.TokensSpec and key.endswith("_before_expiry"):
        return error(
            "schema.wrong-type",
            f'"{key}" must be a number of days, such as 60 or "60d"',
            site,
            'write days: 60 or "60d"',
        )
    if kind in _EXPECTED:
        return _wrong_type(key, _EXPECTED[kind], err.get("input"), site)
    if kind.startswith(("date_", "datetime_")):
        return _wrong_type(key, "a date such as 2026-02-01", err.get("input"), site)
    if kind == "string_pattern_mismatch" and owner is schema.TargetSpec:
        return error(
            "settings.token-not-a-reference",
            "target.token must say where the token is (env:NAME or file:PATH), "
            "never hold the token itself",
            site,
            "put the token in an environment variable and write token: env:SCIM_TOKEN",
        )
    return _invalid_value(key, err, site)


def _unknown_key(key: str, owner: type[BaseModel], site: Site) -> Finding:
    allowed = _keys(owner)
    hint = _SPECIAL_HINTS.get(key) if owner is schema.UserSpec else None
    if owner is schema.UserSpec and key in _ADDRESS_KEYS:
        hint = f"{key} belongs under address:, indented"
    if owner is schema.ResourceFile and key in schema.SettingsFile.model_fields:
        hint = f"{key}: is a setting; settings belong in {schema.SETTINGS_FILE}"
    elif owner is schema.SettingsFile and key in schema.ResourceFile.model_fields:
        hint = f"{key}: belongs in another *.yaml file, not in {schema.SETTINGS_FILE}"
    if hint is None:
        hint = did_you_mean(key, allowed) or "allowed keys: " + ", ".join(allowed)
    return error("schema.unknown-key", f'unknown key "{key}" in {_NOUNS[owner]}', site, hint)


def meant_keys(exc: ValidationError, model: type[BaseModel]) -> set[str]:
    """The keys that unknown keys of `model` were probably meant to be (givenNme ->
    givenName), so that those are not also reported as missing."""
    meant: set[str] = set()
    for err in exc.errors(include_url=False):
        if err["type"] == "extra_forbidden" and len(err["loc"]) == 1:
            meant.update(difflib.get_close_matches(str(err["loc"][0]), _keys(model), 1, 0.6))
    return meant


def did_you_mean(word: str, choices: Any) -> str | None:
    """'did you mean "x"?' for the closest of `choices`, or None when nothing is close."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else None


def _missing(key: str, owner: type[BaseModel], site: Site) -> Finding:
    prefix = _CODE_PREFIX.get(owner)
    code = f"{prefix}.missing-{_kebab(key)}" if prefix else "schema.missing-key"
    return error(code, f'{_NOUNS[owner]} has no "{key}", which is required', site, f"add {key}:")


def _wrong_type(key: str, expected: str, value: Any, site: Site) -> Finding:
    found = _describe(value)
    hint = "give it a value, or remove the key"
    if value is not None:
        hint = _QUOTE_HINT if expected == "a string" else f"write {expected} here"
    return error("schema.wrong-type", f'"{key}" must be {expected}, not {found}', site, hint)


def _invalid_value(key: str, err: ErrorDetails, site: Site) -> Finding:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind == "literal_error":
        message = f'"{key}" must be one of {ctx.get("expected")}'
    elif kind in ("greater_than_equal", "greater_than"):
        message = f'"{key}" must be at least {ctx.get("ge", ctx.get("gt"))}'
    elif kind in ("less_than_equal", "less_than"):
        message = f'"{key}" must be at most {ctx.get("le", ctx.get("lt"))}'
    elif kind == "value_error":
        message = f'"{key}": {ctx.get("error", "not a valid value")}'
    else:
        message = f'"{key}" does not have a valid value here'
    return error("schema.invalid-value", message, site, "see schemas/ for what each key accepts")


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping" if isinstance(value, dict) else "another type"


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _walk(
    model: type[BaseModel], loc: tuple[str | int, ...]
) -> tuple[tuple[str | int, ...], type[BaseModel]]:
    """The part of an error's loc that names keys in the file (dropping the names pydantic
    gives union members and dict keys), and the model that owns the last key."""
    path: list[str | int] = []
    owner = model
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            owner = current
            path.append(part)
            field = _field(current, part)
            current = field.annotation if field else None
        elif get_origin(current) is list and isinstance(part, int):
            path.append(part)
            current = get_args(current)[0]
        elif get_origin(current) is dict and part != "[key]":
            path.append(part)
            current = get_args(current)[1]
        else:
            break
    return tuple(path), owner


def _unwrap(annotation: Any) -> Any:
    """Annotated[X, ...] -> X; X | None -> X."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _field(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in (field.alias, name):
            return field
    return None
