"""The direct path writes exactly what the round trip writes, wherever it answers at all.

Every case of test_fmt.py is checked both ways by its `fmt` helper; here the examples,
a synthetic config like the benchmark's, and many generated files full of awkward values.
"""

import json
import random
import warnings
from pathlib import Path

import pytest
import yaml
from ruamel.yaml.composer import ReusedAnchorWarning

from scimform.config.fmt import format_config, format_round_trip
from scimform.config.fmt_direct import DirectWriter
from scimform.config.fmt_layout import RESOURCES, SETTINGS
from scimform.config.fmt_quoting import needs_quotes
from scimform.errors import ConfigError
from scimform.synthetic import synthetic_org, write_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.rglob("*.yaml"))


def both_ways(text: str, settings: bool = False) -> tuple[str | None, str | None]:
    """(direct result or None, round-trip result or None when it refuses the file)."""
    direct = DirectWriter().format(text, SETTINGS if settings else RESOURCES)
    try:
        with warnings.catch_warnings():  # ruamel's, on an anchor used twice
            warnings.simplefilter("ignore", ReusedAnchorWarning)
            round_trip: str | None = format_round_trip(text, settings, "t.yaml")
    except ConfigError:
        round_trip = None
    return direct, round_trip


def assert_equivalent(text: str, settings: bool = False) -> bool:
    """Whether the direct path answered; when it did, it matches the round trip."""
    direct, round_trip = both_ways(text, settings)
    if direct is not None:
        assert round_trip is not None, f"the round trip refuses what the direct path wrote:\n{text}"
        assert direct == round_trip, f"the two paths differ on:\n{text}"
    return direct is not None


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_examples_scrambled_or_not_come_out_the_same_both_ways(path: Path) -> None:
    settings = path.name == "scimform.yaml"
    original = path.read_text(encoding="utf-8")
    assert_equivalent(original, settings)
    data = yaml.safe_load(original)
    for flow in (None, False, True):
        scrambled = yaml.safe_dump(data, sort_keys=True, indent=4, default_flow_style=flow)
        assert assert_equivalent(scrambled, settings) or not data


def test_a_synthetic_config_takes_the_direct_path_and_matches(tmp_path: Path) -> None:
    users, groups = synthetic_org(300, 30, 2000, seed=3)
    write_config(tmp_path, users, groups, 3)
    for path in sorted(tmp_path.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert assert_equivalent(text, path.name == "scimform.yaml"), path
        header = "# Written by `scimform import` from local:x.db.\n\n"
        assert assert_equivalent(header + text, path.name == "scimform.yaml"), path


def test_format_config_uses_the_direct_path_for_plain_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("groups:\n- {members: [b, a], displayName: g}\n")
    (tmp_path / "b.yaml").write_text("groups:\n  - displayName: h  # kept\n")
    calls: list[bool] = []
    original = DirectWriter.format

    def spy(self: DirectWriter, text: str, shape: object) -> str | None:
        result = original(self, text, shape)  # type: ignore[arg-type]
        calls.append(result is not None)
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DirectWriter, "format", spy)
        results = format_config(tmp_path)
    assert calls == [True, False]  # the file with a comment goes the round trip
    assert [r.formatted for r in results] == [
        "groups:\n  - displayName: g\n    members:\n      - a\n      - b\n",
        "groups:\n  - displayName: h  # kept\n",
    ]


def test_a_wrong_quoting_rule_is_caught_by_the_direct_paths_own_meaning_check() -> None:
    writer = DirectWriter(quotes=lambda text: False)
    assert writer.format("users:\n  - title: 'yes'\n", RESOURCES) is None
    assert writer.format("users:\n  - title: 'plain'\n", RESOURCES) == (
        "users:\n  - title: plain\n"
    )


# Values that YAML reads in surprising ways, or that the writer must quote or escape.
AWKWARD = [
    "alice", "Alice Liddell", "Zoë Ødegård", "O'Neil", "Doe, John", "a: b", "a:b", "# x",
    "a #b", "a#b", "C#", "yes", "Yes", "NO", "on", "Off", "y", "n", "Y", "true", "True",
    "FALSE", "null", "Null", "~", "", "0", "5", "-5", "+5", "-0", "0123", "0o17", "0x1F",
    "1_000", "1.5", "1e3", ".5", ".inf", "NaN", "1:30", "2026-01-01", "2026-1-1",
    "2026-01-01 10:00:00", "{upn}", "[x]", "@x", "`x", "%x", "!x", "&x", "*x", "|x", ">x",
    "-x", "- x", "-", "?x", "? x", " padded", "trail ", "a  b", "é", 'say "hi"', "back\\slash",
    "tab\there", "two\nlines", "x" * 1200, "<<", "=", "R&D", "a|b", "a > b",
    "user@corp.example", "6f1c0a52-9e4b-4e7a-8a5e-0c1d2e3f4a5b",
    "12345678-1234-1234-1234-123456789012",
    "http://x.example/a?b=c#d", "line\u2028sep", "smile \U0001f600", "nbsp\xa0x", "bom\ufeffx",
    "ctrl\x07", "---", "...", "a,b", "k: v, w", "ünïcödé: yes",
]  # fmt: skip
TAILS = ["", "", "\n", "\n\n", "  \n", "  ", "\n  \n", "# end\n"]
HEADERS = ["", "# h\n", "# a\n\n# b\n\n\n", "#\n", "# trailing  \n", "#!x\n#   deep\n\n"]
KEYS = ["userName", "title", "givenName", "email", "active", "nickName", "zz", "groups"]
# Values that are not one scalar: nested mappings, empty collections, nulls, a list in a list.
NESTED = [
    ("address", "{region: WA, locality: 'Seattle'}"),
    ("address", "{postalCode: '01234', locality: Oslo, streetAddress: \"1 Main St\"}"),
    ("active", "~"),
    ("manager", "null"),
    ("phones", "[]"),
    ("meta", "{}"),
    ("nested", "[[a, b]]"),
    ("items", "[{x: 1}, {}]"),
    ("items", "[{x: 1, y: [2026-01-01, true, 7]}]"),
    ("items", "[~, a]"),
]


def _styled(value: str, rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return value
    if style == 1:
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=rng.random() < 0.5)


def _generated(rng: random.Random) -> str:
    users = []
    for _ in range(rng.randrange(1, 4)):
        keys = rng.sample(KEYS, rng.randrange(1, len(KEYS)))
        fields = []
        for key in keys:
            if key == "groups":
                names = [_styled(rng.choice(AWKWARD), rng) for _ in range(rng.randrange(4))]
                fields.append((key, "[" + ", ".join(names) + "]"))
            else:
                fields.append((_styled(key, rng) if rng.random() < 0.1 else key, None))
                fields[-1] = (fields[-1][0], _styled(rng.choice(AWKWARD), rng))
        if rng.random() < 0.3:
            fields.append(rng.choice(NESTED))
        rng.shuffle(fields)
        if rng.random() < 0.3:
            users.append("  - {" + ", ".join(f"{k}: {v}" for k, v in fields) + "}\n")
        else:
            first, *rest = fields
            lines = [f"  - {first[0]}: {first[1]}\n"] + [f"    {k}: {v}\n" for k, v in rest]
            users.append("".join(lines))
    members = ", ".join(_styled(rng.choice(AWKWARD[:12]), rng) for _ in range(rng.randrange(5)))
    groups = f"groups:\n- displayName: g\n  members: [{members}]\n"
    return rng.choice(HEADERS) + "users:\n" + "".join(users) + groups + rng.choice(TAILS)


def test_generated_files_come_out_the_same_both_ways() -> None:
    rng = random.Random(13)
    answered = sum(assert_equivalent(_generated(rng)) for _ in range(400))
    assert answered > 40, "the direct path should answer for a good share of these"


@pytest.mark.parametrize("value", AWKWARD)
def test_each_awkward_value_alone_comes_out_the_same_both_ways(value: str) -> None:
    for text in (f"users:\n  - title: {value}\n", f"users:\n  - {value}: x\n"):
        assert_equivalent(text)
    for quoted in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        assert_equivalent(f"users:\n  - title: {quoted}\n  - {quoted}: x\n")
        assert_equivalent(f"groups:\n  - members: [{quoted}, b, {quoted}]\n")


def test_the_plain_shortcut_agrees_with_the_quoting_rules() -> None:
    # The direct path writes these plain without asking needs_quotes: it must agree.
    rng = random.Random(7)
    alphabet = "aZy0_.@+/- "
    for _ in range(3000):
        text = rng.choice("abyYnNoOtTfF") + "".join(
            rng.choice(alphabet) for _ in range(rng.randrange(6))
        )
        if DirectWriter().written(text, quoted=True) == text:
            assert not needs_quotes(text), text
    for word in ("y", "No", "ON", "true", "Null", "off"):
        assert DirectWriter().written(word, quoted=True) == f'"{word}"'
