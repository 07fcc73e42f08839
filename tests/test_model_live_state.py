import dataclasses

from scimform.model import Address, Group, LiveState, User

ALICE = User("alice@x", "Alice", "L", "Alice L", id="u1", address=Address(locality="Oxford"))
BOB = User("bob@x", "Bob", "B", "Bob B", id="u2", manager="alice@x")
ADMINS = Group("admins", members=frozenset({"alice@x", "bob@x"}), id="g1")
OTHERS = Group("others", id="g2")
STATE = LiveState(users=(ALICE, BOB), groups=(ADMINS, OTHERS), members_read=frozenset({"g1"}))


def test_the_fingerprint_ignores_listing_order() -> None:
    reordered = LiveState(
        users=(BOB, ALICE), groups=(OTHERS, ADMINS), members_read=frozenset({"g1"})
    )
    assert reordered.fingerprint() == STATE.fingerprint()
    assert len(STATE.fingerprint()) == 64


def test_the_fingerprint_changes_with_any_change() -> None:
    variants = [
        dataclasses.replace(STATE, users=(ALICE, dataclasses.replace(BOB, title="CTO"))),
        dataclasses.replace(STATE, users=(ALICE, dataclasses.replace(BOB, manager=None))),
        dataclasses.replace(
            STATE, users=(dataclasses.replace(ALICE, address=Address(locality="Bath")), BOB)
        ),
        dataclasses.replace(
            STATE, groups=(dataclasses.replace(ADMINS, members=frozenset({"bob@x"})), OTHERS)
        ),
        dataclasses.replace(STATE, groups=(dataclasses.replace(ADMINS, display_name="a"), OTHERS)),
        dataclasses.replace(STATE, members_read=frozenset({"g1", "g2"})),
        dataclasses.replace(STATE, users=(ALICE,)),
    ]
    prints = {v.fingerprint() for v in variants}
    assert len(prints) == len(variants)
    assert STATE.fingerprint() not in prints


def test_members_of_unread_groups_do_not_count() -> None:
    # They are unknown, so whatever a reader left in them says nothing about the store.
    stray = dataclasses.replace(OTHERS, members=frozenset({"alice@x"}))
    assert dataclasses.replace(STATE, groups=(ADMINS, stray)).fingerprint() == STATE.fingerprint()


def test_the_fingerprint_of_a_given_state_never_changes() -> None:
    # Pinned: a plan saved by an earlier scimform must not look stale to a later one.
    # Quotes, backslashes, control and non-ASCII characters are where encoders differ.
    zoe = User(
        "zoë@x",
        'Zo"ë',
        "Back\\slash 𝔘",
        "Zoë\t🙂",
        id="u3",
        address=Address(street_address="1\nMain"),
    )
    admins = dataclasses.replace(ADMINS, members=ADMINS.members | {"zoë@x"})
    state = LiveState(
        users=(ALICE, BOB, zoe), groups=(admins, OTHERS), members_read=frozenset({"g1"})
    )
    assert STATE.fingerprint() == (
        "f8098ee333a8aaff81e88666b537cd59863277e0b605ae690b11767d7197deec"
    )
    assert state.fingerprint() == (
        "46b69eb9e382b94e2417d1401ee5a8f4b18bd21466dacb2edcb0002ee27b3093"
    )
