"""A plan never hides who gains or loses access: a destroyed group lists the members who
lose it and counts them; a destroyed user lists the groups it loses; a group that
disappears while one with the same members appears gets a `previously:` hint; and removing
members is judged by the safety thresholds like deleting objects. Through the real CLI
against `local:` stores."""

from __future__ import annotations

import json
from pathlib import Path

from builders import person, team, write_config
from scimform_cli import cli

from scimform.store import Store

PEOPLE = [person(name) for name in ["ann", "ben", "cat", "dan"]]
PRUNE = {"prune": True}


def test_a_destroyed_group_lists_and_counts_the_members_who_lose_it(tmp_path: Path) -> None:
    finance = team("finance", ["ann@corp.example", "ben@corp.example"])
    root = write_config(
        tmp_path / "c", users=PEOPLE, groups=[finance, team("ops", [])], ownership=PRUNE
    )
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    write_config(root, users=PEOPLE, groups=[team("ops", [])], ownership=PRUNE)
    plan = cli("plan", str(root))
    assert plan.exit_code == 2, plan.output  # 2 members, below min_existing: safe
    block = plan.output[plan.output.index('- group "finance" {') :]
    assert "- member ann@corp.example" in block and "- member ben@corp.example" in block
    assert "0 members to add, 2 to remove." in plan.output
    assert 'removes 2 of the 2 members of group "finance"' not in plan.output  # below floor
    assert "removes 2 of 2 live memberships" not in plan.output
    data = json.loads(cli("plan", str(root), "--json").stdout)
    (change,) = [c for c in data["changes"] if c["key"] == "finance"]
    assert [m["user_name"] for m in change["members_removed"]] == [
        "ann@corp.example",
        "ben@corp.example",
    ]


def test_a_group_that_moves_to_a_new_name_gets_a_previously_hint(tmp_path: Path) -> None:
    members = ["ann@corp.example", "ben@corp.example"]
    root = write_config(
        tmp_path / "c", users=PEOPLE, groups=[team("finance", members)], ownership=PRUNE
    )
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    write_config(root, users=PEOPLE, groups=[team("finance-team", members)], ownership=PRUNE)
    plan = cli("plan", str(root))
    assert 'group "finance" is destroyed and group "finance-team" is created with the same' in (
        " ".join(plan.output.split())
    )
    assert "add `previously: [finance]` to" in plan.output


def test_a_user_destroyed_outside_git_shows_the_groups_it_had(tmp_path: Path) -> None:
    admins = team("admins", ["ann@corp.example"])
    root = write_config(tmp_path / "c", users=PEOPLE, groups=[admins], ownership=PRUNE)
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    with Store.open(root / "store.db") as store:  # mallory, added by hand to admins
        mallory = store.create_user(
            {
                "userName": "mallory@corp.example",
                "name": {"givenName": "Mal", "familyName": "Lory"},
                "displayName": "Mal Lory",
            }
        )
        (group,) = store.list_groups(limit=10)[0]
        store.add_members(group["id"], [mallory["id"]])
    plan = cli("plan", str(root))
    block = plan.output[plan.output.index('- user "mallory@corp.example" {') :]
    assert '- member of group "admins"' in block.split("}")[0]
    data = json.loads(cli("plan", str(root), "--json").stdout)
    (change,) = [c for c in data["changes"] if c["key"] == "mallory@corp.example"]
    assert change["groups_lost"] == ["admins"]
    summary = cli("plan", str(root), "--summary")
    assert '- user "mallory@corp.example": loses 1 group' in summary.output


def test_emptying_a_group_needs_force(tmp_path: Path) -> None:
    members = [p["userName"] for p in PEOPLE]
    root = write_config(
        tmp_path / "c", users=PEOPLE, groups=[team("admins", members)], ownership=PRUNE
    )
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    write_config(root, users=PEOPLE, groups=[team("admins", [])], ownership=PRUNE)
    refused = cli("apply", str(root), "--auto-approve")
    assert refused.exit_code == 3
    assert 'Unsafe plan: it removes every member of group "admins" (4)' in refused.output
    with Store.open(root / "store.db") as store:
        (group,) = store.list_groups(limit=10)[0]
        assert len(store.list_users(group_id=group["id"])[0]) == 4
    forced = cli("apply", str(root), "--auto-approve", "--force")
    assert forced.exit_code == 0, forced.output
    assert "Re-run with --force" not in forced.output


def test_with_prune_off_the_objects_left_alone_are_named(tmp_path: Path) -> None:
    root = write_config(tmp_path / "c", users=PEOPLE[:2], ownership=PRUNE)
    assert cli("apply", str(root), "--auto-approve").exit_code == 0
    write_config(root, users=PEOPLE[:1], ownership={"prune": False})
    plan = cli("plan", str(root))
    assert plan.exit_code == 0, plan.output
    assert (
        "1 live user is not in the config and was left alone (ownership.prune is off): "
        'user "ben@corp.example".'
    ) in plan.output
