from pathlib import Path

import pytest
from click.testing import CliRunner

from scimform.cli import main
from scimform.config.fmt import format_round_trip
from scimform.synthetic import synthetic_org, write_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

CLEAN = "groups:\n  - displayName: g\n    members:\n      - a\n      - b\n"
MESSY = "groups:\n- members: [b, a]   # two\n  displayName: g\n"
MESSY_FORMATTED = "groups:\n  - displayName: g\n    members:  # two\n      - a\n      - b\n"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "scimform.yaml").write_text("safety: {min_existing: 3}\n")
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "clean.yaml").write_text(CLEAN)
    (tmp_path / "teams" / "messy.yaml").write_text(MESSY)
    (tmp_path / ".scimform").mkdir()
    (tmp_path / ".scimform" / "ignored.yaml").write_text(MESSY)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["fmt", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def test_check_names_the_files_and_writes_nothing(config: Path) -> None:
    before = snapshot(config)
    code, out, err = run("--check", str(config))
    assert code == 1
    assert out.splitlines() == [
        f"would reformat {config / 'scimform.yaml'}",
        f"would reformat {config / 'teams' / 'messy.yaml'}",
    ]
    assert "2 files would be reformatted, 1 unchanged." in err
    assert snapshot(config) == before


def test_fmt_rewrites_only_what_changes_and_then_is_clean(config: Path) -> None:
    clean = config / "teams" / "clean.yaml"
    clean_mtime = clean.stat().st_mtime_ns
    code, out, _ = run(str(config))
    assert code == 0
    assert f"reformatted {config / 'teams' / 'messy.yaml'}" in out
    assert str(clean) not in out
    assert (config / "teams" / "messy.yaml").read_text() == MESSY_FORMATTED
    assert (config / "scimform.yaml").read_text() == "safety:\n  min_existing: 3\n"
    assert clean.stat().st_mtime_ns == clean_mtime
    assert (config / ".scimform" / "ignored.yaml").read_text() == MESSY
    assert run("--check", str(config))[0] == 0
    assert run(str(config))[1] == ""


def test_a_file_that_does_not_parse_is_reported_and_left_alone(config: Path) -> None:
    broken = config / "teams" / "broken.yaml"
    broken.write_text("groups:\n  - displayName: g\n    members: [a\n")
    code, _, err = run(str(config))
    assert code == 1
    assert f"{broken}:" in err and "error[yaml.syntax]" in err and "hint:" in err
    assert broken.read_text() == "groups:\n  - displayName: g\n    members: [a\n"
    assert (config / "teams" / "messy.yaml").read_text() == MESSY_FORMATTED
    assert "1 could not be formatted" in err
    assert "Traceback" not in err


def test_a_non_utf8_file_is_reported(config: Path) -> None:
    (config / "latin1.yaml").write_bytes("groups:\n  - displayName: Jos\xe9\n".encode("latin-1"))
    code, _, err = run("--check", str(config))
    assert code == 1
    # Said as validate says it: the byte, and where it is.
    assert f"{config / 'latin1.yaml'}:2:21: error[file.not-utf8]: byte 0xe9" in err


def test_a_huge_file_is_refused_without_reading_it(config: Path) -> None:
    with (config / "huge.yaml").open("wb") as huge:
        huge.truncate(17 * 1024 * 1024)  # sparse: nothing is written to disk
    code, _, err = run("--check", str(config))
    assert code == 1
    assert "huge.yaml:1:1: error[file.too-large]: the file is 17.0 MiB" in err


def test_one_file_can_be_named(config: Path) -> None:
    messy = config / "teams" / "messy.yaml"
    code, out, _ = run(str(messy))
    assert code == 0 and out == f"reformatted {messy}\n"
    assert (config / "scimform.yaml").read_text() == "safety: {min_existing: 3}\n"


def test_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "nope"))
    assert code == 1 and "does not exist" in err


def test_a_symlinked_directory_is_not_entered_so_a_loop_cannot_hang(config: Path) -> None:
    run(str(config))
    (config / "teams" / "loop").symlink_to(config, target_is_directory=True)
    code, _, err = run("--check", str(config))
    assert code == 0
    assert "0 files would be reformatted, 3 unchanged." in err


def test_the_quickstart_is_formatted() -> None:
    code, out, err = run("--check", str(EXAMPLES / "quickstart"))
    assert (code, out) == (0, ""), err


def test_help_explains_and_gives_an_example() -> None:
    result = CliRunner().invoke(main, ["fmt", "--help"])
    assert result.exit_code == 0
    assert "canonical order" in result.output
    assert "scimform fmt --check examples/quickstart" in result.output


def test_a_generated_config_is_rewritten_as_the_round_trip_would(tmp_path: Path) -> None:
    users, groups = synthetic_org(200, 20, 1000, seed=1)
    write_config(tmp_path, users, groups, 2)
    header = "# Written by a script.\n\n"
    originals = {}
    for path in sorted(tmp_path.rglob("*.yaml")):
        originals[path] = header + path.read_text(encoding="utf-8")
        path.write_text(originals[path], encoding="utf-8")
    code, out, _ = run(str(tmp_path))
    assert code == 0 and len(out.splitlines()) == len(originals) - 1  # scimform.yaml is clean
    for path, original in originals.items():
        expected = format_round_trip(original, path.name == "scimform.yaml")
        assert path.read_text(encoding="utf-8") == expected
        assert expected.startswith(header)
    assert run("--check", str(tmp_path))[0] == 0
