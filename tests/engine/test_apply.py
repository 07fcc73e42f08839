"""apply_plan against a small stateful fake store: ordering, ids, batching, partial failure,
stopping and convergence. The real backend is exercised end to end in tests/cli/test_apply.py;
this fake exists to fail chosen requests, which a real store will not do on demand."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest

from scimform.engine.apply import ApplyHooks, apply_plan
from scimform.engine.changes import Action, Kind
from scimform.engine.order import Step
from scimform.engine.plan import Plan, make_plan
from scimform.engine.policy import Ownership, Safety
from scimform.engine.result import Outcome, StepResult
from scimform.errors import ChangeFailed
from scimform.model import DesiredState, Group, LiveState, User
from scimform.wire import group_from_scim, manager_id_of, user_from_scim

PRUNE = Ownership(prune=True)


@dataclass(frozen=True)
class Created:
    doc: dict[str, Any]
    adopted: bool


class FakeStore:
    """Users, groups and members in dicts, with the write rules apply relies on: unique
    userName/displayName (409 adopts, as the real backend does), at most 100 member values
    per PATCH, no member replace. `fail` names requests to refuse: (method, key) where key
    is a userName, displayName or id."""

    def __init__(self, fail: set[tuple[str, str]] | None = None, delay: float = 0.0) -> None:
        self.fail_status: int | None = 400  # None: the request got no answer at all
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.members: dict[str, set[str]] = {}
        self.fail = fail or set()
        self.delay = delay
        self.calls: list[tuple[str, str]] = []
        self.ids = itertools.count(1)
        self.lock = threading.Lock()
        self.active = 0
        self.most_active = 0

    def _call(self, method: str, *keys: str) -> None:
        with self.lock:
            self.calls.append((method, keys[-1]))
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            if self.delay:
                time.sleep(self.delay)
            if any((method, k) in self.fail for k in keys):
                if self.fail_status is None:
                    raise ChangeFailed(f"{method} {keys[0]}: no answer from the store")
                raise ChangeFailed(
                    f"{method} {keys[0]}: refused on purpose", self.fail_status, "refused"
                )
        finally:
            with self.lock:
                self.active -= 1

    def find_user(
        self, *, user_name: str | None = None, external_id: str | None = None
    ) -> dict[str, Any] | None:
        self._call("find_user", user_name or "")
        return next((d for d in self.users.values() if d["userName"] == user_name), None)

    def create_user(self, doc: dict[str, Any]) -> Created:
        self._call("create_user", doc["userName"])
        for existing in self.users.values():
            if existing["userName"].casefold() == doc["userName"].casefold():
                return Created(dict(existing), adopted=True)
        new = {**doc, "id": f"u{next(self.ids)}"}
        self.users[new["id"]] = new
        return Created(dict(new), adopted=False)

    def replace_user(self, user_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        self._call("replace_user", user_id, doc["userName"])
        self.users[user_id] = {**doc, "id": user_id}
        return self.users[user_id]

    def delete_user(self, user_id: str) -> None:
        self._call("delete_user", user_id, self.users.get(user_id, {}).get("userName", ""))
        self.users.pop(user_id, None)
        for members in self.members.values():
            members.discard(user_id)

    def create_group(self, doc: dict[str, Any]) -> Created:
        self._call("create_group", doc["displayName"])
        for existing in self.groups.values():
            if existing["displayName"] == doc["displayName"]:
                return Created(dict(existing), adopted=True)
        new = {**doc, "id": f"g{next(self.ids)}"}
        self.groups[new["id"]] = new
        self.members[new["id"]] = set()
        return Created(dict(new), adopted=False)

    def patch_group(self, group_id: str, operations: list[dict[str, Any]]) -> None:
        self._call("patch_group", group_id, self.groups[group_id]["displayName"])
        assert (
            sum(len(op.get("value") or []) for op in operations if op["path"] == "members") <= 100
        )
        for op in operations:
            if op["path"] == "members":
                assert op["op"] in ("add", "remove"), "a member list is never replaced"
                ids = {v["value"] for v in op["value"]}
                assert ids <= self.users.keys(), "members must be existing users"
                if op["op"] == "add":
                    self.members[group_id] |= ids
                else:
                    self.members[group_id] -= ids
            elif op["op"] == "remove":
                self.groups[group_id].pop(op["path"], None)
            else:
                self.groups[group_id][op["path"]] = op["value"]

    def delete_group(self, group_id: str) -> None:
        self._call("delete_group", group_id, self.groups.get(group_id, {}).get("displayName", ""))
        self.groups.pop(group_id, None)
        self.members.pop(group_id, None)

    def live(self) -> LiveState:
        names = {id: doc["userName"] for id, doc in self.users.items()}
        users = tuple(
            user_from_scim(doc, names.get(manager_id_of(doc) or "")) for doc in self.users.values()
        )
        groups = tuple(
            group_from_scim(doc, frozenset(names[m] for m in self.members[id]))
            for id, doc in self.groups.items()
        )
        return LiveState(users, groups, frozenset(self.groups))

    def requests(self, method: str) -> list[str]:
        return [key for m, key in self.calls if m == method]


def user(name: str, **kw: Any) -> User:
    return User(user_name=name, given_name="G", family_name="F", display_name=f"G {name}", **kw)


def desired(users: list[User], groups: list[Group]) -> DesiredState:
    return DesiredState(users=tuple(users), groups=tuple(groups))


def plan_for(state: DesiredState, store: FakeStore, ownership: Ownership = PRUNE) -> Plan:
    return make_plan(state, store.live(), ownership, Safety(min_existing=10_000))


def converge(state: DesiredState, store: FakeStore, **options: Any) -> Plan:
    """Plan, apply, and return the plan made afterwards."""
    apply_plan(plan_for(state, store), store, live=store.live(), **options)
    return plan_for(state, store)


ORG = desired(
    [user("alice@x", manager="bob@x"), user("bob@x"), user("carol@x", title="CTO")],
    [Group("admins", members=frozenset({"alice@x", "bob@x"})), Group("all")],
)


def test_an_empty_store_is_brought_to_the_config_and_the_next_plan_is_empty() -> None:
    store = FakeStore()
    result = apply_plan(plan_for(ORG, store), store)
    assert result.succeeded and not result.stopped
    assert {r.outcome for r in result.steps} == {Outcome.DONE}
    assert not plan_for(ORG, store).has_changes
    live = store.live()
    assert {u.user_name: u.manager for u in live.users}["alice@x"] == "bob@x"
    assert {g.display_name: g.members for g in live.groups}["admins"] == {"alice@x", "bob@x"}


def test_created_ids_are_reported_and_used_for_members_and_managers() -> None:
    store = FakeStore()
    result = apply_plan(plan_for(ORG, store), store)
    by_step = {r.step_id: r for r in result.steps}
    bob_id = by_step["create:user:bob@x"].id
    assert bob_id is not None and store.users[bob_id]["userName"] == "bob@x"
    alice = store.users[str(by_step["create:user:alice@x"].id)]
    assert manager_id_of(alice) == bob_id
    admins = by_step["create:group:admins"].id
    assert store.members[str(admins)] == {bob_id, alice["id"]}


def test_a_rename_updates_in_place_and_keeps_the_ids() -> None:
    store = FakeStore()
    converge(ORG, store)
    ids = {d["userName"]: id for id, d in store.users.items()}
    group_ids = {d["displayName"]: id for id, d in store.groups.items()}
    renamed = desired(
        [user("alice@x", manager="robert@x"), user("robert@x"), ORG.users[2]],
        [
            Group("administrators", previously=("admins",), members=frozenset({"alice@x"})),
            Group("all"),
        ],
    )
    # Bob matches robert by externalId only when both have one: give them one.
    store.users[ids["bob@x"]]["externalId"] = "e-bob"
    renamed = dataclasses.replace(
        renamed, users=(renamed.users[0], user("robert@x", external_id="e-bob"), renamed.users[2])
    )
    assert not converge(renamed, store).has_changes
    assert store.users[ids["bob@x"]]["userName"] == "robert@x"
    assert store.groups[group_ids["admins"]]["displayName"] == "administrators"
    assert set(store.requests("create_user")) == {"alice@x", "bob@x", "carol@x"}
    assert store.requests("delete_user") == [] and store.requests("delete_group") == []


def test_members_go_at_most_100_to_a_patch_and_are_never_replaced() -> None:
    store = FakeStore()
    people = [user(f"p{n:03}@x") for n in range(250)]
    big = Group("big", members=frozenset(u.user_name for u in people))
    assert not converge(desired(people, [big]), store).has_changes
    assert store.requests("patch_group") == ["big"] * 3  # the fake asserts <= 100 each
    smaller = Group("big", members=frozenset(u.user_name for u in people[:40]))
    assert not converge(desired(people, [smaller]), store).has_changes
    assert len(store.requests("patch_group")) == 3 + 3  # 210 removed: 100 + 100 + 10


def test_a_failed_create_skips_its_dependents_and_everything_else_goes_on() -> None:
    store = FakeStore(fail={("create_user", "bob@x")})
    result = apply_plan(plan_for(ORG, store), store)
    outcomes = {r.step_id: r.outcome for r in result.steps}
    assert outcomes["create:user:bob@x"] is Outcome.FAILED
    assert outcomes["create:user:alice@x"] is Outcome.SKIPPED  # bob is her manager
    assert outcomes["add_members:group:admins:0"] is Outcome.SKIPPED
    assert outcomes["create:user:carol@x"] is Outcome.DONE
    assert outcomes["create:group:admins"] is Outcome.DONE
    assert not result.succeeded
    failed = next(r for r in result.steps if r.outcome is Outcome.FAILED)
    assert failed.status == 400 and "refused on purpose" in (failed.detail or "")
    skipped = next(r for r in result.steps if r.step_id == "create:user:alice@x")
    assert skipped.detail == 'depends on create user "bob@x", which failed'
    assert "alice@x" not in store.requests("create_user")
    store.fail.clear()
    assert not converge(ORG, store).has_changes


def test_a_failed_member_chunk_does_not_stop_the_other_chunks() -> None:
    people = [user(f"p{n:03}@x") for n in range(150)]
    state = desired(people, [Group("big", members=frozenset(u.user_name for u in people))])
    store = FakeStore(fail={("create_user", "p120@x")})
    result = apply_plan(plan_for(state, store), store)
    outcomes = {r.step_id: r.outcome for r in result.steps}
    assert outcomes["add_members:group:big:0"] is Outcome.DONE
    assert outcomes["add_members:group:big:1"] is Outcome.SKIPPED
    assert len(store.members[next(iter(store.groups))]) == 100
    store.fail.clear()
    assert not converge(state, store).has_changes


def test_a_create_that_finds_the_object_already_there_adopts_and_corrects_it() -> None:
    store = FakeStore()
    plan = plan_for(ORG, store)  # made while the store is empty
    store.create_user({"userName": "carol@x", "displayName": "someone else"})
    store.create_group({"displayName": "all", "externalId": "e-old"})
    result = apply_plan(plan, store)
    outcomes = {r.step_id: r.outcome for r in result.steps}
    assert outcomes["create:user:carol@x"] is Outcome.ADOPTED
    assert outcomes["create:group:all"] is Outcome.ADOPTED
    assert result.succeeded
    assert len(store.users) == 3 and len(store.groups) == 2
    assert not plan_for(ORG, store).has_changes


def test_an_update_keeps_a_manager_the_change_does_not_touch() -> None:
    store = FakeStore()
    converge(ORG, store)
    titled = desired(
        [user("alice@x", manager="bob@x", title="Lead"), *ORG.users[1:]], list(ORG.groups)
    )
    plan = plan_for(titled, store)
    assert [c.action for c in plan.changes] == [Action.UPDATE]
    apply_plan(plan, store)  # no live state given: the manager's id is looked up
    assert store.requests("find_user") == ["bob@x"]
    assert not plan_for(titled, store).has_changes


def test_prune_deletes_after_members_are_removed() -> None:
    store = FakeStore()
    converge(ORG, store)
    smaller = desired([ORG.users[2]], [Group("all", members=frozenset({"carol@x"}))])
    assert not converge(smaller, store).has_changes
    order = [m for m, _ in store.calls]
    assert order.index("delete_group") > max(i for i, m in enumerate(order) if m == "patch_group")
    assert order[-2:] == ["delete_user", "delete_user"]


def test_stopping_finishes_the_steps_in_flight_and_starts_no_more() -> None:
    store = FakeStore(delay=0.01)
    state = desired([user(f"p{n:02}@x") for n in range(40)], [])
    started: list[Step] = []
    result = apply_plan(
        plan_for(state, store),
        store,
        parallelism=4,
        hooks=ApplyHooks(started=started.append),
        should_stop=lambda: len(started) >= 10,
    )
    assert result.stopped and not result.succeeded
    assert result.count(Outcome.DONE) == 10 == len(store.users)
    assert result.count(Outcome.NOT_STARTED) == 30
    assert not converge(state, store).has_changes


def test_steps_run_in_parallel_up_to_the_limit_and_hooks_see_every_step() -> None:
    store = FakeStore(delay=0.02)
    state = desired([user(f"p{n:02}@x") for n in range(24)], [])
    started: list[Step] = []
    finished: list[StepResult] = []
    hooks = ApplyHooks(started=started.append, finished=finished.append)
    result = apply_plan(plan_for(state, store), store, parallelism=3, hooks=hooks)
    assert store.most_active == 3
    assert len(started) == len(finished) == len(result.steps) == 24


def test_failed_steps_are_reported_without_raising_and_deletes_of_them_too() -> None:
    store = FakeStore()
    converge(ORG, store)
    carol = next(id for id, d in store.users.items() if d["userName"] == "carol@x")
    store.fail = {("delete_user", carol)}
    result = apply_plan(plan_for(desired(list(ORG.users[:2]), list(ORG.groups)), store), store)
    [failed] = result.unsuccessful()
    assert (failed.kind, failed.key, failed.id) == (Kind.USER, "carol@x", carol)


def test_parallelism_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="parallelism"):
        apply_plan(plan_for(ORG, FakeStore()), FakeStore(), parallelism=0)


def test_a_replace_deletes_the_other_identity_first_and_moves_its_memberships() -> None:
    store = FakeStore()
    state = desired(
        [user("alice@x", external_id="e-1")], [Group("team", members=frozenset({"alice@x"}))]
    )
    converge(state, store)
    old = next(iter(store.users))
    other = desired([user("alice@x", external_id="e-2")], list(state.groups))
    plan = plan_for(other, store)
    assert [c.action for c in plan.changes if c.kind is Kind.USER] == [Action.REPLACE]
    result = apply_plan(plan, store)
    assert result.succeeded
    assert [m for m, _ in store.calls[-3:]] == ["delete_user", "create_user", "patch_group"]
    [new] = store.users
    assert new != old and store.users[new]["externalId"] == "e-2"
    assert store.members[next(iter(store.groups))] == {new}
    assert not plan_for(other, store).has_changes


def test_deactivating_a_user_keeps_it_and_sets_active_false() -> None:
    store = FakeStore()
    converge(ORG, store)
    inactive = desired(
        [*ORG.users[:2], user("carol@x", title="CTO", active=False)], list(ORG.groups)
    )
    plan = plan_for(inactive, store)
    assert [c.action for c in plan.changes] == [Action.DEACTIVATE]
    assert apply_plan(plan, store).succeeded
    carol = next(d for d in store.users.values() if d["userName"] == "carol@x")
    assert carol["active"] is False and len(store.users) == 3


def test_an_apply_stops_itself_when_the_store_stops_answering() -> None:
    store = FakeStore()
    state = desired([user(f"p{n:02}@x") for n in range(40)], [])
    store.fail = {("create_user", f"p{n:02}@x") for n in range(40)}
    store.fail_status = None
    result = apply_plan(plan_for(state, store), store, parallelism=2)
    assert result.stopped
    assert result.stop_reason == "the store gave no answer to 5 changes in a row"
    # Five failures stop it; at most the step still in flight fails after them.
    assert 5 <= result.count(Outcome.FAILED) <= 6
    assert result.count(Outcome.NOT_STARTED) == 40 - result.count(Outcome.FAILED)


def test_refusals_the_store_answers_never_stop_an_apply() -> None:
    store = FakeStore()
    state = desired([user(f"p{n:02}@x") for n in range(40)], [])
    store.fail = {("create_user", f"p{n:02}@x") for n in range(40)}
    result = apply_plan(plan_for(state, store), store, parallelism=2)
    assert not result.stopped and result.stop_reason is None
    assert result.count(Outcome.FAILED) == 40


def test_the_circuit_breaker_stops_an_apply_when_the_store_keeps_failing_changes() -> None:
    store = FakeStore()
    state = desired([user(f"p{n:02}@x") for n in range(88)], [])
    store.fail = {("create_user", f"p{n:02}@x") for n in range(88)}
    store.fail_status = 500
    result = apply_plan(plan_for(state, store), store, parallelism=4)
    assert result.stopped
    assert result.stop_reason is not None
    assert result.stop_reason.startswith("8 of the last 8 changes the store answered failed")
    # Eight failures stop it; at most the steps still in flight fail after them.
    assert 8 <= result.count(Outcome.FAILED) <= 11
    assert result.count(Outcome.NOT_STARTED) == 88 - result.count(Outcome.FAILED)


def test_the_circuit_breaker_lets_a_store_that_fails_some_changes_go_on() -> None:
    store = FakeStore()
    state = desired([user(f"p{n:02}@x") for n in range(60)], [])
    # Every other change fails with a server error: half, not most.
    store.fail = {("create_user", f"p{n:02}@x") for n in range(0, 60, 2)}
    store.fail_status = 503
    result = apply_plan(plan_for(state, store), store, parallelism=1)
    assert not result.stopped
    assert result.count(Outcome.FAILED) == 30 and result.count(Outcome.DONE) == 30
