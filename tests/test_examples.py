"""Every example is a config a new user would copy: it must validate with zero errors,
be fmt-clean, point editors at the right schema, and map its IdP export cleanly."""

import json
from pathlib import Path

import pytest
import yaml
from scimform_cli import cli

from scimform.config.mapping import compile_mapping
from scimform.config.schema import SETTINGS_FILE, UserSpec
from scimform.config.sources import read_source

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CONFIGS = [EXAMPLES / "quickstart", *sorted((EXAMPLES / "idp-export").iterdir())]
IDP_CONFIGS = [c for c in CONFIGS if c.parent.name == "idp-export"]


def ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(EXAMPLES)) for p in paths]


def test_every_idp_format_has_an_example() -> None:
    assert [c.name for c in IDP_CONFIGS] == ["entra", "google", "okta"]


@pytest.mark.parametrize("config", CONFIGS, ids=ids(CONFIGS))
def test_example_validates_with_zero_errors(config: Path) -> None:
    result = cli("validate", "--format", "json", str(config))
    report = json.loads(result.stdout)
    errors = [d for d in report["diagnostics"] if d["severity"] == "error"]
    assert errors == []
    assert result.exit_code == 0


@pytest.mark.parametrize("config", CONFIGS, ids=ids(CONFIGS))
def test_example_is_fmt_clean(config: Path) -> None:
    result = cli("fmt", "--check", str(config))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("config", CONFIGS, ids=ids(CONFIGS))
def test_every_example_file_names_its_schema(config: Path) -> None:
    for path in sorted(config.rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), path
        schema = (path.parent / first.removeprefix(prefix)).resolve()
        expected = "scimform.schema.json" if path.name == SETTINGS_FILE else "resources.schema.json"
        assert schema == ROOT / "schemas" / expected, path


@pytest.mark.parametrize("config", IDP_CONFIGS, ids=ids(IDP_CONFIGS))
def test_export_maps_to_valid_users_that_the_groups_name(config: Path) -> None:
    settings = yaml.safe_load((config / SETTINGS_FILE).read_text(encoding="utf-8"))
    mapping, problems = compile_mapping(settings["mapping"])
    assert problems == []
    users = []
    for source in settings["sources"]:
        for record in read_source(config / source["path"], source.get("format")):
            direct, record_problems = mapping.apply(record.fields)
            assert record_problems == [], (record.line, record_problems)
            users.append(UserSpec.model_validate(direct))
    assert len(users) >= 5
    assert any(not u.active for u in users), "each example shows a disabled user"
    names = {u.user_name for u in users}
    groups = yaml.safe_load((config / "groups.yaml").read_text(encoding="utf-8"))["groups"]
    members = {m for g in groups for m in g.get("members", [])}
    assert members and members <= names
