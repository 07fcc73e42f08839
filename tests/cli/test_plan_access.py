"""A plan never hides who gains or loses access: a destroyed group lists the members who
lose it and counts them; a destroyed user lists the groups it loses; a group that
disappears while one with the same members appears gets a `previously:` hint; and removing
members is judged by the safety thresholds like deleting objects. Through the real CLI
against `local:` stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from scimform.cli import main
from scimform.store import Store


def person(name: str, n: int) -> dict[str, Any]:
    return {
        "userName": f"{name}@corp.example",
        "externalId": f"e-{name}",
        "givenName": name.title(),
        "familyName": "Example",
        "displayName": f"{name.title()} Example",
        "email": f"{name}@corp.example",
    }


PEOPLE = [person(name, n) for n, name in enumerate(["ann", "ben", "cat", "dan"])]


def write(
    root: Path, groups: list[dict[str, Any]], users: list[Any] = PEOPLE, **settings: Any
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    spec = {"target": {"url": "local:store.db"}, "ownership": {"prune": True}, **settings}
    (root / "scimform.yaml").write_text(yaml.safe_dump(spec))
    (root / "people.yaml").write_text(yaml.safe_dump({"users": users, "groups": groups}))
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"NO_COLOR": "1"})


def test_a_destroyed_group_lists_and_counts_the_members_who_lose_it(tmp_path: Path) -> None:
    finance = {"displayName": "finance", "members": ["ann@corp.example", "ben@corp.example"]}
    root = write(tmp_path / "c", [finance, {"displayName": "ops", "members": []}])
    assert run("apply", str(root), "--auto-approve").exit_code == 0
    write(root, [{"displayName": "ops", "members": []}])
    plan = run("plan", str(root))
    assert plan.exit_code == 2, plan.output  # 2 members, below min_existing: safe
    block = plan.output[plan.output.index('- group "finance" {') :]
    assert "- member ann@corp.example" in block and "- member ben@corp.example" in block
    assert "0 members to add, 2 to remove." in plan.output
    assert 'removes 2 of the 2 members of group "finance"' not in plan.output  # below floor
    assert "removes 2 of 2 live memberships" not in plan.output
    data = json.loads(run("plan", str(root), "--json").stdout)
    (change,) = [c for c in data["changes"] if c["key"] == "finance"]
    assert [m["user_name"] for m in change["members_removed"]] == [
        "ann@corp.example",
        "ben@corp.example",
    ]


def test_a_group_that_moves_to_a_new_name_gets_a_previously_hint(tmp_path: Path) -> None:
    members = ["ann@corp.example", "ben@corp.example"]
    root = write(tmp_path / "c", [{"displayName": "finance", "members": members}])
    assert run("apply", str(root), "--auto-approve").exit_code == 0
    write(root, [{"displayName": "finance-team", "members": members}])
    plan = run("plan", str(root))
    assert 'group "finance" is destroyed and group "finance-team" is created with the same' in (
        " ".join(plan.output.split())
    )
    assert "add `previously: [finance]` to" in plan.output


def test_a_user_destroyed_outside_git_shows_the_groups_it_had(tmp_path: Path) -> None:
    admins = {"displayName": "admins", "members": ["ann@corp.example"]}
    root = write(tmp_path / "c", [admins])
    assert run("apply", str(root), "--auto-approve").exit_code == 0
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
    plan = run("plan", str(root))
    block = plan.output[plan.output.index('- user "mallory@corp.example" {') :]
    assert '- member of group "admins"' in block.split("}")[0]
    data = json.loads(run("plan", str(root), "--json").stdout)
    (change,) = [c for c in data["changes"] if c["key"] == "mallory@corp.example"]
    assert change["groups_lost"] == ["admins"]
    summary = run("plan", str(root), "--summary")
    assert '- user "mallory@corp.example": loses 1 group' in summary.output


def test_emptying_a_group_needs_force(tmp_path: Path) -> None:
    members = [p["userName"] for p in PEOPLE]
    root = write(tmp_path / "c", [{"displayName": "admins", "members": members}])
    assert run("apply", str(root), "--auto-approve").exit_code == 0
    write(root, [{"displayName": "admins", "members": []}])
    refused = run("apply", str(root), "--auto-approve")
    assert refused.exit_code == 3
    assert 'Unsafe plan: it removes every member of group "admins" (4)' in refused.output
    with Store.open(root / "store.db") as store:
        (group,) = store.list_groups(limit=10)[0]
        assert len(store.list_users(group_id=group["id"])[0]) == 4
    forced = run("apply", str(root), "--auto-approve", "--force")
    assert forced.exit_code == 0, forced.output
    assert "Re-run with --force" not in forced.output


def test_with_prune_off_the_objects_left_alone_are_named(tmp_path: Path) -> None:
    root = write(tmp_path / "c", [], users=PEOPLE[:2])
    assert run("apply", str(root), "--auto-approve").exit_code == 0
    write(root, [], users=PEOPLE[:1], ownership={"prune": False})
    plan = run("plan", str(root))
    assert plan.exit_code == 0, plan.output
    assert (
        "1 live user is not in the config and was left alone (ownership.prune is off): "
        'user "ben@corp.example".'
    ) in plan.output
