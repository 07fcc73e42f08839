import json
from pathlib import Path

from scimform_cli import cli

from scimform.cli.schema import render_schemas

CHECKED_IN = Path(__file__).resolve().parents[2] / "schemas"


def run(*args: str) -> tuple[int, str, str]:
    result = cli("schema", *args)
    return result.exit_code, result.stdout, result.stderr


def test_the_checked_in_schemas_are_up_to_date() -> None:
    rendered = render_schemas()
    assert sorted(rendered) == ["resources.schema.json", "scimform.schema.json"]
    for name, text in rendered.items():
        assert (CHECKED_IN / name).read_text(encoding="utf-8") == text, (
            f"schemas/{name} is out of date: run `scimform schema`"
        )
    assert run("--check", "--out", str(CHECKED_IN))[0] == 0


def test_schema_writes_deterministic_sorted_json(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    code, stdout, _ = run("--out", str(out))
    assert code == 0
    assert f"wrote {out / 'scimform.schema.json'}" in stdout
    for name, text in render_schemas().items():
        written = (out / name).read_text(encoding="utf-8")
        assert written == text and written.endswith("}\n")
        schema = json.loads(written)
        assert json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == written
        assert schema["$id"].endswith(name)
        assert schema["$schema"].startswith("https://json-schema.org/")
    assert render_schemas() == render_schemas()


def test_the_schemas_describe_the_config_files(tmp_path: Path) -> None:
    rendered = {name: json.loads(text) for name, text in render_schemas().items()}
    settings = rendered["scimform.schema.json"]
    assert {"target", "mapping", "sources", "scope"} <= set(settings["properties"])
    assert settings["additionalProperties"] is False
    resources = rendered["resources.schema.json"]
    user = resources["$defs"]["UserSpec"]
    assert {"userName", "givenName", "email", "groups"} <= set(user["properties"])
    assert user["additionalProperties"] is False


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    run("--out", str(tmp_path))
    code, stdout, stderr = run("--out", str(tmp_path))
    assert (code, stdout) == (0, "")
    assert "up to date" in stderr


def test_check_reports_stale_files_and_writes_nothing(tmp_path: Path) -> None:
    run("--out", str(tmp_path))
    stale = tmp_path / "resources.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    code, stdout, stderr = run("--check", "--out", str(tmp_path))
    assert code == 1
    assert stdout == f"out of date: {stale}\n"
    assert "scimform schema" in stderr
    assert stale.read_text(encoding="utf-8") == "{}\n"
    missing = tmp_path / "empty"
    code, stdout, _ = run("--check", "--out", str(missing))
    assert code == 1
    assert stdout == (
        f"missing: {missing / 'resources.schema.json'}\n"
        f"missing: {missing / 'scimform.schema.json'}\n"
    )
    assert not missing.exists()


def test_help_explains_and_gives_an_example() -> None:
    result = cli("schema", "--help")
    assert result.exit_code == 0
    assert "yaml-language-server" in result.output
    assert "scimform schema --check" in result.output
