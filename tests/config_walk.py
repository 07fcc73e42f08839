"""A seeded walk of config trees, as a repository's history would hold them, for the tests
that compare loads which reuse work between trees (config.reuse) with loads that do not.

Each step edits the last tree the way people do: a title changed, a user renamed (same
externalId) or moved to another file, a file split in two or two merged, members added
and removed, a group renamed with `previously:`, require_external_id, the mapping or
the scope changed in scimform.yaml, a manager named in another letter case, a name with
accents. Some steps leave a tree that does not load or warns, for that step only: a YAML
syntax error, a userName, email or externalId declared twice across files, an unknown
member, a look-alike (ASCII or not), a mixed-script or decomposed (not NFC) name, a user
without externalId, a CSV export under `sources:`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

Tree = dict[str, str]  # path below the config directory -> text

# Under this mapping the users read as in the direct form, with a title marked as mapped:
# changing it changes every user without changing any users file.
MAPPING = {
    "userName": "{userName}",
    "externalId": "{externalId?}",
    "givenName": "{givenName}",
    "familyName": "{familyName}",
    "displayName": "{displayName}",
    "email": "{email}",
    "title": "{title?} (mapped)",
    "manager": "{manager?}",
}


@dataclass
class _Config:
    users: dict[str, list[dict[str, Any]]]  # file -> user entries
    groups: list[dict[str, Any]]
    settings: dict[str, Any] = field(default_factory=dict)


def walk(seed: int, steps: int) -> Iterator[Tree]:
    """`steps` trees, each the last one edited (see the module doc)."""
    rng = random.Random(seed)
    config = _start()
    for _ in range(steps):
        edit = rng.choice(_EDITS)
        extra = edit(config, rng)
        tree = _render(config)
        if extra is not None:
            extra(tree, rng)
        yield tree


def _start() -> _Config:
    users = {f"team-{t}.yaml": [_person(n) for n in range(t * 6, t * 6 + 6)] for t in range(3)}
    names = [u["userName"] for entries in users.values() for u in entries]
    groups = [
        {"displayName": "admins", "members": names[:4]},
        {"displayName": "staff", "members": names[::2]},
    ]
    users["team-0.yaml"][1]["manager"] = names[0]
    users["team-1.yaml"][0]["groups"] = ["admins"]
    return _Config(users, groups, {"target": {"url": "local:.scimform/store.db"}})


def _person(n: int) -> dict[str, Any]:
    return {
        "userName": f"user{n}@corp.example",
        "externalId": f"id-{n}",
        "givenName": f"User{n}",
        "familyName": "Example",
        "displayName": f"User{n} Example",
        "email": f"user{n}@corp.example",
        "title": "Engineer",
    }


def _render(config: _Config) -> Tree:
    tree = {"scimform.yaml": yaml.safe_dump(config.settings, sort_keys=False)}
    for file, entries in config.users.items():
        if entries:
            tree[file] = yaml.safe_dump({"users": entries}, sort_keys=False, allow_unicode=True)
    tree["groups.yaml"] = yaml.safe_dump({"groups": config.groups}, sort_keys=False)
    return tree


def _everyone(config: _Config) -> list[dict[str, Any]]:
    return [u for entries in config.users.values() for u in entries]


def _retitle(config: _Config, rng: random.Random) -> None:
    rng.choice(_everyone(config))["title"] = f"Engineer {rng.randrange(1000)}"


def _rename_user(config: _Config, rng: random.Random) -> None:
    user = rng.choice(_everyone(config))
    old, new = user["userName"], f"renamed{rng.randrange(10_000)}@corp.example"
    user["userName"] = user["email"] = new
    for group in config.groups:
        group["members"] = [new if m == old else m for m in group["members"]]
    for other in _everyone(config):
        if other.get("manager") == old:
            other["manager"] = new


def _move_user(config: _Config, rng: random.Random) -> None:
    source = rng.choice([f for f, entries in config.users.items() if entries])
    user = config.users[source].pop(rng.randrange(len(config.users[source])))
    target = rng.choice([*config.users, f"more/team-{rng.randrange(5)}.yaml"])
    config.users.setdefault(target, []).append(user)


def _split_file(config: _Config, rng: random.Random) -> None:
    source = max(config.users, key=lambda f: len(config.users[f]))
    entries = config.users[source]
    half = len(entries) // 2
    config.users[source] = entries[:half]
    config.users.setdefault(f"split-{rng.randrange(100)}.yaml", []).extend(entries[half:])


def _merge_files(config: _Config, rng: random.Random) -> None:
    files = [f for f, entries in config.users.items() if entries]
    if len(files) > 1:
        first, second = rng.sample(files, 2)
        config.users[first].extend(config.users.pop(second))


def _members(config: _Config, rng: random.Random) -> None:
    group = rng.choice(config.groups)
    name = rng.choice(_everyone(config))["userName"]
    if name in group["members"]:
        group["members"].remove(name)
    else:
        group["members"].append(name)


def _rename_group(config: _Config, rng: random.Random) -> None:
    group = rng.choice(config.groups)
    old = group["displayName"]
    group["displayName"] = f"{old.split('-v')[0]}-v{rng.randrange(100)}"
    group["previously"] = [old]
    for user in _everyone(config):
        user["groups"] = [group["displayName"] if g == old else g for g in user.get("groups", [])]


def _require_external_id(config: _Config, rng: random.Random) -> None:
    config.settings["require_external_id"] = not config.settings.get("require_external_id")


def _mapping(config: _Config, rng: random.Random) -> None:
    if "mapping" in config.settings:
        del config.settings["mapping"]
    else:
        config.settings["mapping"] = dict(MAPPING)


def _scope(config: _Config, rng: random.Random) -> None:
    if "scope" in config.settings:
        del config.settings["scope"]
    else:
        config.settings["scope"] = {"groups": [rng.choice(config.groups)["displayName"]]}


def _accented(config: _Config, rng: random.Random) -> None:
    """Names with accents, as people have: not ASCII, and nothing wrong with them."""
    user = rng.choice(_everyone(config))
    user["givenName"], user["familyName"] = "Jos\u00e9", "M\u00fcller"
    user["displayName"] = "Jos\u00e9 M\u00fcller"


def _decomposed(config: _Config, rng: random.Random) -> Callable[[Tree, random.Random], None]:
    odd = dict(_person(9_003), givenName="Jose\u0301")  # not in composed form (NFC)
    return _extra_file({"users": [odd]})


def _manager_case(config: _Config, rng: random.Random) -> None:
    user, manager = rng.sample(_everyone(config), 2)
    name = manager["userName"]
    user["manager"] = name.upper() if rng.random() < 0.5 else name


def _no_external_id(config: _Config, rng: random.Random) -> None:
    user = rng.choice(_everyone(config))
    if "externalId" in user:
        del user["externalId"]
    else:
        user["externalId"] = f"id-new-{rng.randrange(10_000)}"


# Edits that leave a tree which does not load, or warns, for one step only.


def _broken_yaml(config: _Config, rng: random.Random) -> Callable[[Tree, random.Random], None]:
    def edit(tree: Tree, rng: random.Random) -> None:
        file = rng.choice(sorted(f for f in tree if f != "scimform.yaml"))
        tree[file] += "unclosed: [a, b\n"

    return edit


def _duplicate(config: _Config, rng: random.Random) -> Callable[[Tree, random.Random], None]:
    """A second user sharing one key with another: userName (in another case), email or
    externalId."""
    first = rng.choice([u for u in _everyone(config) if "externalId" in u])
    twin = dict(_person(9_002), title="Twin")
    shared = rng.choice(["userName", "email", "externalId"])
    twin[shared] = first[shared].upper() if shared == "userName" else first[shared]
    return _extra_file({"users": [twin]})


def _unknown_member(config: _Config, rng: random.Random) -> Callable[[Tree, random.Random], None]:
    return _extra_file({"groups": [{"displayName": "ghosts", "members": ["nobody@corp.example"]}]})


def _look_alike(config: _Config, rng: random.Random) -> Callable[[Tree, random.Random], None]:
    name = rng.choice(_everyone(config))["userName"]
    odd = dict(_person(9_000), userName=name.replace("u", "\u0443", 1))  # Cyrillic u
    odd["displayName"] = "\u0410lice Example"  # Cyrillic A: mixed scripts
    return _extra_file({"users": [odd]})


def _plain_look_alike(config: _Config, rng: random.Random) -> Callable[[Tree, random.Random], None]:
    name = rng.choice(_everyone(config))["userName"]
    odd = dict(_person(9_001), userName=name.replace("m", "rn", 1))  # ASCII, and alike
    return _extra_file({"users": [odd]})


def _export(config: _Config, rng: random.Random) -> Callable[[Tree, random.Random], None]:
    def edit(tree: Tree, rng: random.Random) -> None:
        settings = yaml.safe_load(tree["scimform.yaml"])
        settings["sources"] = [{"path": "exports/people.csv"}]
        settings.setdefault("mapping", dict(MAPPING))
        tree["scimform.yaml"] = yaml.safe_dump(settings, sort_keys=False)
        header = "userName,externalId,givenName,familyName,displayName,email,groups\n"
        row = "csv1@corp.example,id-csv1,Csv,One,Csv One,csv1@corp.example,admins\n"
        tree["exports/people.csv"] = header + row

    return edit


def _extra_file(content: dict[str, Any]) -> Callable[[Tree, random.Random], None]:
    def edit(tree: Tree, rng: random.Random) -> None:
        tree["extra.yaml"] = yaml.safe_dump(content, sort_keys=False, allow_unicode=True)

    return edit


_EDITS: list[Callable[[_Config, random.Random], Any]] = [
    _retitle, _retitle, _retitle, _rename_user, _move_user, _split_file, _merge_files,
    _members, _members, _rename_group, _require_external_id, _mapping, _scope, _manager_case,
    _accented, _no_external_id, _broken_yaml, _duplicate, _unknown_member, _look_alike,
    _plain_look_alike, _decomposed, _export,
]  # fmt: skip
