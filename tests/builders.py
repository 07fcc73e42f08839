"""Builders for test data, shared by the whole suite (tests/ is on pytest's pythonpath):

- YAML config entries: `person(n or name, **extra)` is a valid user entry, `team(name,
  members)` a group entry, `entry_of(record)` the entry declaring a model record, and
  `entry_text(fields)` one entry as YAML text, for tests that count lines;
- canonical records for engine and render tests: `user(name, **fields)`, `group(name,
  *members, **fields)` (`scimform.model.User` and `Group`);
- SCIM documents as a client sends them: `user_doc`, `group_doc`, `patch_doc`;
- config trees on disk: `write_config(root, ...)`, `write_files(root, {path: text})`, and
  `tokens_yaml(tokens)`, a commented tokens.yaml declaring tokens.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from scimform.model import Group, User
from scimform.store import TokenInfo
from scimform.wire import GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA

Entry = dict[str, Any]
Doc = dict[str, Any]


def person(who: int | str, **extra: Any) -> Entry:
    """A valid user entry of a config file. `person(7)` is p007@corp.example (externalId
    e-007, Given7 Example); `person("ann")` is ann@corp.example (e-ann, Ann Example).
    `extra` adds fields or replaces these."""
    if isinstance(who, int):
        user_name, external_id, given = f"p{who:03}@corp.example", f"e-{who:03}", f"Given{who}"
    else:
        user_name = who if "@" in who else f"{who}@corp.example"
        local = user_name.split("@")[0]
        external_id, given = f"e-{local}", local.title()
    entry: Entry = {
        "userName": user_name,
        "externalId": external_id,
        "givenName": given,
        "familyName": "Example",
        "displayName": f"{given} Example",
        "email": user_name,
    }
    entry.update(extra)
    return entry


def team(name: str, members: Iterable[str] = (), **extra: Any) -> Entry:
    """A group entry of a config file: `team("admins", ["a@corp.example"])`."""
    return {"displayName": name, "members": list(members), **extra}


def entry_of(record: User | Group) -> Entry:
    """The config entry that declares a canonical record (its names, externalId, title and
    email; a group's members by userName)."""
    if isinstance(record, Group):
        fields: Entry = {"displayName": record.display_name, "externalId": record.external_id}
        return {**_set(fields), "members": sorted(record.members)}
    return _set(
        {
            "userName": record.user_name,
            "externalId": record.external_id,
            "givenName": record.given_name,
            "familyName": record.family_name,
            "displayName": record.display_name,
            "title": record.title,
            "email": record.email,
        }
    )


def _set(fields: Entry) -> Entry:
    return {key: value for key, value in fields.items() if value is not None}


def entry_text(fields: Mapping[str, str]) -> str:
    """One list entry as YAML text, a field a line in order; values are written as given
    (raw YAML), and a field whose value is "" is left out."""
    lines = [f"{key}: {value}" for key, value in fields.items() if value != ""]
    return "  - " + "\n    ".join(lines) + "\n"


def user(name: str, **fields: Any) -> User:
    """A canonical user record: `user("alice@corp.example")` is Alice Example; `fields`
    (model names: external_id, title, id, ...) add to it or replace its names."""
    given = name.split("@")[0].capitalize()
    values: dict[str, Any] = {
        "given_name": given,
        "family_name": "Example",
        "display_name": f"{given} Example",
    }
    values.update(fields)
    return User(user_name=name, **values)


def group(name: str, *members: str, **fields: Any) -> Group:
    """A canonical group record with the members' userNames: `group("admins", "a@x")`."""
    return Group(display_name=name, members=frozenset(members), **fields)


def user_doc(user_name: str = "alice@corp.example", **extra: Any) -> Doc:
    """A valid SCIM User document (Alice Liddell), with `extra` attributes added or replaced."""
    doc: Doc = {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Alice", "familyName": "Liddell"},
        "displayName": "Alice Liddell",
    }
    doc.update(extra)
    return doc


def group_doc(display_name: str = "platform-admins", **extra: Any) -> Doc:
    """A valid SCIM Group document, with `extra` attributes (members: [{"value": id}])."""
    return {"schemas": [GROUP_SCHEMA], "displayName": display_name, **extra}


def patch_doc(*operations: Doc) -> Doc:
    """A SCIM PatchOp body: `patch_doc({"op": "add", "path": "members", "value": [...]})`."""
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def write_files(root: Path, files: Mapping[str, str], *, dedent: bool = False) -> Path:
    """Write each text at its path relative to `root` (folders made as needed)."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if dedent else text, encoding="utf-8")
    return root


def write_config(
    root: Path,
    *,
    url: str | None = "local:store.db",
    token: str | None = None,
    users: Iterable[Entry] = (),
    groups: Iterable[Entry] = (),
    files: Mapping[str, str] | None = None,
    **settings: Any,
) -> Path:
    """A config directory: scimform.yaml (the target `url`, the `token` reference such as
    "env:SCIM_TOKEN", and any other top-level `settings` such as ownership=...), people.yaml
    with `users` and `groups` (rewritten on every call), then `files`. Returns `root`."""
    root.mkdir(parents=True, exist_ok=True)
    spec: dict[str, Any] = dict(settings)
    if url is not None:
        target = {"url": url} if token is None else {"url": url, "token": token}
        spec = {"target": target, **spec}
    people = {"users": list(users), "groups": list(groups)}
    write_files(
        root,
        {
            "scimform.yaml": yaml.safe_dump(spec, sort_keys=False) if spec else "",
            "people.yaml": yaml.safe_dump(people, sort_keys=False, allow_unicode=True),
            **(files or {}),
        },
    )
    return root


def tokens_yaml(tokens: Iterable[TokenInfo | tuple[str, date, date]], rotate: str = "30d") -> str:
    """A tokens.yaml expecting these tokens (live ones, or (id, created, expires)), with
    comments in the places a rewrite must keep them: before the file, after a setting,
    above an entry and after it."""
    entries = "".join(
        "    # the token CI uses\n"
        f"    - {{id: {id}, created: {created}, expires: {expires}, used_by: github-actions}}"
        "  # the CI token\n"
        for id, created, expires in map(_declared, tokens)
    )
    return (
        "# Our SCIM tokens.\ntokens:\n  warn_before_expiry: 60d  # two months\n"
        f"  rotate_before_expiry: {rotate}\n  expected:\n{entries}"
    )


def _declared(token: TokenInfo | tuple[str, date, date]) -> tuple[str, date, date]:
    if isinstance(token, TokenInfo):
        return token.id, token.created.date(), token.expires.date()
    return token
