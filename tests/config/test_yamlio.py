"""The fast YAML reader and the position index that recovers line:column on demand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from scimform.config.positions import PositionIndex
from scimform.config.yamlio import YamlReadError, load_yaml

DOC = """\
users:
  - userName: alice@corp.example
    email: alice@corp.example
    address:
      locality: Oslo
  - userName: bob@corp.example
    groups: [admins, "data"]
groups:
  - {displayName: admins, members: [alice@corp.example]}
"""


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "doc.yaml"
    path.write_text(DOC)
    return path


def test_load_gives_plain_data(doc: Path) -> None:
    loaded = load_yaml(doc, "doc.yaml")
    assert loaded.diagnostics == ()
    assert loaded.data["users"][1] == {"userName": "bob@corp.example", "groups": ["admins", "data"]}


def test_dates_and_the_yaml_1_1_booleans_come_through_as_yaml_says(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("created: 2026-02-01\ncountry: NO\nzip: 01234\n")
    assert load_yaml(path, "x.yaml").data == {
        "created": date(2026, 2, 1),
        "country": False,
        "zip": 668,
    }


@pytest.mark.parametrize(
    ("path", "position"),
    [
        (("users",), (1, 1)),
        (("users", 0), (2, 5)),
        (("users", 0, "email"), (3, 5)),
        (("users", 0, "address", "locality"), (5, 7)),
        (("users", 1, "groups", 1), (7, 22)),
        (("groups", 0, "members", 0), (9, 37)),
        # Beyond what the file holds: the nearest enclosing node.
        (("users", 1, "givenName"), (6, 5)),
        (("users", 7), (1, 1)),
        ((), (1, 1)),
    ],
)
def test_positions(doc: Path, path: tuple[str | int, ...], position: tuple[int, int]) -> None:
    assert PositionIndex(doc, "doc.yaml").locate(path) == position


def test_positions_of_an_unreadable_file_fall_back_to_the_start(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("a: [\n")
    assert PositionIndex(path, "bad.yaml").locate(("a", 0)) == (1, 1)


def test_duplicate_keys_are_found_at_every_level(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    loaded = load_yaml(path, "d.yaml")
    found = sorted((d.location.line if d.location else 0, d.message) for d in loaded.diagnostics)
    assert found == [
        (4, 'key "c" appears twice in one mapping (first at line 3)'),
        (5, 'key "a" appears twice in one mapping (first at line 1)'),
    ]


def test_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("base: &b {title: Engineer}\nuser:\n  <<: *b\n  title: Lead\n")
    loaded = load_yaml(path, "m.yaml")
    assert loaded.diagnostics == ()
    assert loaded.data["user"] == {"title": "Lead"}


def test_a_read_error_carries_a_ready_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("a:\n\tb: 1\n")
    with pytest.raises(YamlReadError) as raised:
        load_yaml(path, "shown/t.yaml")
    d = raised.value.diagnostic
    assert (d.code, str(d.location)) == ("yaml.tab", "shown/t.yaml:2:1")


def test_plain_scalars_resolve_as_pyyaml_resolves_them(tmp_path: Path) -> None:
    # The loader answers most tag lookups itself; every implicit type must still come
    # through exactly as PyYAML's safe loader reads it.
    text = (
        "a: [1, '1', yes, No, ~, null, Null, '', -, -3, +1, .5, 1e3, 0x1F, 0o7, 1_000, .inf]\n"
        "b: [2026-02-01, 2026-02-01T10:00:00Z, plain, 'quoted', \"-\", !!str 5, x: y]\n"
        "c: {}\n"
        "d: []\n"
        "e:\n"
    )
    path = tmp_path / "types.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_yaml(path, "types.yaml").data
    expected = yaml.safe_load(text)
    assert repr(loaded) == repr(expected)
    assert loaded["a"][:4] == [1, "1", True, False]
