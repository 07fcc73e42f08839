import dataclasses

from scimform.engine.changes import Action
from scimform.engine.order import MEMBERS_PER_PATCH, Phase, Step, apply_order
from scimform.engine.plan import make_plan
from scimform.engine.policy import Ownership, Safety
from scimform.model import DesiredState, Group, LiveState, User


def user(name: str, **kw: object) -> User:
    return User(user_name=name, given_name="G", family_name="F", display_name="G F", **kw)  # type: ignore[arg-type]


def steps_for(desired: DesiredState, live: LiveState) -> list[Step]:
    plan = make_plan(desired, live, Ownership(prune=True), Safety())
    return apply_order(plan.changes)


def assert_dependency_order(steps: list[Step]) -> None:
    seen: set[str] = set()
    for step in steps:
        assert set(step.depends_on) <= seen, f"{step.id} comes before {step.depends_on}"
        assert step.id not in seen
        seen.add(step.id)
    assert [s.phase for s in steps] == sorted(s.phase for s in steps)


def test_the_phases_run_in_the_apply_order() -> None:
    desired = DesiredState(
        users=(user("new@x"), user("kept@x", title="CTO"), user("moved@x")),
        groups=(
            Group("new-team", members=frozenset({"new@x"})),
            Group("renamed", previously=("old-name",), members=frozenset({"kept@x"})),
        ),
    )
    live = LiveState(
        users=(user("kept@x", id="u1"), user("moved@x", id="u2"), user("gone@x", id="u3")),
        groups=(
            Group("old-name", members=frozenset({"moved@x"}), id="g1"),
            Group("gone-team", id="g2"),
        ),
        members_read=frozenset({"g1"}),
    )
    steps = steps_for(desired, live)
    assert [(s.phase, s.action, s.change.key) for s in steps] == [
        (Phase.CREATE_USERS, Action.CREATE, "new@x"),
        (Phase.CREATE_GROUPS, Action.CREATE, "new-team"),
        (Phase.CREATE_GROUPS, Action.UPDATE, "renamed"),
        (Phase.ADD_MEMBERS, Action.ADD_MEMBERS, "new-team"),
        (Phase.ADD_MEMBERS, Action.ADD_MEMBERS, "renamed"),
        (Phase.UPDATE_USERS, Action.UPDATE, "kept@x"),
        (Phase.REMOVE_MEMBERS, Action.REMOVE_MEMBERS, "renamed"),
        (Phase.DELETE_GROUPS, Action.DELETE, "gone-team"),
        (Phase.DELETE_USERS, Action.DELETE, "gone@x"),
    ]
    assert_dependency_order(steps)


def test_member_changes_go_at_most_100_to_a_step() -> None:
    names = [f"m{n:03d}@x" for n in range(250)]
    users = tuple(user(n) for n in names)
    live_users = tuple(dataclasses.replace(u, id=f"id-{u.user_name}") for u in users[:130])
    desired = DesiredState(users=users, groups=(Group("big", members=frozenset(names[100:])),))
    live = LiveState(
        users=live_users,
        groups=(Group("big", members=frozenset(names[:130]), id="g1"),),
        members_read=frozenset({"g1"}),
    )
    steps = steps_for(desired, live)
    adds = [s for s in steps if s.action is Action.ADD_MEMBERS]
    removes = [s for s in steps if s.action is Action.REMOVE_MEMBERS]
    assert [len(s.members) for s in adds] == [100, 20]  # m130..m249
    assert [len(s.members) for s in removes] == [100]  # m000..m099
    assert [m.user_name for s in adds for m in s.members] == names[130:]
    assert all(m.id is not None for m in removes[0].members)
    assert [s.id for s in adds] == ["add_members:group:big:0", "add_members:group:big:1"]
    assert MEMBERS_PER_PATCH == 100


def test_adding_a_created_user_to_a_created_group_depends_on_both() -> None:
    desired = DesiredState(
        users=(user("new@x"), user("old@x")),
        groups=(Group("team", members=frozenset({"new@x", "old@x"})),),
    )
    steps = steps_for(desired, LiveState(users=(user("old@x", id="u1"),)))
    (add,) = [s for s in steps if s.action is Action.ADD_MEMBERS]
    assert add.depends_on == ("create:group:team", "create:user:new@x")
    assert [m.id for m in add.members] == [None, "u1"]
    assert_dependency_order(steps)


def test_a_replace_deletes_the_name_holder_first() -> None:
    desired = DesiredState(users=(user("a@x", external_id="new"),))
    live = LiveState(users=(user("a@x", external_id="old", id="u1"),))
    steps = steps_for(desired, live)
    assert [(s.id, s.action, s.depends_on) for s in steps] == [
        ("delete:user:a@x:replaced", Action.DELETE, ()),
        ("create:user:a@x", Action.CREATE, ("delete:user:a@x:replaced",)),
    ]


def test_created_managers_come_first_and_a_cycle_does_not_hang() -> None:
    desired = DesiredState(
        users=(
            user("a@x", manager="b@x"),
            user("b@x", manager="c@x"),
            user("c@x"),
            user("p@x", manager="q@x"),
            user("q@x", manager="p@x"),
        )
    )
    steps = steps_for(desired, LiveState())
    assert [s.change.key for s in steps] == ["c@x", "b@x", "a@x", "q@x", "p@x"]
    depends = {s.change.key: s.depends_on for s in steps}
    assert depends["a@x"] == ("create:user:b@x",)
    assert depends["b@x"] == ("create:user:c@x",)
    assert depends["p@x"] == ("create:user:q@x",)
    assert depends["q@x"] == ()  # the edge that closes the cycle is dropped
    assert_dependency_order(steps)


def test_an_update_that_names_a_created_manager_depends_on_its_create() -> None:
    desired = DesiredState(users=(user("boss@x"), user("a@x", manager="boss@x")))
    steps = steps_for(desired, LiveState(users=(user("a@x", id="u1"),)))
    update = steps[-1]
    assert (update.action, update.depends_on) == (Action.UPDATE, ("create:user:boss@x",))


def test_a_deactivation_is_a_user_update_step() -> None:
    desired = DesiredState(users=(user("a@x", active=False),))
    (step,) = steps_for(desired, LiveState(users=(user("a@x", id="u1"),)))
    assert (step.id, step.phase, step.action) == (
        "deactivate:user:a@x",
        Phase.UPDATE_USERS,
        Action.DEACTIVATE,
    )
    assert step.change.id == "u1"
