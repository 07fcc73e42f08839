from pathlib import Path

import yaml

from scimform.synthetic import synthetic_org, write_config


def test_the_org_has_the_asked_size_and_is_deterministic() -> None:
    users, groups = synthetic_org(50, 7, 123, seed=3)
    assert len(users) == 50
    assert len(groups) == 7
    assert sum(len(g.members) for g in groups) == 123
    assert len({u.user_name for u in users}) == 50
    assert len({u.external_id for u in users}) == 50
    assert (users, groups) == synthetic_org(50, 7, 123, seed=3)
    assert synthetic_org(50, 7, 123, seed=4) != (users, groups)
    names = {u.user_name for u in users}
    assert all(g.members <= names for g in groups)


def test_no_group_holds_more_members_than_there_are_users() -> None:
    _, groups = synthetic_org(5, 1, 40)
    assert len(groups[0].members) == 5


def test_the_written_config_holds_the_same_org(tmp_path: Path) -> None:
    users, groups = synthetic_org(30, 4, 60)
    write_config(tmp_path, users, groups, files=5)
    read_users = []
    for path in sorted((tmp_path / "users").glob("*.yaml")):
        read_users += yaml.safe_load(path.read_text())["users"]
    read_groups = []
    for path in sorted((tmp_path / "groups").glob("*.yaml")):
        read_groups += yaml.safe_load(path.read_text())["groups"]
    assert len(list((tmp_path / "users").glob("*.yaml"))) == 5
    assert [u["userName"] for u in read_users] == [u.user_name for u in users]
    assert read_users[0]["externalId"] == users[0].external_id
    assert {g["displayName"]: set(g.get("members", [])) for g in read_groups} == {
        g.display_name: set(g.members) for g in groups
    }
