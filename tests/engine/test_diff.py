import dataclasses
import random

import pytest

from scimform.engine.changes import Action, Change, Kind, MemberRef
from scimform.engine.diff import Diff, diff
from scimform.engine.match import managed_group_ids
from scimform.engine.policy import Ownership
from scimform.errors import LiveReadError
from scimform.model import Address, DesiredState, Group, LiveState, User

PRUNE = Ownership(prune=True)
KEEP = Ownership(prune=False)


def user(name: str, **kw: object) -> User:
    first = name.split("@")[0].capitalize()
    values: dict[str, object] = {
        "given_name": first,
        "family_name": "Example",
        "display_name": f"{first} Example",
    }
    values.update(kw)
    return User(user_name=name, **values)  # type: ignore[arg-type]


def group(name: str, *members: str, **kw: object) -> Group:
    return Group(display_name=name, members=frozenset(members), **kw)  # type: ignore[arg-type]


def live(users: list[User], groups: list[Group], unread: tuple[str, ...] = ()) -> LiveState:
    """Live records get ids; every group's members count as read unless named in `unread`."""
    with_ids = [u if u.id else dataclasses.replace(u, id=f"u-{u.user_name}") for u in users]
    gs = [g if g.id else dataclasses.replace(g, id=f"g-{g.display_name}") for g in groups]
    read = frozenset(g.id for g in gs if g.id and g.display_name not in unread)
    return LiveState(users=tuple(with_ids), groups=tuple(gs), members_read=read)


def run(
    users: list[User],
    groups: list[Group],
    live_state: LiveState,
    ownership: Ownership = PRUNE,
) -> Diff:
    return diff(DesiredState(users=tuple(users), groups=tuple(groups)), live_state, ownership)


def only(result: Diff) -> Change:
    assert len(result.changes) == 1, result.changes
    return result.changes[0]


ALICE = user("alice@corp.example", external_id="ext-alice", title="Engineer")
BOB = user("bob@corp.example", external_id="ext-bob")


def test_create_from_empty() -> None:
    result = run([ALICE, BOB], [group("admins", ALICE.user_name, BOB.user_name)], live([], []))
    assert [(c.kind, c.key, c.action) for c in result.changes] == [
        (Kind.USER, "alice@corp.example", Action.CREATE),
        (Kind.USER, "bob@corp.example", Action.CREATE),
        (Kind.GROUP, "admins", Action.CREATE),
    ]
    created = result.changes[0]
    assert created.after is not None and created.after["title"] == "Engineer"
    assert created.before is None and created.id is None
    assert created.reason == "not in the live store"
    assert result.changes[2].members_added == (
        MemberRef(user_name="alice@corp.example"),
        MemberRef(user_name="bob@corp.example"),
    )


def test_no_changes_when_live_matches() -> None:
    members = (ALICE.user_name, BOB.user_name)
    result = run(
        [ALICE, BOB], [group("admins", *members)], live([ALICE, BOB], [group("admins", *members)])
    )
    assert result.changes == ()
    assert result.warnings == ()


def test_attribute_change_is_an_update_field_by_field() -> None:
    change = only(run([ALICE], [], live([dataclasses.replace(ALICE, title="Intern")], [])))
    assert change.action is Action.UPDATE
    assert change.id == "u-alice@corp.example"
    assert change.reason == "attributes differ"
    assert [(f.name, f.path, f.before, f.after) for f in change.fields] == [
        ("title", "title", "Intern", "Engineer")
    ]


def test_address_and_enterprise_fields_use_scim_paths() -> None:
    wanted = dataclasses.replace(ALICE, address=Address(locality="Oxford"), department="Data")
    change = only(run([wanted], [], live([ALICE], [])))
    assert {(f.name, f.path) for f in change.fields} == {
        ("address.locality", "addresses[0].locality"),
        ("department", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
    }


def test_user_rename_by_external_id_is_an_update_not_a_delete() -> None:
    old = dataclasses.replace(ALICE, user_name="alice.old@corp.example", id="u-1")
    change = only(run([ALICE], [], live([old], [])))
    assert change.action is Action.UPDATE
    assert change.id == "u-1"
    assert change.reason == "renamed from alice.old@corp.example"
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("userName", "alice.old@corp.example", "alice@corp.example")
    ]


def test_user_names_match_case_insensitively() -> None:
    no_external = dataclasses.replace(ALICE, external_id=None)
    shouted = dataclasses.replace(no_external, user_name="ALICE@corp.example")
    state = live([no_external], [group("admins", no_external.user_name)])
    change = only(run([shouted], [group("admins", "Alice@Corp.Example")], state))
    assert change.action is Action.UPDATE and change.kind is Kind.USER
    assert [(f.before, f.after) for f in change.fields] == [
        ("alice@corp.example", "ALICE@corp.example")
    ]


def test_group_rename_via_previously_keeps_the_group() -> None:
    state = live([ALICE], [group("platform-administrators", ALICE.user_name, id="g-7")])
    wanted = group("platform-admins", ALICE.user_name, previously=("platform-administrators",))
    change = only(run([ALICE], [wanted], state))
    assert (change.kind, change.action, change.id) == (Kind.GROUP, Action.UPDATE, "g-7")
    assert change.reason == "renamed from platform-administrators"
    assert change.members_added == change.members_removed == ()
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("displayName", "platform-administrators", "platform-admins")
    ]


def test_group_matches_by_external_id_before_names() -> None:
    state = live(
        [], [group("old-name", external_id="g-ext", id="g-1"), group("new-name", id="g-2")]
    )
    result = run([], [group("new-name", external_id="g-ext")], state, KEEP)
    change = only(result)
    assert change.id == "g-1" and change.reason == "renamed from old-name"
    assert any("held by the live group" in w for w in result.warnings)


def test_member_adds_and_removes_carry_live_ids() -> None:
    carol = user("carol@corp.example")
    state = live([ALICE, BOB, carol], [group("admins", ALICE.user_name, BOB.user_name)])
    change = only(
        run([ALICE, BOB, carol], [group("admins", BOB.user_name, carol.user_name)], state)
    )
    assert change.action is Action.UPDATE and change.fields == ()
    assert change.reason == "members differ"
    assert change.members_added == (
        MemberRef(user_name=carol.user_name, id="u-carol@corp.example"),
    )
    assert change.members_removed == (
        MemberRef(user_name=ALICE.user_name, id="u-alice@corp.example"),
    )
    assert change.members_unchanged == 1


def test_renaming_a_user_changes_no_membership() -> None:
    old = dataclasses.replace(ALICE, user_name="al@corp.example")
    state = live([old], [group("admins", old.user_name)])
    change = only(run([ALICE], [group("admins", ALICE.user_name)], state))
    assert change.kind is Kind.USER and change.reason == "renamed from al@corp.example"


def test_unread_members_are_never_taken_for_empty() -> None:
    state = live([ALICE], [group("admins", id="g-1")], unread=("admins",))
    with pytest.raises(LiveReadError, match='"admins" \\(id g-1\\) were not read'):
        run([ALICE], [group("admins", ALICE.user_name)], state)


def test_unread_members_of_undeclared_groups_are_not_needed() -> None:
    state = live([], [group("legacy")], unread=("legacy",))
    assert only(run([], [], state)).action is Action.DELETE
    assert run([], [], state, KEEP).changes == ()


def test_managed_group_ids_are_the_matched_groups() -> None:
    groups = [group("a", id="1"), group("b", id="2"), group("c", external_id="x", id="3")]
    wanted = [
        group("a"),
        group("renamed", previously=("b",)),
        group("new"),
        group("z", external_id="x"),
    ]
    assert managed_group_ids(wanted, groups) == {"1", "2", "3"}


def test_a_live_member_who_is_not_a_live_user_makes_the_read_inconsistent() -> None:
    state = live([ALICE], [group("admins", "ghost@corp.example")])
    with pytest.raises(LiveReadError, match=r"ghost@corp\.example"):
        run([ALICE], [group("admins")], state)


def test_manager_changes_compare_identities() -> None:
    carol = user("carol@corp.example", external_id="ext-carol")
    state = live([dataclasses.replace(ALICE, manager=BOB.user_name), BOB, carol], [])
    change = only(run([dataclasses.replace(ALICE, manager=carol.user_name), BOB, carol], [], state))
    manager = change.fields[0]
    assert (manager.name, manager.before, manager.after) == (
        "manager",
        BOB.user_name,
        carol.user_name,
    )
    assert manager.path.endswith(":manager.value")


def test_a_renamed_manager_is_not_a_manager_change() -> None:
    robert = dataclasses.replace(BOB, user_name="robert@corp.example")
    state = live([dataclasses.replace(ALICE, manager=BOB.user_name), BOB], [])
    change = only(run([dataclasses.replace(ALICE, manager=robert.user_name), robert], [], state))
    assert change.key == "robert@corp.example"


def test_an_unknown_manager_is_left_alone_with_a_warning() -> None:
    result = run([dataclasses.replace(ALICE, manager="nobody@corp.example")], [], live([ALICE], []))
    assert result.changes == ()
    assert result.warnings == (
        'user "alice@corp.example": manager "nobody@corp.example" is neither declared nor in '
        "the live store; the manager is left as it is",
    )


def test_deactivation_is_shown_as_a_deactivate() -> None:
    change = only(run([dataclasses.replace(ALICE, active=False)], [], live([ALICE], [])))
    assert change.action is Action.DEACTIVATE
    assert change.reason == "active: false in the config"
    assert change.changes_attributes


def test_prune_on_deletes_what_the_config_does_not_declare() -> None:
    stray = user("stray@corp.example")
    state = live([ALICE, stray], [group("old-team")])
    result = run([ALICE], [], state, PRUNE)
    assert [(c.kind, c.key, c.action, c.reason) for c in result.changes] == [
        (Kind.USER, "stray@corp.example", Action.DELETE, "not in the config"),
        (Kind.GROUP, "old-team", Action.DELETE, "not in the config"),
    ]
    assert result.changes[0].id == "u-stray@corp.example"


def test_prune_off_leaves_undeclared_objects_alone_and_counts_them() -> None:
    state = live([ALICE, user("a@x"), user("b@x")], [group("old-team")])
    result = run([ALICE], [], state, KEEP)
    assert result.changes == ()
    assert (result.left_alone.users, result.left_alone.groups) == (2, 1)


def test_ignored_groups_are_untouched_even_with_prune() -> None:
    state = live([], [group("AWSControlTowerAdmins"), group("AWSSecurityAuditors"), group("gone")])
    result = run([], [], state, PRUNE)
    assert [c.key for c in result.changes] == ["gone"]
    assert result.left_alone.ignored_groups == 2


def test_ignored_users_by_glob() -> None:
    ownership = Ownership(prune=True, ignore_users=("breakglass-*",))
    state = live([user("breakglass-1@corp.example"), user("gone@corp.example")], [])
    result = run([], [], state, ownership)
    assert [c.key for c in result.changes] == ["gone@corp.example"]
    assert result.left_alone.ignored_users == 1


def test_a_declared_group_is_managed_even_if_its_name_matches_an_ignore_glob() -> None:
    state = live([ALICE], [group("AWSControlTowerAdmins")])
    change = only(run([ALICE], [group("AWSControlTowerAdmins", ALICE.user_name)], state))
    assert change.members_added == (
        MemberRef(user_name=ALICE.user_name, id="u-alice@corp.example"),
    )


def test_a_different_identity_holding_the_name_is_replaced_under_prune() -> None:
    impostor = dataclasses.replace(ALICE, external_id="ext-other", id="u-9")
    state = live([impostor], [group("admins", ALICE.user_name)])
    result = run([ALICE], [group("admins", ALICE.user_name)], state, PRUNE)
    replace, member = result.changes
    assert (replace.action, replace.id) == (Action.REPLACE, "u-9")
    assert "different identity" in replace.reason
    # The old identity's memberships go with it; the new one is added (its id comes later).
    assert member.members_added == (MemberRef(user_name=ALICE.user_name),)
    assert member.members_removed == ()


def test_a_different_identity_is_not_replaced_without_prune() -> None:
    impostor = dataclasses.replace(ALICE, external_id="ext-other")
    state = live([impostor], [group("admins", ALICE.user_name)])
    result = run([ALICE], [group("admins", ALICE.user_name)], state, KEEP)
    assert result.changes == ()
    assert len(result.warnings) == 1 and "externalId ext-alice" in result.warnings[0]


def test_a_deleted_user_is_not_also_removed_from_groups() -> None:
    stray = user("stray@corp.example")
    state = live([ALICE, stray], [group("admins", ALICE.user_name, stray.user_name)])
    result = run([ALICE], [group("admins", ALICE.user_name)], state, PRUNE)
    assert [(c.key, c.action) for c in result.changes] == [("stray@corp.example", Action.DELETE)]


def test_an_undeclared_member_is_left_out_with_a_warning() -> None:
    result = run([ALICE], [group("admins", ALICE.user_name, "who@corp.example")], live([], []))
    assert result.changes[-1].members_added == (MemberRef(user_name=ALICE.user_name),)
    assert result.warnings == (
        'group "admins": member "who@corp.example" is neither declared nor in the live store; '
        "it is left out",
    )


def test_the_same_inputs_in_any_order_give_the_same_diff() -> None:
    users = [user(f"u{n}@corp.example", title=str(n)) for n in range(30)]
    groups = [group(f"g{n}", *(u.user_name for u in users[n : n + 5])) for n in range(8)]
    state = live([*users[5:], user("x@corp.example")], [group("g0"), group("old")])
    first = run(users, groups, state)
    rng = random.Random(4)
    rng.shuffle(users)
    rng.shuffle(groups)
    shuffled = LiveState(
        users=tuple(rng.sample(state.users, len(state.users))),
        groups=tuple(reversed(state.groups)),
        members_read=state.members_read,
    )
    assert run(users, groups, shuffled) == first
    assert len(first.changes) > 10
