"""Users from the IdP exports named by `sources:`, mapped into the direct form.

Before the records are read, the mapping is checked against what the export holds: a
template naming a field that no record of the export fills (a typo such as `{surnme}`,
or a column the export lacks) is an error, reported once, at the mapping key, with the
closest field the export does have. Without this, every record would get its own "has no
familyName" error pointing at the export, a template such as `"{givenName} {surnme}"`
would quietly make every displayName half of what was meant, and `department: "{dept}"`
would plan to clear everyone's department. A placeholder written `{dept?}` is optional:
no record need fill it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from scimform.config.declared import Declarations, Finding, Site, error
from scimform.config.names import close_names
from scimform.config.schema import SettingsFile
from scimform.config.shape import Mapper, read_record
from scimform.config.sources import SourceRecord, read_source
from scimform.config.template import Alternative, Placeholder
from scimform.errors import SourceError


def read_sources(
    root: Path, settings: SettingsFile, site: Site, mapping: Mapper | None, decl: Declarations
) -> None:
    """Read every export of `settings.sources` (paths relative to `root`) into `decl`;
    `site` is scimform.yaml, where unreadable sources and unfilled templates are reported."""
    for index, source in enumerate(settings.sources):
        path = root / source.path
        try:
            records = read_source(path, source.format)
        except SourceError as exc:
            where = Site(str(path), line=exc.line) if exc.line else site.at("sources", index)
            decl.findings.append(
                error(
                    "source.unreadable",
                    exc.reason,
                    where,
                    "fix the export, or the path in sources:",
                )
            )
            continue
        records = [_split_groups(r, source.groups_separator) for r in records]
        this = mapping  # what one export lacks says nothing about the next
        if mapping is not None:
            findings, unfilled = unfilled_templates(mapping, records, source.path, site)
            decl.findings.extend(findings)
            if "userName" in unfilled:
                continue  # no record can be told apart: each would only repeat the error
            this = replace(mapping, broken=mapping.broken | unfilled)
        for record in records:
            read_record(decl, record.fields, Site(str(path), line=record.line), this)


def _split_groups(record: SourceRecord, separator: str) -> SourceRecord:
    """A `groups` field written as text (a CSV cell: "admins; finance") as the list of
    group displayNames it holds."""
    groups = record.fields.get("groups")
    if not isinstance(groups, str):
        return record
    names = [name.strip() for name in groups.split(separator) if name.strip()]
    return SourceRecord(record.line, {**record.fields, "groups": names})


def unfilled_templates(
    mapping: Mapper, records: Sequence[SourceRecord], export: str, site: Site
) -> tuple[list[Finding], frozenset[str]]:
    """One finding per placeholder that no record of the export fills, at its mapping key,
    and the attributes those placeholders set."""
    findings: list[Finding] = []
    unfilled: set[str] = set()
    fields: list[str] | None = None
    for key, attribute, placeholder in mapping.compiled.placeholders():
        if placeholder.optional or any(_filled(alt, records) for alt in placeholder.alternatives):
            continue
        if fields is None:
            fields = _field_names(r.fields for r in records)
        unfilled.add(attribute)
        findings.append(_unfilled(key, attribute, placeholder, export, fields, site))
    return findings, frozenset(unfilled)


def _filled(alt: Alternative, records: Iterable[SourceRecord]) -> bool:
    """Whether any record has a value for this field (the usual case: the first one does)."""
    return any(_has(alt, record.fields) for record in records)


def _has(alt: Alternative, fields: Mapping[str, Any]) -> bool:
    value = alt.value_in(fields)
    return value is not None and value != "" and value != []


class FieldsSeen:
    """The same check for records met one at a time (the `users:` of the YAML files under
    a mapping): which placeholders no record has filled yet, and the fields there are."""

    def __init__(self, mapping: Mapper) -> None:
        placeholders = mapping.compiled.placeholders()
        self._pending = [(k, a, p) for k, a, p in placeholders if not p.optional]
        self._names: dict[str, None] = {}
        self._records = 0

    def see(self, record: Mapping[str, Any]) -> None:
        """Count one record in."""
        self._records += 1
        self._names.update(dict.fromkeys(_field_names((record,))))
        if self._pending:
            self._pending = [
                item
                for item in self._pending
                if not any(_has(a, record) for a in item[2].alternatives)
            ]

    def findings(self, where: str, site: Site) -> list[Finding]:
        """A finding per placeholder that none of the records seen fills."""
        if not self._records:
            return []
        names = list(self._names)
        return [_unfilled(k, a, p, where, names, site) for k, a, p in self._pending]


def _field_names(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every field the export fills, nested ones as dotted paths (profile.firstName)."""
    names: dict[str, None] = {}
    for row in rows:
        for key, value in row.items():
            names[key] = None
            if isinstance(value, Mapping):
                names.update((f"{key}.{inner}", None) for inner in value)
    return list(names)


def _expansions(short: str, fields: list[str]) -> list[str]:
    """The one field `short` abbreviates ("dept" -> "department"): same first letter, and
    its letters in order; none when several fit."""
    folded = short.casefold()
    if len(folded) < 3:
        return []
    found = [f for f in fields if f[:1].casefold() == folded[0] and _in_order(folded, f)]
    return found if len(found) == 1 else []


def _in_order(letters: str, word: str) -> bool:
    rest = iter(word.casefold())
    return all(letter in rest for letter in letters)


def _unfilled(
    key: str, attribute: str, placeholder: Placeholder, export: str, fields: list[str], site: Site
) -> Finding:
    names = [alt.name for alt in placeholder.alternatives]
    shown = " or ".join(f'"{name}"' for name in names)
    close = [c for name in names for c in close_names(name, fields) or _expansions(name, fields)]
    listed = ", ".join(fields[:12]) + (", ..." if len(fields) > 12 else "")
    optional = "{" + "|".join(names) + "?}"
    hint = (
        f'did you mean "{close[0]}"?'
        if close
        else f"name a field the export has ({listed}), or write {optional} if the "
        "export may lack it"
    )
    return error(
        "mapping.unknown-field",
        f"{key}: no user in {export} has a value for {shown}, so no user would get "
        f"{attribute} from this template",
        site.at("mapping", key),
        hint,
    )
