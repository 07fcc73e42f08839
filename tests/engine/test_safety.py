from scimform.engine.changes import Action, Change, FieldDiff, Kind, MemberRef
from scimform.engine.policy import Safety
from scimform.engine.safety import Breach, LiveCounts, Subject, Threshold, assess

SPEC = Safety(max_delete_pct=10, max_update_pct=30, min_existing=10)


def change(action: Action, kind: Kind = Kind.USER, n: int = 0) -> Change:
    fields = ()
    if action in (Action.UPDATE, Action.DEACTIVATE):
        fields = (FieldDiff(name="title", path="title", before="a", after="b"),)
    return Change(kind=kind, key=f"o{n}", action=action, reason="r", fields=fields)


def many(action: Action, count: int, kind: Kind = Kind.USER) -> list[Change]:
    return [change(action, kind, n) for n in range(count)]


def members(count: int, prefix: str = "m") -> tuple[MemberRef, ...]:
    return tuple(MemberRef(user_name=f"{prefix}{n}", id=f"id-{prefix}{n}") for n in range(count))


def group_update(
    key: str,
    *,
    added: int = 0,
    removed: int = 0,
    unchanged: int = 0,
    action: Action = Action.UPDATE,
) -> Change:
    return Change(
        kind=Kind.GROUP,
        key=key,
        action=action,
        reason="members differ",
        members_added=members(added, "a"),
        members_removed=members(removed, "r"),
        members_unchanged=unchanged,
    )


def counts(users: int = 0, groups: int = 0, memberships: int = 0) -> LiveCounts:
    return LiveCounts(users=users, groups=groups, memberships=memberships)


def test_deletes_at_the_threshold_are_safe_and_above_it_unsafe() -> None:
    assert assess(many(Action.DELETE, 10), counts(users=100), SPEC).safe
    verdict = assess(many(Action.DELETE, 11), counts(users=100), SPEC)
    assert not verdict.safe
    assert verdict.breaches == (
        Breach(
            threshold=Threshold.MAX_DELETE_PCT,
            subject=Subject.USERS,
            count=11,
            existing=100,
            limit_pct=10,
        ),
    )
    assert verdict.breaches[0].describe() == (
        "deletes 11 of 100 live users (11%), above safety.max_delete_pct (10%)"
    )


def test_replaces_count_as_deletes() -> None:
    assert not assess(many(Action.REPLACE, 11), counts(users=100), SPEC).safe


def test_updates_and_deactivations_count_against_the_update_threshold() -> None:
    changes = many(Action.UPDATE, 20) + many(Action.DEACTIVATE, 11)
    verdict = assess(changes, counts(users=100), SPEC)
    assert [(b.threshold, b.count) for b in verdict.breaches] == [(Threshold.MAX_UPDATE_PCT, 31)]


def test_member_additions_are_not_object_updates() -> None:
    changes = [group_update(f"g{n}", added=500) for n in range(20)]
    assert assess(changes, counts(groups=20), SPEC).safe


def test_below_the_floor_the_thresholds_do_not_apply() -> None:
    assert assess(many(Action.DELETE, 9), counts(users=9), SPEC).safe
    assert not assess(many(Action.DELETE, 9), counts(users=10), SPEC).safe


def test_thresholds_apply_per_kind() -> None:
    changes = many(Action.DELETE, 5, Kind.GROUP)
    verdict = assess(changes, counts(users=1000, groups=20), SPEC)
    assert [(b.subject, b.count, b.existing) for b in verdict.breaches] == [(Subject.GROUPS, 5, 20)]
    assert "deletes 5 of 20 live groups (25%)" in verdict.breaches[0].describe()


def test_emptying_every_group_is_unsafe() -> None:
    # The reproduction: `members: []` on all 30 groups, 3,001 memberships in all.
    changes = [group_update(f"g{n:02}", removed=100) for n in range(30)]
    changes.append(group_update("g30", removed=1))
    verdict = assess(changes, counts(users=1000, groups=31, memberships=3001), SPEC)
    assert not verdict.safe
    emptied = [b.group for b in verdict.breaches if b.threshold is Threshold.EMPTIES_GROUP]
    assert emptied == [f"g{n:02}" for n in range(31)]
    overall = [b for b in verdict.breaches if b.subject is Subject.MEMBERSHIPS]
    assert overall[0].describe() == (
        "removes 3001 of 3001 live memberships (100%), above safety.max_delete_pct (10%)"
    )


def test_emptying_one_small_group_is_unsafe_whatever_the_floor() -> None:
    verdict = assess([group_update("admins", removed=1)], counts(memberships=500), SPEC)
    assert [b.describe() for b in verdict.breaches] == [
        'removes every member of group "admins" (1); emptying a group is unsafe'
    ]


def test_member_removals_per_group_are_judged_like_deletes() -> None:
    safe = group_update("admins", removed=2, unchanged=18)
    assert assess([safe], counts(memberships=10_000), SPEC).safe
    unsafe = group_update("admins", removed=3, unchanged=17)
    verdict = assess([unsafe], counts(memberships=10_000), SPEC)
    assert [b.describe() for b in verdict.breaches] == [
        'removes 3 of the 20 members of group "admins" (15%), above safety.max_delete_pct (10%)'
    ]


def test_member_removals_below_the_floor_of_a_group_count_only_overall() -> None:
    # 4 of 9 members: the group is below min_existing, so only the overall share counts.
    change = group_update("small", removed=4, unchanged=5)
    assert assess([change], counts(memberships=100), SPEC).safe
    verdict = assess([change], counts(memberships=30), SPEC)
    assert [b.subject for b in verdict.breaches] == [Subject.MEMBERSHIPS]


def test_the_members_of_a_deleted_group_count_as_removed() -> None:
    deleted = group_update("finance", removed=12, action=Action.DELETE)
    verdict = assess([deleted], counts(groups=200, memberships=5000), SPEC)
    assert [(b.subject, b.group, b.count) for b in verdict.breaches] == [
        (Subject.GROUP_MEMBERS, "finance", 12)
    ]
