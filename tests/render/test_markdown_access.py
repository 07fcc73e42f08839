"""Access changes first in the markdown plan: member changes and groups marked sensitive lead
both lists, and a cut list still counts everything it left out."""

from __future__ import annotations

from pathlib import Path

from scimform.config.loader import load_config
from scimform.config.schema import OwnershipSpec, SafetySpec
from scimform.engine.plan import make_plan
from scimform.model import DesiredState, Group, LiveState, User
from scimform.render.markdown import render_markdown


def user(name: str) -> User:
    return User(user_name=name, given_name="G", family_name="F", display_name="G F")


def test_sensitive_and_member_changes_come_before_users_and_other_groups() -> None:
    people = tuple(user(f"u{n}@corp.example") for n in range(3))
    desired = DesiredState(
        users=people,
        groups=(
            Group("aaa-plain", external_id="x2"),
            Group("break-glass", external_id="x1"),
            Group("readers", members=frozenset({"u0@corp.example"})),
        ),
    )
    live = LiveState(
        groups=(Group("aaa-plain", id="g2"), Group("break-glass", id="g1")),
        members_read=frozenset({"g1", "g2"}),
    )
    plan = make_plan(desired, live, OwnershipSpec(), SafetySpec())
    text = render_markdown(plan, sensitive={"BREAK-GLASS"})
    listed = text.split("```diff\n", 1)[1].split("```", 1)[0].splitlines()
    order = [line.split('"')[1] for line in listed]
    assert order[:2] == ["break-glass", "readers"]
    assert order[2] == "aaa-plain" and order[3:] == [p.user_name for p in people]


def test_a_cut_list_counts_what_it_left_out_by_kind() -> None:
    people = tuple(user(f"user{n:05d}@corp.example") for n in range(3_000))
    groups = tuple(
        Group(
            f"team-{g:02d}", members=frozenset(p.user_name for p in people[g * 100 : g * 100 + 100])
        )
        for g in range(30)
    )
    plan = make_plan(
        DesiredState(users=people, groups=groups), LiveState(), OwnershipSpec(), SafetySpec()
    )
    text = render_markdown(plan)
    for group in groups:
        assert f'+ group "{group.display_name}": +100 -0 members' in text
    (cut,) = [line for line in text.splitlines() if "more changes not shown:" in line][:1]
    shown = text.split("```diff\n", 1)[1].split("```", 1)[0].count('+ user "')
    assert cut == f"… {3_000 - shown} more changes not shown: {3_000 - shown} users to add"


def test_groups_can_be_marked_sensitive_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "groups.yaml").write_text(
        "groups:\n  - displayName: break-glass\n    sensitive: true\n  - displayName: plain\n",
        encoding="utf-8",
    )
    loaded = load_config(tmp_path)
    assert not loaded.diagnostics.has_errors
    assert {g.display_name: g.sensitive for g in loaded.desired.groups} == {
        "break-glass": True,
        "plain": False,
    }
