import dataclasses
import json
from datetime import date

import pytest

from scimform.engine.plan import FORMAT_VERSION, Plan, Summary, make_plan
from scimform.engine.policy import Ownership, Safety
from scimform.errors import ScimformError
from scimform.model import DesiredState, ExpectedToken, Group, LiveState, User


def user(name: str, **kw: object) -> User:
    return User(user_name=name, given_name="G", family_name="F", display_name="G F", **kw)  # type: ignore[arg-type]


def desired(title: str = "Engineer") -> DesiredState:
    users = tuple(user(f"u{n}@corp.example", title=title if n == 3 else None) for n in range(6))
    groups = (
        Group("admins", members=frozenset({"u0@corp.example", "u5@corp.example"})),
        Group("readers", members=frozenset({"u1@corp.example"})),
    )
    return DesiredState(users=users, groups=groups)


def live_state(reverse: bool = False) -> LiveState:
    users = [user(f"u{n}@corp.example", id=f"id-{n}") for n in range(1, 5)] + [
        user("gone@corp.example", id="id-gone")
    ]
    groups = [Group("admins", members=frozenset({"u1@corp.example"}), id="g-1")]
    if reverse:
        users.reverse()
    return LiveState(users=tuple(users), groups=tuple(groups), members_read=frozenset({"g-1"}))


def plan(state: DesiredState | None = None, live: LiveState | None = None) -> Plan:
    return make_plan(state or desired(), live or live_state(), Ownership(prune=True), Safety())


def test_the_json_is_deterministic_whatever_the_input_order() -> None:
    first = plan()
    again = plan(live=live_state(reverse=True))
    reordered = dataclasses.replace(desired(), users=tuple(reversed(desired().users)))
    assert first.to_json() == again.to_json() == plan(state=reordered).to_json()
    assert first.has_changes


def test_the_json_carries_version_fingerprint_and_hash() -> None:
    made = plan()
    data = json.loads(made.to_json())
    assert data["format_version"] == FORMAT_VERSION
    assert data["created_from"] == live_state().fingerprint()
    assert len(data["hash"]) == 64 and data["hash"] == made.computed_hash()
    assert list(data)[:3] == ["format_version", "created_from", "hash"]


def test_a_saved_plan_reads_back_equal() -> None:
    made = plan()
    assert Plan.from_json(made.to_json()) == made


def test_the_hash_changes_when_a_change_changes() -> None:
    assert plan().hash != plan(state=desired(title="Staff Engineer")).hash
    assert plan().hash == plan().hash


def test_summary_counts() -> None:
    # u0 and u5 and the readers group are created, u3's title changes, gone@ is deleted;
    # admins gains u0 and u5 and loses u1 (a change in place too), readers gains u1.
    assert plan().summary == Summary(add=3, change=2, destroy=1, members_add=3, members_remove=1)


def test_an_edited_plan_is_refused() -> None:
    text = plan().to_json().replace('"u0@corp.example"', '"evil@corp.example"')
    with pytest.raises(ScimformError, match="was changed after it was made"):
        Plan.from_json(text, source="plan.json")


def test_another_format_version_is_refused_with_a_clear_error() -> None:
    data = json.loads(plan().to_json())
    data["format_version"] = 99
    with pytest.raises(ScimformError) as caught:
        Plan.from_json(json.dumps(data), source="plan.json")
    assert str(caught.value) == (
        f"plan.json has plan format version 99, but this scimform reads version {FORMAT_VERSION}; "
        "make a new "
        "plan with this scimform's `scimform plan --out`"
    )


def test_not_json_and_not_a_plan_are_clear_errors() -> None:
    with pytest.raises(ScimformError, match=r"plan\.json is not a scimform plan: not JSON"):
        Plan.from_json("{oops", source="plan.json")
    data = json.loads(plan().to_json())
    data["changes"][0]["action"] = "explode"
    with pytest.raises(ScimformError, match=r"not a valid scimform plan: changes\.0\.action"):
        Plan.from_json(json.dumps(data), source="plan.json")


def test_no_token_state_reaches_the_plan() -> None:
    token = ExpectedToken(id="tok-3f9a7c", created=date(2026, 1, 1), expires=date(2027, 1, 1))
    with_token = dataclasses.replace(desired(), tokens=(token,))
    assert "tok-3f9a7c" not in plan(state=with_token).to_json()
    assert plan(state=with_token).hash == plan().hash


def test_an_empty_plan() -> None:
    same = make_plan(
        DesiredState(users=(user("a@x"),)),
        LiveState(users=(user("a@x", id="1"),)),
        Ownership(),
        Safety(),
    )
    assert not same.has_changes
    assert same.summary == Summary()
    assert same.safety.safe
