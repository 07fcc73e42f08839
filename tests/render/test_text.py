import dataclasses

from scimform.engine.plan import Plan, make_plan
from scimform.engine.policy import Ownership, Safety
from scimform.model import DesiredState, Group, LiveState, User
from scimform.render.text import render_summary, render_text

ESC = "\x1b["


def user(name: str, **kw: object) -> User:
    return User(user_name=name, given_name="G", family_name="F", display_name="G F", **kw)  # type: ignore[arg-type]


def no_changes() -> Plan:
    live = LiveState(
        users=(user("a@x", id="1"), user("stray@x", id="2"), user("other@x", id="3")),
        groups=(Group("AWSAuditors", id="g1"),),
    )
    return make_plan(DesiredState(users=(user("a@x"),)), live, Ownership(), Safety())


def test_an_empty_plan_says_no_changes_and_what_was_left_alone() -> None:
    assert render_text(no_changes()) == (
        "No changes. The live store matches the configuration.\n"
        "2 live users are not in the config and were left alone (ownership.prune is off): "
        'user "other@x", user "stray@x".\n'
        "1 live group matches ownership.ignore and was left alone.\n"
    )
    assert render_summary(no_changes()) == render_text(no_changes())


def test_colour_only_when_asked(plan: Plan) -> None:
    plain = render_text(plan)
    coloured = render_text(plan, color=True)
    assert ESC not in plain
    assert f"{ESC}32m+ {ESC}0muser" in coloured.replace("  ", "")  # a green symbol only
    assert ESC in render_summary(plan, color=True) and ESC not in render_summary(plan)


def test_every_changed_object_gets_one_block_and_one_summary_line(plan: Plan) -> None:
    text = render_text(plan)
    entries = render_summary(plan).splitlines()[: len(plan.changes)]
    for change, entry in zip(plan.changes, entries, strict=True):
        title = f'{change.kind.value} "{change.key}"'
        assert text.count(f"# {title} ") == 1
        assert entry.split(" ", 1)[1].startswith(title)
        assert entry.endswith(f"({change.reason})")
    assert "Plan: 3 to add, 4 to change, 3 to destroy; 3 members to add, 1 to remove." in text


def test_unsafe_plans_say_which_threshold_and_how_to_override() -> None:
    live = LiveState(users=tuple(user(f"u{n}@x", id=str(n)) for n in range(10)))
    plan = make_plan(DesiredState(), live, Ownership(prune=True), Safety())
    tail = render_text(plan).splitlines()[-2:]
    assert tail == [
        "Unsafe plan: it deletes 10 of 10 live users (100%), above safety.max_delete_pct (10%).",
        "Re-run with --force to apply it anyway, or raise the threshold under `safety:` in "
        "scimform.yaml.",
    ]


def test_attribute_values_are_shown_as_json_and_removals_as_null() -> None:
    live = LiveState(users=(user("a@x", id="1", title='Say "hi"', nick_name="al"),))
    wanted = dataclasses.replace(live.users[0], id=None, title="Chef", nick_name=None)
    plan = make_plan(DesiredState(users=(wanted,)), live, Ownership(), Safety())
    text = render_text(plan)
    assert '      - nickName = "al" -> null\n' in text
    assert '      ~ title    = "Say \\"hi\\"" -> "Chef"\n' in text
    assert "        (5 unchanged attributes hidden)\n" in text
