"""Raw YAML data (and mapped IdP records) -> declared users, groups and tokens.

A whole file is validated in one pydantic call, which is fast; only when that fails is it
walked item by item, so that every bad item is reported and every good one is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from scimform.config.declared import (
    Declarations,
    DeclaredGroup,
    DeclaredTokens,
    DeclaredUser,
    Finding,
    Site,
    error,
)
from scimform.config.mapping import CompiledMapping, MappingProblem
from scimform.config.schema import GroupSpec, ResourceFile, SettingsFile, UserSpec
from scimform.config.schema_errors import meant_keys, translate
from scimform.config.token_block import read_tokens
from scimform.model import ATTRIBUTES

_M = TypeVar("_M", bound=BaseModel)

# Multi-valued SCIM attributes, and the single key the direct form uses instead.
_MULTI_KEYS = {"emails": "email", "phoneNumbers": "phone", "addresses": "address"}
_SINGLE_KEYS = tuple(_MULTI_KEYS.values())


@dataclass(frozen=True, slots=True)
class Mapper:
    """A compiled mapping, and the attributes it cannot set because its own entry is
    missing or broken (reported once, at the mapping, not again for every user)."""

    compiled: CompiledMapping
    broken: frozenset[str]

    @classmethod
    def of(cls, compiled: CompiledMapping, problems: list[MappingProblem]) -> Mapper:
        """The mapper for a mapping compiled with these problems."""
        friendly = {name: a.friendly for a in ATTRIBUTES for name in (a.friendly, a.scim)}
        return cls(compiled, frozenset(friendly.get(p.key, p.key) for p in problems))


def read_settings(data: Any, site: Site) -> tuple[SettingsFile, list[Finding]]:
    """scimform.yaml's settings. Sections with errors fall back to their defaults (a broken
    mapping keeps its well-formed entries) so that the rest of the config is still checked."""
    try:
        return SettingsFile.model_validate(data), []
    except ValidationError as exc:
        findings = translate(exc, SettingsFile, site)
        bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
    kept = {key: value for key, value in data.items() if key not in bad}
    mapping = data.get("mapping")
    if "mapping" in bad and isinstance(mapping, dict):
        kept["mapping"] = {
            k: v for k, v in mapping.items() if isinstance(k, str) and type(v) is str
        }
    try:
        return SettingsFile.model_validate(kept), findings
    except ValidationError:  # a key that is wrong only in combination: keep the defaults
        return SettingsFile(), findings


def read_resource(data: dict[str, Any], site: Site, mapping: Mapper | None) -> Declarations:
    """The users, groups and tokens of one file whose top level is a mapping."""
    if mapping is None:
        try:
            return _declare(ResourceFile.model_validate(data), site)
        except ValidationError:
            pass  # walk it item by item below, to report every problem
    out = Declarations.empty()
    rest = {key: value for key, value in data.items() if key not in ("users", "groups", "tokens")}
    try:
        ResourceFile.model_validate(rest)  # for unknown keys at the top of the file
    except ValidationError as exc:
        out.findings.extend(translate(exc, ResourceFile, site))
    if data.get("tokens") is not None:
        tokens, findings = read_tokens(data["tokens"], site)
        out.findings.extend(findings)
        if tokens is not None:
            out.tokens.append(tokens)
    for index, raw in enumerate(_items(data, "users", site, out)):
        read_record(out, raw, site.at("users", index), mapping)
    for index, raw in enumerate(_items(data, "groups", site, out)):
        _add_group(out, raw, site.at("groups", index))
    return out


def read_record(out: Declarations, raw: Any, site: Site, mapping: Mapper | None) -> None:
    """Add one IdP-shaped record (a source row, or a YAML user under a mapping) to `out`;
    without a mapping the record must already be in the direct form."""
    if mapping is None:
        _add_user(out, raw, site)
    else:
        _add_record(out, raw, site, mapping)


def _declare(resource: ResourceFile, site: Site) -> Declarations:
    out = Declarations.empty()
    out.users.extend(DeclaredUser(u, site.at("users", i)) for i, u in enumerate(resource.users))
    out.groups.extend(DeclaredGroup(g, site.at("groups", i)) for i, g in enumerate(resource.groups))
    if resource.tokens is not None:
        out.tokens.append(DeclaredTokens(resource.tokens, site.at("tokens")))
    return out


def _items(data: dict[str, Any], key: str, site: Site, out: Declarations) -> list[Any]:
    value = data.get(key)
    if value is None and key not in data:
        return []
    if isinstance(value, list):
        return value
    out.findings.append(
        error(
            "schema.wrong-type",
            f'"{key}" must be a list (one "- " entry per item)',
            site.at(key),
            f"write each entry on its own line starting with -, under {key}:",
        )
    )
    return []


def _add_record(out: Declarations, raw: Any, site: Site, mapping: Mapper) -> None:
    if not isinstance(raw, dict):
        out.findings.append(_not_a_mapping("user", site))
        return
    direct, problems = mapping.compiled.apply(raw)
    out.findings.extend(error(p.code, p.message, site, p.hint) for p in problems)
    if problems:
        out.rejected_users.add(_name(direct, "userName"))
        return
    _add_user(out, direct, site, mapping.broken)


def _add_user(out: Declarations, raw: Any, site: Site, unset: frozenset[str] = frozenset()) -> None:
    if not isinstance(raw, dict):
        out.findings.append(_not_a_mapping("user", site))
        return
    raw, multi = _split_multi_valued(raw, site)
    out.findings.extend(multi)
    spec, broken = _validate(UserSpec, raw, site, out.findings)
    if spec is None:
        out.rejected_users.add(_name(raw, "userName"))
    else:
        # `emails: [...]` and `email: [...]` both leave the user without its one email:
        # reported once, as multi-valued, not also as missing.
        broken |= {_MULTI_KEYS.get(key, key) for key in (str(f.site.path[-1]) for f in multi)}
        out.users.append(DeclaredUser(spec, site, frozenset(broken) | unset))


def _add_group(out: Declarations, raw: Any, site: Site) -> None:
    if not isinstance(raw, dict):
        out.findings.append(_not_a_mapping("group", site))
        return
    spec, broken = _validate(GroupSpec, raw, site, out.findings)
    if spec is None:
        out.rejected_groups.add(_name(raw, "displayName"))
    else:
        out.groups.append(DeclaredGroup(spec, site, frozenset(broken)))


def _validate(
    model: type[_M], raw: dict[str, Any], site: Site, findings: list[Finding]
) -> tuple[_M | None, set[str]]:
    """The item, and the keys that had to be left out to read it. After the first
    failure the item is read again without its bad keys, so that the rules can still
    check the rest of it (all diagnostics in one run)."""
    try:
        return model.model_validate(raw), set()
    except ValidationError as exc:
        findings.extend(translate(exc, model, site))
        broken = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
        # A key a typo was meant to be is "not missing", unless it is there as well
        # (`member:` beside `members:`): then the real key is kept and checked.
        broken |= meant_keys(exc, model) - raw.keys()
    try:
        return model.model_validate({k: v for k, v in raw.items() if k not in broken}), broken
    except ValidationError:  # a required key is bad: there is nothing to check
        return None, broken


def _split_multi_valued(raw: dict[str, Any], site: Site) -> tuple[dict[str, Any], list[Finding]]:
    """AWS holds one email, phone and address per user: a list of them gets its own
    diagnostic (not "unknown key" or "wrong type"), and is taken out before validation."""
    findings: list[Finding] = []
    for key, single in _MULTI_KEYS.items():
        if key in raw:
            findings.append(_multi_valued(single, key, site.at(key)))
    for key in _SINGLE_KEYS:
        if isinstance(raw.get(key), list):
            findings.append(_multi_valued(key, key, site.at(key)))
    if not findings:
        return raw, findings
    drop = set(_MULTI_KEYS) | {k for k in _SINGLE_KEYS if isinstance(raw.get(k), list)}
    return {k: v for k, v in raw.items() if k not in drop}, findings


def _multi_valued(single: str, key: str, site: Site) -> Finding:
    example = {"email": "alice@corp.example", "phone": '"+1 555 0100"', "address": "{...}"}
    return error(
        f"user.multi-valued-{single}",
        f'"{key}" holds a list, but AWS IAM Identity Center accepts one {single} per user',
        site,
        f"keep the primary one only, as a single value: {single}: {example[single]}",
    )


def _not_a_mapping(kind: str, site: Site) -> Finding:
    return error(
        "schema.wrong-type",
        f"each {kind} must be a mapping of keys to values",
        site,
        f"start each {kind} with '- ' and write its keys below it, indented",
    )


def _name(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    return value if isinstance(value, str) else ""
