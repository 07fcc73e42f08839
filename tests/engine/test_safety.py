from scimform.config.schema import SafetySpec
from scimform.engine.changes import Action, Change, FieldDiff, Kind, MemberRef
from scimform.engine.safety import Breach, Threshold, assess

SPEC = SafetySpec(max_delete_pct=10, max_update_pct=30, min_existing=10)


def change(action: Action, kind: Kind = Kind.USER, n: int = 0) -> Change:
    fields = ()
    if action in (Action.UPDATE, Action.DEACTIVATE):
        fields = (FieldDiff(name="title", path="title", before="a", after="b"),)
    return Change(kind=kind, key=f"o{n}", action=action, reason="r", fields=fields)


def many(action: Action, count: int, kind: Kind = Kind.USER) -> list[Change]:
    return [change(action, kind, n) for n in range(count)]


def test_deletes_at_the_threshold_are_safe_and_above_it_unsafe() -> None:
    assert assess(many(Action.DELETE, 10), 100, 0, SPEC).safe
    verdict = assess(many(Action.DELETE, 11), 100, 0, SPEC)
    assert not verdict.safe
    assert verdict.breaches == (
        Breach(
            threshold=Threshold.MAX_DELETE_PCT, kind=Kind.USER, count=11, existing=100, limit_pct=10
        ),
    )
    assert verdict.breaches[0].describe() == (
        "deletes 11 of 100 live users (11%), above safety.max_delete_pct (10%)"
    )


def test_replaces_count_as_deletes() -> None:
    assert not assess(many(Action.REPLACE, 11), 100, 0, SPEC).safe


def test_updates_and_deactivations_count_against_the_update_threshold() -> None:
    changes = many(Action.UPDATE, 20) + many(Action.DEACTIVATE, 11)
    verdict = assess(changes, 100, 0, SPEC)
    assert [(b.threshold, b.count) for b in verdict.breaches] == [(Threshold.MAX_UPDATE_PCT, 31)]


def test_member_changes_are_not_object_updates() -> None:
    members = tuple(MemberRef(user_name=f"m{n}") for n in range(500))
    changes = [
        Change(
            kind=Kind.GROUP,
            key=f"g{n}",
            action=Action.UPDATE,
            reason="members differ",
            members_added=members,
        )
        for n in range(20)
    ]
    assert assess(changes, 0, 20, SPEC).safe


def test_below_the_floor_the_thresholds_do_not_apply() -> None:
    assert assess(many(Action.DELETE, 9), 9, 0, SPEC).safe
    assert not assess(many(Action.DELETE, 9), 10, 0, SPEC).safe


def test_thresholds_apply_per_kind() -> None:
    changes = many(Action.DELETE, 5, Kind.GROUP)
    verdict = assess(changes, 1000, 20, SPEC)
    assert [(b.kind, b.count, b.existing) for b in verdict.breaches] == [(Kind.GROUP, 5, 20)]
    assert "deletes 5 of 20 live groups (25%)" in verdict.breaches[0].describe()
