"""`scimform plan --changed-since REV` and `apply --changed-since REV` through the real CLI,
against the embedded SCIM server over HTTP, with the config's history in a real git
repository.

Each case seeds the store with the config at REV (as if REV had been applied), changes the
config, and checks that the targeted plan's changes are exactly the full plan's, that it
read less than the whole store, and that applying it leaves nothing for a full plan to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from gitrepo import Repo
from scimform_cli import cli

from scimform.backends import retry
from scimform.model import Group, User
from scimform.store.seed import load_org


def _user(
    name: str, external_id: str | None, title: str = "Engineer", manager: str | None = None
) -> User:
    given = name.capitalize()
    return User(
        f"{name}@corp.example",
        given,
        "Example",
        f"{given} Example",
        external_id=external_id,
        email=f"{name}@corp.example",
        title=title,
        manager=manager,
    )


# Alice's manager is a bystander, and his manager another: a targeted plan must still
# know who they are.
ALICE = _user("alice", "x-alice", manager="user001@corp.example")
BOB = _user("bob", "x-bob")
CAROL = _user("carol", "x-carol")
DAVE = _user("dave", None)  # matched by userName alone
ERIN = _user("erin", "x-erin")
# Bystanders: declared and live, in groups the changes do not touch; a targeted plan never
# reads them. Enough of them that a full read costs more than a targeted one.
OTHERS = [_user(f"user{n:03d}", f"x-user{n:03d}") for n in range(200)]
OTHERS[1] = replace(OTHERS[1], manager="user002@corp.example")
ADMINS = Group("admins", "g-admins", frozenset({ALICE.user_name, BOB.user_name}))
DEVS = Group("devs", None, frozenset({CAROL.user_name, DAVE.user_name}))
OPS = Group("ops", "g-ops", frozenset({ALICE.user_name}))
STAFF = [
    Group(f"staff-{n:02d}", f"g-staff-{n:02d}", frozenset(u.user_name for u in OTHERS[n::20]))
    for n in range(20)
]
BASE_USERS = [ALICE, BOB, CAROL, DAVE, *OTHERS]
BASE_GROUPS = [ADMINS, DEVS, OPS, *STAFF]


def _user_yaml(user: User) -> dict[str, Any]:
    out = {
        "userName": user.user_name,
        "externalId": user.external_id,
        "givenName": user.given_name,
        "familyName": user.family_name,
        "displayName": user.display_name,
        "title": user.title,
        "email": user.email,
        "manager": user.manager,
    }
    return {key: value for key, value in out.items() if value is not None}


def _group_yaml(group: Group) -> dict[str, Any]:
    out: dict[str, Any] = {"displayName": group.display_name}
    if group.external_id:
        out["externalId"] = group.external_id
    if group.previously:
        out["previously"] = list(group.previously)
    out["members"] = sorted(group.members)
    return out


@dataclass
class History:
    """A config directory (`people/` in a git repository) pointing at a live server."""

    repo: Repo
    server: Any
    prune: bool
    rev: str = ""
    outputs: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.repo.top / "people"

    def files(self, users: list[User], groups: list[Group]) -> dict[str, str | None]:
        settings = {
            "target": {"url": self.server.url, "token": "env:SCIM_TOKEN"},
            "ownership": {"prune": self.prune},
            "safety": {"min_existing": 1000},
        }
        people = {
            "users": [_user_yaml(u) for u in users],
            "groups": [_group_yaml(g) for g in groups],
        }
        return {
            "people/scimform.yaml": json.dumps(settings),
            "people/people.yaml": json.dumps(people, indent=1),
        }

    def base(self) -> None:
        """Commit the base config and seed the store with it, as if it had been applied."""
        self.rev = self.repo.commit("base", self.files(BASE_USERS, BASE_GROUPS))
        load_org(self.server.store, BASE_USERS, BASE_GROUPS)

    def change(self, users: list[User], groups: list[Group], commit: bool = True) -> None:
        if commit:
            self.repo.commit("change", self.files(users, groups))
        else:
            self.repo.write(self.files(users, groups))

    def run(self, *args: str) -> Result:
        env = {"SCIM_TOKEN": self.server.token, "NO_COLOR": "1"}
        result = cli(*args[:1], str(self.root), *args[1:], env=env)
        assert self.server.token not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def plan(self, *args: str) -> tuple[int, dict[str, Any], int]:
        """A plan's exit code, JSON and the requests it reports."""
        result = self.run("plan", "--json", *args)
        assert result.exit_code in (0, 2, 3), result.output
        requests = int(result.stderr.split("Read the live state in ")[1].split()[0])
        return result.exit_code, json.loads(result.stdout), requests


@pytest.fixture
def history(tmp_path: Path, scim_server_factory: Callable[..., Any]) -> Callable[..., History]:
    """`history(prune, wrap=None)`: the base config committed and applied to a fresh server
    (`wrap` as scim_server_factory takes it)."""

    def make(prune: bool, wrap: Any = None) -> History:
        made = History(Repo(tmp_path / f"repo-{prune}"), scim_server_factory(wrap=wrap), prune)
        made.base()
        return made

    return make


def _swap(items: list[Any], old: Any, new: Any | None) -> list[Any]:
    return [new if i is old else i for i in items if not (i is old and new is None)]


def _add_user() -> tuple[list[User], list[Group]]:
    devs = replace(DEVS, members=DEVS.members | {ERIN.user_name})
    return [*BASE_USERS, ERIN], _swap(BASE_GROUPS, DEVS, devs)


def _add_membership() -> tuple[list[User], list[Group]]:
    devs = replace(DEVS, members=DEVS.members | {BOB.user_name})
    return BASE_USERS, _swap(BASE_GROUPS, DEVS, devs)


def _remove_membership() -> tuple[list[User], list[Group]]:
    devs = replace(DEVS, members=DEVS.members - {DAVE.user_name})
    return BASE_USERS, _swap(BASE_GROUPS, DEVS, devs)


def _rename_user() -> tuple[list[User], list[Group]]:
    robert = replace(BOB, user_name="robert@corp.example", email="robert@corp.example")
    admins = replace(ADMINS, members=frozenset({ALICE.user_name, robert.user_name}))
    return _swap(BASE_USERS, BOB, robert), _swap(BASE_GROUPS, ADMINS, admins)


def _rename_group() -> tuple[list[User], list[Group]]:
    developers = replace(DEVS, display_name="developers", previously=("devs",))
    return BASE_USERS, _swap(BASE_GROUPS, DEVS, developers)


def _remove_user() -> tuple[list[User], list[Group]]:
    devs = replace(DEVS, members=DEVS.members - {CAROL.user_name})
    return _swap(BASE_USERS, CAROL, None), _swap(BASE_GROUPS, DEVS, devs)


def _change_external_id() -> tuple[list[User], list[Group]]:
    return _swap(BASE_USERS, ALICE, replace(ALICE, external_id="x-alice-2")), BASE_GROUPS


def _update_attribute() -> tuple[list[User], list[Group]]:
    return _swap(BASE_USERS, DAVE, replace(DAVE, title="Director")), BASE_GROUPS


def _remove_group() -> tuple[list[User], list[Group]]:
    return BASE_USERS, _swap(BASE_GROUPS, OPS, None)


def _add_group() -> tuple[list[User], list[Group]]:
    return BASE_USERS, [*BASE_GROUPS, Group("oncall", "g-oncall", frozenset({DAVE.user_name}))]


def _update_a_user_with_a_manager() -> tuple[list[User], list[Group]]:
    return _swap(BASE_USERS, ALICE, replace(ALICE, title="Director")), BASE_GROUPS


def _change_a_manager() -> tuple[list[User], list[Group]]:
    return _swap(BASE_USERS, BOB, replace(BOB, manager=OTHERS[1].user_name)), BASE_GROUPS


CHANGES = {
    "add user and membership": _add_user,
    "add membership": _add_membership,
    "remove membership": _remove_membership,
    "rename user": _rename_user,
    "rename group with previously": _rename_group,
    "remove user from the config": _remove_user,
    "change externalId": _change_external_id,
    "update an attribute": _update_attribute,
    "update a user with a manager": _update_a_user_with_a_manager,
    "change a manager": _change_a_manager,
    "remove a group from the config": _remove_group,
    "add a group": _add_group,
}


def _check_same_as_full(made: History) -> dict[str, Any]:
    """The targeted plan's changes are the full plan's; it reads fewer users; applying it leaves a
    full plan nothing to do. Returns the targeted plan."""
    full_code, full, _ = made.plan()
    code, targeted, _ = made.plan("--changed-since", made.rev)
    assert targeted["changes"] == full["changes"]
    assert code == full_code
    assert targeted["targeted"]["changed_since"] == made.rev
    assert full["targeted"] is None
    assert targeted["targeted"]["users_read"] < len(BASE_USERS)
    applied = made.run("apply", "--changed-since", made.rev, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    after_code, after, _ = made.plan()
    assert after["changes"] == [] and after_code == 0, after["changes"]
    return targeted


@pytest.mark.parametrize("prune", [True, False], ids=["prune", "no-prune"])
@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_a_targeted_plan_makes_the_full_plans_changes(
    history: Callable[..., History], kind: str, prune: bool
) -> None:
    made = history(prune)
    made.change(*CHANGES[kind]())
    targeted = _check_same_as_full(made)
    # Without prune, a new externalId for a live name is a warning and nothing changes, and
    # a group removed from the config is left alone.
    if prune or kind not in ("change externalId", "remove a group from the config"):
        assert targeted["changes"], "the case changes something"
    elif kind == "change externalId":
        assert any("x-alice-2" in w for w in targeted["warnings"])
    else:
        assert targeted["left_alone"]["groups"] == 1


def test_a_removed_user_is_deleted_with_prune_and_left_alone_without(
    history: Callable[..., History],
) -> None:
    for prune in (True, False):
        made = history(prune)
        made.change(*_remove_user())
        _, targeted, _ = made.plan("--changed-since", made.rev)
        (change,) = targeted["changes"]
        if prune:
            # Her memberships go with her, and the plan names them.
            assert (change["action"], change["key"]) == ("delete", CAROL.user_name)
            assert change["groups_lost"] == ["devs"]
        else:
            assert (change["action"], change["key"]) == ("update", "devs")
            assert change["members_removed"][0]["user_name"] == CAROL.user_name


@pytest.mark.parametrize("prune", [True, False], ids=["prune", "no-prune"])
def test_a_create_finds_an_undeclared_live_object_holding_its_name(
    history: Callable[..., History], prune: bool
) -> None:
    made = history(prune)
    squatter = replace(ERIN, external_id="x-someone-else", title="Contractor")
    clash = Group("platform", "g-other", frozenset())
    load_org(made.server.store, [squatter], [clash])
    platform = Group("platform", "g-platform", frozenset({ERIN.user_name}))
    made.change([*BASE_USERS, ERIN], [*BASE_GROUPS, platform])
    targeted = _check_same_as_full(made)
    actions = [(c["kind"], c["action"]) for c in targeted["changes"]]
    if prune:
        assert actions == [("user", "replace"), ("group", "replace")]
    else:
        assert actions == []
        assert any("x-someone-else" in w for w in targeted["warnings"])


def test_the_plan_says_it_is_targeted_and_what_it_covered(
    history: Callable[..., History],
) -> None:
    made = history(False)
    made.change(*_add_user())
    text = made.run("plan", "--changed-since", made.rev)
    assert text.exit_code == 2, text.output
    assert f"Targeted plan: only what the config's change since {made.rev[:7]}" in text.stdout
    assert 'user "erin@corp.example", group "devs"' in text.stdout
    assert "Safety shares are judged against the config at" in text.stdout
    assert "204 users, 23 groups, 205 memberships" in text.stdout
    markdown = made.run("plan", "--format", "markdown", "--changed-since", made.rev)
    assert "Targeted plan:" in markdown.stdout
    full = made.run("plan")
    assert "Targeted plan" not in full.stdout


def test_no_change_reads_nothing(history: Callable[..., History]) -> None:
    made = history(True)
    code, plan, requests = made.plan("--changed-since", made.rev)
    assert (code, plan["changes"], requests) == (0, [], 0)
    assert plan["targeted"]["users_read"] == 0


def test_safety_is_judged_against_the_config_at_rev(history: Callable[..., History]) -> None:
    made = history(True)
    settings = json.loads((made.root / "scimform.yaml").read_text())
    # Removing 3 of the 204 users is 1.5% of the config at REV: over a 1% limit. Against the
    # users a targeted read sees, it would be a far larger share.
    settings["safety"] = {"max_delete_pct": 1, "min_existing": 5}
    gone = {CAROL.user_name, *(u.user_name for u in OTHERS[:40:20])}
    users = [u for u in BASE_USERS if u.user_name not in gone]
    groups = [replace(g, members=g.members - gone) for g in BASE_GROUPS]
    files = made.files(users, groups)
    files["people/scimform.yaml"] = json.dumps(settings)
    made.repo.commit("remove three", files)
    code, plan, _ = made.plan("--changed-since", made.rev)
    assert code == 3
    assert plan["targeted"]["stand_in"] == {"users": 204, "groups": 23, "memberships": 205}
    breach = next(b for b in plan["safety"]["breaches"] if b["subject"] == "users")
    assert (breach["count"], breach["existing"]) == (3, 204)
    refused = made.run("apply", "--changed-since", made.rev, "--auto-approve")
    assert refused.exit_code == 3
    assert "deletes 3 of 204 live users" in refused.stdout


def test_a_saved_targeted_plan_is_applied_after_reading_the_same_part_again(
    history: Callable[..., History], tmp_path: Path
) -> None:
    made = history(True)
    made.change(*_add_user())
    saved = tmp_path / "plan.json"
    assert made.run("plan", "--changed-since", made.rev, "--out", str(saved)).exit_code == 2
    applied = made.run("apply", "--plan", str(saved))
    assert applied.exit_code == 0, applied.output
    assert made.plan()[1]["changes"] == []


def _patch_group(server: Any, name: str, operation: dict[str, Any]) -> None:
    with server.client() as client:
        found = client.get("/Groups", params={"filter": f'displayName eq "{name}"'}).json()
        group_id = found["Resources"][0]["id"]
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
        response = client.patch(f"/Groups/{group_id}", json={**body, "Operations": [operation]})
        assert response.status_code in (200, 204), response.text


def _user_id(server: Any, user_name: str) -> str:
    with server.client() as client:
        found = client.get("/Users", params={"filter": f'userName eq "{user_name}"'}).json()
        return str(found["Resources"][0]["id"])


def test_a_saved_targeted_plan_is_stale_when_the_part_it_read_changed(
    history: Callable[..., History], tmp_path: Path
) -> None:
    made = history(True)
    made.change(*_add_membership())
    saved = tmp_path / "plan.json"
    made.run("plan", "--changed-since", made.rev, "--out", str(saved))
    # Outside the part it read (a group the change does not touch): still fresh.
    outside = {
        "op": "remove",
        "path": f'members[value eq "{_user_id(made.server, "user000@corp.example")}"]',
    }
    _patch_group(made.server, "staff-00", outside)
    # Inside it (a member of the group it changes): stale.
    dave = _user_id(made.server, DAVE.user_name)
    _patch_group(made.server, "devs", {"op": "remove", "path": f'members[value eq "{dave}"]'})
    refused = made.run("apply", "--plan", str(saved))
    assert refused.exit_code == 1
    assert "is stale: the live store changed since it was made" in refused.output
    assert 'group "devs"' in refused.output
    again = tmp_path / "again.json"
    made.run("plan", "--changed-since", made.rev, "--out", str(again))
    _patch_group(
        made.server, "staff-00", {"op": "add", "path": "members", "value": [{"value": dave}]}
    )
    applied = made.run("apply", "--plan", str(again))
    assert applied.exit_code == 0, applied.output


def test_a_saved_plan_and_a_run_of_another_kind_are_refused(
    history: Callable[..., History], tmp_path: Path
) -> None:
    made = history(True)
    made.change(*_add_user())
    full = tmp_path / "full.json"
    made.run("plan", "--out", str(full))
    refused = made.run("apply", "--plan", str(full), "--changed-since", made.rev)
    assert refused.exit_code == 1
    assert "is a full plan, but this run is not" in refused.output
    targeted = tmp_path / "targeted.json"
    made.run("plan", "--changed-since", made.rev, "--out", str(targeted))
    other = made.repo.git("rev-parse", "HEAD")
    refused = made.run("apply", "--plan", str(targeted), "--changed-since", other)
    assert refused.exit_code == 1
    assert f"apply it with --changed-since {made.rev}" in refused.output


def test_an_unknown_revision_is_one_clear_error(history: Callable[..., History]) -> None:
    made = history(True)
    result = made.run("plan", "--changed-since", "no-such-branch")
    assert result.exit_code == 1
    assert "--changed-since no-such-branch: no such commit in the repository" in result.output


def test_a_config_at_rev_that_does_not_load_is_one_clear_error(
    history: Callable[..., History],
) -> None:
    made = history(True)
    broken = made.repo.commit("broken", {"people/people.yaml": "users: [\n"})
    made.change(*_add_user())
    result = made.run("plan", "--changed-since", broken)
    assert result.exit_code == 1
    assert f"the config at {broken[:7]} does not load (people/people.yaml:" in result.output


def test_objects_renamed_outside_scimform_are_found_by_external_id(
    history: Callable[..., History],
) -> None:
    made = history(True)
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
    with made.server.client() as client:
        rename = {"op": "replace", "path": "userName", "value": "bobby@corp.example"}
        bob = _user_id(made.server, BOB.user_name)
        response = client.patch(f"/Users/{bob}", json={**patch, "Operations": [rename]})
        assert response.status_code == 200, response.text
    _patch_group(made.server, "ops", {"op": "replace", "path": "displayName", "value": "oops"})
    ops = replace(OPS, members=OPS.members | {DAVE.user_name})
    bob_now = replace(BOB, title="Staff Engineer")
    made.change(_swap(BASE_USERS, BOB, bob_now), _swap(BASE_GROUPS, OPS, ops))
    targeted = _check_same_as_full(made)
    assert [(c["key"], c["action"]) for c in targeted["changes"]] == [
        (BOB.user_name, "update"),
        ("ops", "update"),
    ]


def test_a_change_that_touches_most_of_the_config_is_planned_in_full(
    history: Callable[..., History],
) -> None:
    made = history(False)
    # Before the config existed: everything is new, and a full read costs fewer requests.
    made.repo.git("checkout", "-q", "--orphan", "fresh")
    made.repo.git("rm", "-q", "-r", "--cached", ".")
    made.repo.git("commit", "-q", "--allow-empty", "-m", "nothing yet")
    empty = made.repo.git("rev-parse", "HEAD")
    result = made.run("plan", "--json", "--changed-since", empty)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["targeted"] is None
    assert "This is a full plan: the change since" in result.stderr


def test_a_change_of_ownership_is_planned_in_full(history: Callable[..., History]) -> None:
    made = history(False)
    load_org(made.server.store, [ERIN], [])  # undeclared: left alone until prune is on
    made.prune = True
    made.change(*_add_membership())
    _, plan, _ = made.plan("--changed-since", made.rev)
    assert plan["targeted"] is None
    deleted = [(c["key"], c["action"]) for c in plan["changes"] if c["action"] == "delete"]
    assert deleted == [(ERIN.user_name, "delete")]


def _failing_member_reads(app: Any) -> Any:
    """The SCIM app, answering 500 to every read of a group's members."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if b"groups.value" in scope.get("query_string", b""):
            await send({"type": "http.response.start", "status": 500, "headers": []})
            await send({"type": "http.response.body", "body": b"{}"})
            return
        await app(scope, receive, send)

    return wrapped


def test_a_failed_read_makes_no_targeted_plan_and_changes_nothing(
    history: Callable[..., History], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry, "backoff", lambda attempt, rng: 0.0)
    made = history(True, wrap=_failing_member_reads)
    made.change(*_remove_membership())
    result = made.run("plan", "--changed-since", made.rev)
    assert result.exit_code == 1
    assert "could not read the live store, so no plan was made" in result.output
    applied = made.run("apply", "--changed-since", made.rev, "--auto-approve")
    assert applied.exit_code == 1
    assert "could not read the live store, so no plan was made" in applied.output
    assert not (made.root / ".scimform" / "audit.jsonl").exists()


def test_a_saved_targeted_plan_is_stale_once_the_change_touches_other_objects(
    history: Callable[..., History], tmp_path: Path
) -> None:
    made = history(True)
    made.change(*_add_membership())
    saved = tmp_path / "plan.json"
    made.run("plan", "--changed-since", made.rev, "--out", str(saved))
    users, groups = _add_membership()
    made.change(_swap(users, DAVE, replace(DAVE, title="Director")), groups, commit=False)
    refused = made.run("apply", "--plan", str(saved))
    assert refused.exit_code == 1
    assert "now touches other users or groups" in refused.output
