"""The approval policy as a pure function: every rule, from two desired states, the base's
numbers, the author and who approved."""

from __future__ import annotations

from scimform.approvals.changes import Kind, access_changes, rules_change
from scimform.approvals.policy import Context, Verdict, judge
from scimform.approvals.reviews import Approvals
from scimform.config.schema import ApprovalsSpec
from scimform.model import DesiredState, Group, User

DEFAULTS = ApprovalsSpec()
LOGINS = {"alice": "alice-gh", "bob": "bob-gh", "carol": "carol-gh", "dave": "dave-gh"}


def person(name: str, **fields: str) -> User:
    return User(f"{name}@corp.example", name.capitalize(), "Example", name, **fields)  # type: ignore[arg-type]


def state(
    *groups: Group, people: tuple[str, ...] = tuple(LOGINS), logins: dict[str, str] | None = None
) -> DesiredState:
    logins = LOGINS if logins is None else logins
    return DesiredState(
        users=tuple(person(p) for p in people),
        groups=tuple(groups),
        github=tuple(sorted((f"{p}@corp.example", logins[p]) for p in people if p in logins)),
    )


def group(
    name: str, members: tuple[str, ...] = (), owners: tuple[str, ...] = (), **kw: object
) -> Group:
    return Group(
        name,
        members=frozenset(f"{m}@corp.example" for m in members),
        owners=tuple(f"{o}@corp.example" for o in owners),
        **kw,  # type: ignore[arg-type]
    )


def verdicts(
    base: DesiredState,
    head: DesiredState,
    approved: tuple[str, ...] = (),
    author: str = "alice-gh",
    numbers: ApprovalsSpec = DEFAULTS,
) -> list[Verdict]:
    changes = access_changes(base, head)
    return judge(changes, Context(base, head, numbers, author), Approvals(approved))


def only(found: list[Verdict]) -> Verdict:
    assert len(found) == 1, [v.change.describe() for v in found]
    return found[0]


def test_a_member_added_to_an_owned_group_needs_an_owner_who_is_not_the_author() -> None:
    base = state(group("admins", ("alice",), owners=("bob", "carol")))
    head = state(group("admins", ("alice", "dave"), owners=("bob", "carol")))
    verdict = only(verdicts(base, head, ("carol-gh",)))
    assert verdict.change.kind is Kind.ADD_MEMBER and verdict.met
    assert verdict.change.describe() == 'add member dave@corp.example to group "admins"'
    assert verdict.need.approvals == 1 and verdict.approvers == ("carol-gh",)
    assert [o.login for o in verdict.need.owners] == ["bob-gh", "carol-gh"]
    other = only(verdicts(base, head, ("dave-gh",)))
    assert other.missing == (
        'an approval by an owner of group "admins": @bob-gh (bob@corp.example), '
        "@carol-gh (carol@corp.example)",
    )
    # The author's approval never counts, even when the author is an owner.
    own = only(verdicts(base, head, ("BOB-gh",), author="bob-gh"))
    assert not own.met and "@carol-gh (carol@corp.example)" in own.missing[0]
    assert "@bob-gh" not in own.missing[0]


def test_removal_rename_deletion_and_settings_of_an_owned_group_need_an_owner() -> None:
    base = state(group("admins", ("alice", "dave"), owners=("bob",)), group("ops", owners=("bob",)))
    head = state(
        group("platform-admins", ("alice",), owners=("bob",), previously=("admins",)),
    )
    found = verdicts(base, head, ("carol-gh",))
    assert [v.change.describe() for v in found] == [
        'delete group "ops" (0 members)',
        'rename group "platform-admins" (was admins)',
        'remove member dave@corp.example from group "platform-admins"',
    ]
    assert all(not v.met and "owner" in v.missing[0] for v in found)
    assert all(v.met for v in verdicts(base, head, ("bob-gh",)))


def test_the_owners_who_approve_are_those_before_the_change() -> None:
    base = state(group("admins", ("alice",), owners=("bob",)))
    # The pull request makes carol the owner and adds dave: carol's approval is not enough.
    head = state(group("admins", ("alice", "dave"), owners=("carol",)))
    found = verdicts(base, head, ("carol-gh",))
    assert [v.change.kind for v in found] == [Kind.CHANGE_GROUP, Kind.ADD_MEMBER]
    assert found[0].change.detail == "owners: +carol@corp.example -bob@corp.example"
    assert all(not v.met and "@bob-gh" in v.missing[0] for v in found)
    assert all(v.met for v in verdicts(base, head, ("bob-gh",)))


def test_an_owners_login_is_the_one_before_the_change() -> None:
    base = state(group("admins", ("alice",), owners=("bob",)))
    # bob's login is moved to an account the author controls, which then approves.
    head = state(
        group("admins", ("alice", "dave"), owners=("bob",)),
        logins=LOGINS | {"bob": "mallory-gh"},
    )
    found = verdicts(base, head, ("mallory-gh",))
    kinds = [(v.change.kind, v.change.detail) for v in found]
    assert (Kind.CHANGE_USER, "github") in kinds
    assert (Kind.CHANGE_GROUP, "github: login of owner bob@corp.example") in kinds
    owned = [v for v in found if v.change.subject == "admins"]
    assert owned and all(not v.met for v in owned)


def test_a_new_group_needs_its_own_owners() -> None:
    head = state(group("new", ("dave",), owners=("carol",)))
    found = verdicts(state(), head, ("bob-gh",))
    assert [v.change.kind for v in found] == [Kind.CREATE_GROUP, Kind.ADD_MEMBER]
    assert all("@carol-gh" in v.missing[0] for v in found)
    assert all(v.met for v in verdicts(state(), head, ("carol-gh",)))


def test_a_sensitive_group_needs_two_approvals_and_an_owners_among_them() -> None:
    base = state(group("break-glass", ("alice",), sensitive=True))
    head = state(group("break-glass", ("alice", "dave"), sensitive=True))
    one = only(verdicts(base, head, ("bob-gh",)))
    assert one.missing == ("1 more approval (needs 2)",)
    assert 'group "break-glass" is sensitive' in one.need.reasons
    assert only(verdicts(base, head, ("bob-gh", "carol-gh"))).met
    # The author's approval is not one of the two.
    assert not only(verdicts(base, head, ("alice-gh", "bob-gh"))).met
    owned_base = state(group("break-glass", ("alice",), owners=("dave",), sensitive=True))
    owned_head = state(group("break-glass", ("alice", "carol"), owners=("dave",), sensitive=True))
    two = only(verdicts(owned_base, owned_head, ("bob-gh", "carol-gh")))
    assert two.missing == (
        'an approval by an owner of group "break-glass": @dave-gh (dave@corp.example)',
    )
    assert only(verdicts(owned_base, owned_head, ("bob-gh", "dave-gh"))).met


def test_unmarking_a_sensitive_group_is_judged_as_sensitive() -> None:
    base = state(group("break-glass", ("alice",), sensitive=True))
    head = state(group("break-glass", ("alice", "dave")))
    found = verdicts(base, head, ("bob-gh",))
    assert [v.change.detail for v in found] == ["sensitive: false", ""]
    assert all(v.need.approvals == 2 and not v.met for v in found)


def test_the_numbers_are_configurable_and_the_sensitive_one_never_below_the_default() -> None:
    base = state(group("g", ("alice",)), group("s", ("alice",), sensitive=True))
    head = state(group("g", ("alice", "bob")), group("s", ("alice", "bob"), sensitive=True))
    needs = {
        v.change.subject: v.need.approvals
        for v in verdicts(base, head, numbers=ApprovalsSpec(default=3, sensitive=2))
    }
    assert needs == {"g": 3, "s": 3}
    needs = {
        v.change.subject: v.need.approvals
        for v in verdicts(base, head, numbers=ApprovalsSpec(default=0, sensitive=4))
    }
    assert needs == {"g": 0, "s": 4}
    assert all(
        v.met
        for v in verdicts(base, head, numbers=ApprovalsSpec(default=0))
        if v.change.subject == "g"
    )


def test_a_self_grant_is_never_approved_by_the_author_alone_even_with_default_zero() -> None:
    numbers = ApprovalsSpec(default=0)
    base = state(group("admins", ("bob",)))
    head = state(group("admins", ("bob", "alice")))
    grant = only(verdicts(base, head, ("alice-gh",), numbers=numbers))
    assert grant.need.approvals == 1 and grant.missing == ("1 more approval (needs 1)",)
    assert "it grants the author (alice-gh) access" in grant.need.reasons
    assert only(verdicts(base, head, ("bob-gh",), numbers=numbers)).met
    # Someone else added by the author needs nothing with default 0.
    other = state(group("admins", ("bob", "carol")))
    assert only(verdicts(base, other, (), numbers=numbers)).met
    # The author's own account created or changed counts as a grant too; logins compare
    # case-insensitively.
    created = verdicts(
        state(people=("bob",)), state(people=("bob", "alice")), author="ALICE-GH", numbers=numbers
    )
    assert only(created).change.kind is Kind.CREATE_USER and not only(created).met


def test_everything_else_needs_the_default_from_anyone_but_the_author() -> None:
    base = state(group("g"))
    head = state(group("g", ("dave",)), people=(*LOGINS, "erin"))
    found = verdicts(base, head, ("alice-gh",))
    assert [v.change.describe() for v in found] == [
        'create user "erin@corp.example"',
        'add member dave@corp.example to group "g"',
    ]
    assert all(v.missing == ("1 more approval (needs 1)",) for v in found)
    assert all(v.met for v in verdicts(base, head, ("erin-gh",)))


def test_renames_of_users_are_changes_not_grants_and_members_follow_them() -> None:
    base = DesiredState(users=(person("dave", external_id="d-1"),), groups=(group("g", ("dave",)),))
    renamed = User("david@corp.example", "Dave", "Example", "dave", external_id="d-1")
    head = DesiredState(
        users=(renamed,), groups=(Group("g", members=frozenset({"david@corp.example"})),)
    )
    (change,) = access_changes(base, head)
    assert change.kind is Kind.CHANGE_USER
    assert change.detail == "was dave@corp.example; userName"


def test_the_approval_rules_are_a_change_that_needs_someone_else() -> None:
    lowered = rules_change(ApprovalsSpec(default=0), ApprovalsSpec(default=0, sensitive=3))
    assert lowered is not None and lowered.detail == "sensitive: 2 -> 3"
    assert rules_change(DEFAULTS, ApprovalsSpec()) is None
    context = Context(state(), state(), ApprovalsSpec(default=0), "alice-gh")
    (verdict,) = judge([lowered], context, Approvals(("alice-gh",)))
    assert verdict.missing == ("1 more approval (needs 1)",)
    assert verdict.change.describe() == "change the approval rules (sensitive: 2 -> 3)"


def test_a_group_whose_only_owner_is_the_author_says_how_to_get_approval() -> None:
    base = state(group("team", ("bob",), owners=("alice",)))
    head = state(group("team", ("bob", "carol"), owners=("alice",)))
    verdict = only(verdicts(base, head, ("alice-gh", "bob-gh")))
    assert verdict.missing == (
        'an approval by an owner of group "team" other than the author, but the author is '
        "its only owner: someone else opens the pull request and the owner approves it, or "
        "the group gets a second owner",
    )


def test_no_changes_need_nothing() -> None:
    base = state(group("admins", ("alice",), owners=("bob",), sensitive=True))
    assert verdicts(base, base) == []
