"""The exported config: written straight in fmt's layout, it must be exactly what fmt
writes, and mean exactly the live state it came from."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from scimform.config import export_text
from scimform.config.export import GROUPS_FILE, USERS_FILE, export_config
from scimform.config.fmt import format_text
from scimform.config.loader import load_config
from scimform.model import Address, Group, LiveState, User

AWKWARD = [
    "01234",
    "yes",
    "no",
    "y",
    "null",
    "~",
    "2026-01-01",
    "1:30",
    "{upn}",
    "- dash",
    "#hash",
    "a: b",
    "trailing ",
    'O"Brien',
    "back\\slash",
    "Zoë",
    "ünïcode: yes",
    "12e3",
    ".inf",
    "@at",
    "plain words",
]


def awkward_state() -> LiveState:
    users = [
        User(
            f"user{n}@corp.example",
            value,
            "Example",
            f"{value} Example",
            external_id=value,
            title=value,
            email=f"user{n}@corp.example",
            active=n % 2 == 0,
            address=Address(street_address=value, country="US") if n % 3 == 0 else None,
            manager="user0@corp.example" if n else None,
            id=f"u{n}",
        )
        for n, value in enumerate(AWKWARD)
    ]
    groups = [
        Group(value, external_id=f"g-{n}", members=frozenset({"user1@corp.example"}), id=f"g{n}")
        for n, value in enumerate(AWKWARD)
    ]
    return LiveState(tuple(users), tuple(groups), frozenset(g.id for g in groups if g.id))


@pytest.mark.parametrize("check_max", [0, 10_000])
def test_the_text_is_what_fmt_writes_and_means_the_live_state(
    check_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_text, "FORMAT_CHECK_MAX", check_max)
    exported = export_config(awkward_state(), "local:store.db", None, source="a test")
    for name in (USERS_FILE, GROUPS_FILE):
        text = exported.files[name]
        assert format_text(text) == text, name
    users = yaml.safe_load(exported.files[USERS_FILE])["users"]
    assert {u["externalId"] for u in users} == set(AWKWARD)
    assert all(isinstance(u["givenName"], str) for u in users)
    groups = yaml.safe_load(exported.files[GROUPS_FILE])["groups"]
    assert sorted(g["displayName"] for g in groups) == sorted(AWKWARD)


def test_the_config_loads_back_to_the_live_state(tmp_path: Path) -> None:
    live = awkward_state()
    exported = export_config(live, "local:store.db", "env:SCIM_TOKEN", source="a test")
    for name, text in exported.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    loaded = load_config(tmp_path)
    assert not loaded.diagnostics.has_errors, [d.message for d in loaded.diagnostics]
    by_name = {u.user_name: u for u in live.users}
    assert len(loaded.desired.users) == len(live.users)
    for user in loaded.desired.users:
        assert user == dataclasses.replace(by_name[user.user_name], id=None)
    assert {g.display_name: g.members for g in loaded.desired.groups} == {
        g.display_name: g.members for g in live.groups
    }
    assert loaded.settings.target.token == "env:SCIM_TOKEN"


def test_ignored_groups_are_left_out_and_counted() -> None:
    live = LiveState(
        (),
        (Group("AWSControlTowerAdmins", id="g1"), Group("team", id="g2")),
        frozenset({"g1", "g2"}),
    )
    exported = export_config(live, "local:store.db", None, source="a test")
    assert (exported.groups, exported.ignored_groups) == (1, 1)
    assert "AWSControlTowerAdmins" not in exported.files[GROUPS_FILE]
    assert USERS_FILE not in exported.files


def test_a_large_store_is_split_into_files_the_loader_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_text, "FILE_BYTES", 1_000)
    live = awkward_state()
    exported = export_config(live, "local:store.db", None, source="a test")
    names = sorted(exported.files)
    assert "users/users-0001.yaml" in names and "groups/groups-0001.yaml" in names
    assert USERS_FILE not in names and GROUPS_FILE not in names
    for name, text in exported.files.items():
        assert len(text.encode()) <= 1_000 or text.count("\n  - ") == 1, name
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert format_text(text) == text
    loaded = load_config(tmp_path)
    assert not loaded.diagnostics.has_errors
    assert {u.user_name for u in loaded.desired.users} == {u.user_name for u in live.users}
    assert len(loaded.desired.groups) == len(live.groups)
