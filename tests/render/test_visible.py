"""Plans show what a reviewer could not see: through the real `scimform plan` against a
`local:` store, hidden characters, decomposed accents and look-alike letters mixed into a
name are written as `<U+XXXX>` in text and markdown, never as the raw characters."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import Result
from scimform_cli import cli

from scimform.glyphs import visible
from scimform.model import Group, User
from scimform.store import Store
from scimform.store.seed import load_org

RAW = ("\u200b", "\u202e", "\u0301", "\u0430")
CAFE_NFC = "café"
CAFE_NFD = unicodedata.normalize("NFD", CAFE_NFC)


def person(name: str, n: int) -> User:
    return User(name, "Given", "Family", f"{name} Family", external_id=f"x-{n}")


def declared(name: str, n: int) -> dict[str, str]:
    return {
        "userName": name,
        "externalId": f"x-{n}",
        "givenName": "Given",
        "familyName": "Family",
        "displayName": f"{name} Family",
        "email": f"user{n}@corp.example",
    }


def configure(root: Path, users: list[dict[str, str]], groups: list[dict[str, object]]) -> None:
    settings = {"target": {"url": "local:store.db"}, "ownership": {"prune": True}}
    (root / "scimform.yaml").write_text(json.dumps(settings), encoding="utf-8")
    people = {"users": users, "groups": groups}
    (root / "people.yaml").write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")


def plan(root: Path, *args: str) -> Result:
    result = cli("plan", str(root), *args, env={"NO_COLOR": "1"})
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture
def live_look_alikes(tmp_path: Path) -> Path:
    """A store holding users and a group another tool made with names that look like
    others; the config declares none of them, so the plan destroys them."""
    with Store.open(tmp_path / "store.db") as store:
        users = [
            person("ad\u200bmin2", 1),
            person("evil\u202egpj.exe", 2),
            person(CAFE_NFD, 3),
            person("admin2", 4),
        ]
        load_org(store, users, [Group("\u0430dmins", members=frozenset({"admin2"}))])
    configure(tmp_path, [declared("admin2", 4)], [])
    return tmp_path


def test_the_text_plan_marks_hidden_and_look_alike_characters(live_look_alikes: Path) -> None:
    result = plan(live_look_alikes)
    assert result.exit_code in (2, 3), result.output
    out = result.stdout
    assert '- user "ad<U+200B>min2" {' in out
    assert '- user "evil<U+202E>gpj.exe" {' in out
    assert '- user "cafe<U+0301>" {' in out
    assert '- group "<U+0430>dmins" {' in out
    assert '- displayName = "ad<U+200B>min2 Family"' in out
    assert not [c for c in RAW if c in out]


def test_the_markdown_plan_marks_them_in_the_summary_and_the_details(
    live_look_alikes: Path,
) -> None:
    result = plan(live_look_alikes, "--format", "markdown")
    assert result.exit_code in (2, 3), result.output
    out = result.stdout
    # The destroy alert escapes < and > for markdown: GitHub shows <U+200B>.
    alert = next(line for line in out.splitlines() if "This plan destroys" in line)
    assert 'user "ad\\<U+200B\\>min2"' in alert
    assert 'group "\\<U+0430\\>dmins"' in alert
    assert '- user "evil<U+202E>gpj.exe"' in out  # the fenced one-line list
    assert '-   user "cafe<U+0301>" {' in out  # the fenced details
    assert not [c for c in RAW if c in out]


def test_a_declared_look_alike_passes_validation_with_a_warning_and_is_marked(
    tmp_path: Path,
) -> None:
    configure(tmp_path, [declared("admin", 1), declared("\u0430dmin", 2)], [])
    result = plan(tmp_path, "--format", "markdown")
    assert result.exit_code == 2, result.output
    assert "warning[user.mixed-script]" in result.stderr
    assert "warning[user.confusable]" in result.stderr
    assert '+ user "<U+0430>dmin"' in result.stdout
    assert '+ user "admin"' in result.stdout
    assert "\u0430" not in result.stdout


def test_two_users_that_look_the_same_are_never_created(tmp_path: Path) -> None:
    """Before: NFC and NFD café were both created. Now the NFD one is an error."""
    configure(tmp_path, [declared(CAFE_NFC, 1), declared(CAFE_NFD, 2)], [])
    result = cli("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "error[user.not-nfc]" in result.output
    with Store.open(tmp_path / "store.db") as store:
        assert store.counts()["users"] == 0


def test_plain_names_are_shown_as_they_are() -> None:
    for text in ("alice@corp.example", "Zoë Ångström", "山田 太郎", "Иван Petrov", "❤️ fans"):
        assert visible(text) == text
