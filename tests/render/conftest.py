"""A representative plan for the renderer tests: one of every kind of change."""

import pytest

from scimform.engine.plan import Plan, make_plan
from scimform.engine.policy import Ownership, Safety
from scimform.model import Address, DesiredState, Group, LiveState, User


def person(name: str, **kw: object) -> User:
    first = name.split("@")[0].capitalize()
    return User(
        user_name=f"{name}@corp.example",
        given_name=first,
        family_name="Example",
        display_name=f"{first} Example",
        **kw,  # type: ignore[arg-type]
    )


def representative() -> Plan:
    alice = person("alice", external_id="e-alice", title="Engineer", manager="dana@corp.example")
    bob = person("bob", external_id="e-bob", title="Staff Engineer")
    carol = person("carol", external_id="e-carol", active=False)
    dana = person("dana", external_id="e-dana", address=Address(locality="Oxford", country="GB"))
    erin = person("erin", external_id="e-erin-2")
    desired = DesiredState(
        users=(alice, bob, carol, dana, erin),
        groups=(
            Group(
                "platform-admins",
                members=frozenset({alice.user_name, dana.user_name, "nobody@corp.example"}),
                previously=("platform-administrators",),
            ),
            Group("data-readers", members=frozenset({bob.user_name, erin.user_name})),
        ),
    )
    live = LiveState(
        users=(
            person("alice", external_id="e-alice", title="Engineer", id="u-1"),
            person("robert", external_id="e-bob", title="Engineer", id="u-2"),
            person("carol", external_id="e-carol", id="u-3"),
            person("erin", external_id="e-erin-1", id="u-5"),
            person("frank", id="u-6"),
        ),
        groups=(
            Group(
                "platform-administrators",
                members=frozenset({"alice@corp.example", "carol@corp.example"}),
                id="g-1",
            ),
            Group("old-team", id="g-2"),
            Group("AWSControlTowerAdmins", id="g-3"),
        ),
        members_read=frozenset({"g-1"}),
    )
    return make_plan(desired, live, Ownership(prune=True), Safety(min_existing=3))


@pytest.fixture
def plan() -> Plan:
    return representative()
