"""A representative plan for the renderer tests: one of every kind of change."""

import pytest
from builders import user

from scimform.engine.plan import Plan, make_plan
from scimform.engine.policy import Ownership, Safety
from scimform.model import Address, DesiredState, Group, LiveState


def representative() -> Plan:
    alice = user(
        "alice@corp.example", external_id="e-alice", title="Engineer", manager="dana@corp.example"
    )
    bob = user("bob@corp.example", external_id="e-bob", title="Staff Engineer")
    carol = user("carol@corp.example", external_id="e-carol", active=False)
    dana = user(
        "dana@corp.example", external_id="e-dana", address=Address(locality="Oxford", country="GB")
    )
    erin = user("erin@corp.example", external_id="e-erin-2")
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
            user("alice@corp.example", external_id="e-alice", title="Engineer", id="u-1"),
            user("robert@corp.example", external_id="e-bob", title="Engineer", id="u-2"),
            user("carol@corp.example", external_id="e-carol", id="u-3"),
            user("erin@corp.example", external_id="e-erin-1", id="u-5"),
            user("frank@corp.example", id="u-6"),
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
