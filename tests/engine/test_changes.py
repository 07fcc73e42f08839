from scimform.engine.changes import Action, Change, Kind, user_attributes, user_from_attributes
from scimform.model import Address, User

FULL = User(
    user_name="alice@corp.example",
    given_name="Alice",
    family_name="Liddell",
    display_name="Alice Liddell",
    external_id="6f1c0a52",
    title="Engineer",
    active=False,
    email="alice@corp.example",
    phone="+44 20 7946 0000",
    address=Address(locality="Oxford", country="GB"),
    department="Platform",
    manager="bob@corp.example",
)


def test_attributes_use_friendly_names_and_leave_out_unset_ones() -> None:
    values = user_attributes(FULL)
    assert values["userName"] == "alice@corp.example"
    assert values["address.locality"] == "Oxford"
    assert values["manager"] == "bob@corp.example"
    assert values["active"] is False
    assert "nickName" not in values and "address.region" not in values


def test_apply_can_get_the_user_back_from_a_change() -> None:
    assert user_from_attributes(user_attributes(FULL)) == FULL
    plain = User("b@x", "B", "C", "B C")
    assert user_from_attributes(user_attributes(plain), id="u-1") == User(
        "b@x", "B", "C", "B C", id="u-1"
    )


def test_attribute_order_does_not_matter_to_a_change() -> None:
    values = user_attributes(FULL)
    shuffled = dict(reversed(list(values.items())))
    one = Change(kind=Kind.USER, key="a", action=Action.CREATE, reason="r", after=values)
    other = Change(kind=Kind.USER, key="a", action=Action.CREATE, reason="r", after=shuffled)
    assert one.model_dump_json() == other.model_dump_json()
