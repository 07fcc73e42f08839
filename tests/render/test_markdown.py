import re
from pathlib import Path

from builders import user
from scimform_cli import cli

from scimform.engine.plan import Plan, make_plan
from scimform.engine.policy import Ownership, Safety
from scimform.model import DesiredState, Group, LiveState
from scimform.render.markdown import LIMIT, render_markdown


def big_plan(users: int) -> Plan:
    people = tuple(user(f"user{n:05d}@corp.example", title="Engineer") for n in range(users))
    group = Group("everyone", members=frozenset(u.user_name for u in people))
    return make_plan(
        DesiredState(users=people, groups=(group,)), LiveState(), Ownership(), Safety()
    )


def test_a_huge_plan_stays_under_the_limit_and_says_it_was_cut() -> None:
    plan = big_plan(3_000)
    text = render_markdown(plan)
    assert len(text) < LIMIT
    assert len(text) > LIMIT - 2_000  # it uses the room it has
    assert text.startswith("### scimform plan\n\n**Plan: 3001 to add, 0 to change")
    assert text.count("more changes not shown") == 2
    assert text.rstrip().endswith("Run `scimform plan` to see the whole plan._")
    # Every fence that opens is closed, and the details block is closed.
    assert text.count("```diff") * 2 == text.count("```")
    assert text.count("<details>") == text.count("</details>") == 1


def test_the_limit_holds_at_any_size() -> None:
    plan = big_plan(400)
    for limit in (2_000, 5_000, 20_000):
        assert len(render_markdown(plan, limit=limit)) < limit


def test_a_small_plan_is_not_cut(plan: Plan) -> None:
    text = render_markdown(plan)
    assert "not shown" not in text and "shortened" not in text
    for change in plan.changes:
        assert f'"{change.key}" {{' in text  # every block is in the details


def test_summary_comes_first_and_details_are_collapsed(plan: Plan) -> None:
    text = render_markdown(plan)
    summary = text.index("**Plan: 3 to add, 4 to change, 3 to destroy")
    assert summary < text.index("> [!CAUTION]") < text.index("<details>")
    assert text.index("> [!WARNING]\n> This plan destroys 3 objects") < text.index("<details>")


def test_no_warning_lines_for_a_plan_that_only_adds() -> None:
    text = render_markdown(big_plan(3))
    assert "[!WARNING]" not in text and "[!CAUTION]" not in text


def test_an_empty_plan() -> None:
    same = make_plan(DesiredState(), LiveState(), Ownership(), Safety())
    assert render_markdown(same) == (
        "### scimform plan\n\n**No changes. The live store matches the configuration.**\n"
    )


def test_names_cannot_break_out_of_the_fences_or_the_markup() -> None:
    live = LiveState(groups=(Group("a```b</details>", id="g1"),))
    plan = make_plan(DesiredState(), live, Ownership(prune=True), Safety())
    text = render_markdown(plan)
    assert "````diff" in text  # a fence longer than any backtick run inside
    assert "a\\`\\`\\`b\\</details\\>" in text  # escaped in the warning line
    outside = re.sub(r"````diff.*?````", "", text, flags=re.S)
    assert outside.count("</details>") == 1


def test_long_names_many_warnings_and_one_huge_block_stay_under_the_limit() -> None:
    people = tuple(user(f"user{n:05d}@corp.example") for n in range(5_000))
    ghosts = {f"{'`<*' * 300}{n}@corp.example" for n in range(60)}
    group = Group("g" * 900, members=frozenset(u.user_name for u in people) | ghosts)
    plan = make_plan(
        DesiredState(users=people, groups=(group,)), LiveState(), Ownership(), Safety()
    )
    assert len(plan.warnings) == 60
    text = render_markdown(plan)
    assert len(text) < LIMIT
    assert "… and 40 more warnings" in text
    assert text.count("<details>") == text.count("</details>") == 1
    assert text.rstrip().endswith("Run `scimform plan` to see the whole plan._")


def test_one_change_is_one_change_not_1_changes(tmp_path: Path) -> None:
    (tmp_path / "users.yaml").write_text(
        "users:\n  - userName: ann@corp.example\n    givenName: Ann\n    familyName: Lee\n"
        "    displayName: Ann Lee\n    email: ann@corp.example\n"
    )
    result = cli("plan", str(tmp_path), "--format", "markdown")
    assert result.exit_code == 2, result.output
    assert "<details><summary>Details: 1 change</summary>" in result.stdout
    assert "Details: 3001 changes" in render_markdown(big_plan(3_000))
