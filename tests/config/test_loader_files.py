"""Bad files and directories, as a new user makes them: each gets a clear diagnostic with
the file and line, and never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scimform.config.loader import load_config
from scimform.config.yamlio import MAX_FILE_BYTES
from scimform.diagnostics import Diagnostic, Severity

GROUP = "groups:\n  - displayName: platform\n"


def only(root: Path, code: str) -> Diagnostic:
    found = [d for d in load_config(root).diagnostics if d.code == code]
    assert len(found) == 1, [f"{d.location} {d.code}" for d in load_config(root).diagnostics]
    return found[0]


def at(d: Diagnostic) -> tuple[str, int | None, int | None]:
    assert d.location is not None
    return (Path(d.location.file).name, d.location.line, d.location.column)


def test_tab_indentation(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text("groups:\n\t- displayName: a\n")
    d = only(tmp_path, "yaml.tab")
    assert at(d) == ("g.yaml", 2, 1)
    assert d.hint is not None and "spaces" in d.hint


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "scimform.yaml").write_bytes(b"\xef\xbb\xbf{}\n")
    (tmp_path / "g.yaml").write_bytes(b"\xef\xbb\xbf" + GROUP.encode())
    loaded = load_config(tmp_path)
    assert list(loaded.diagnostics) == []
    assert [g.display_name for g in loaded.desired.groups] == ["platform"]


def test_an_empty_file_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "scimform.yaml").write_text("ownership:\n  prune: false\n")
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "comments.yaml").write_text("# nothing yet\n")
    found = [d for d in load_config(tmp_path).diagnostics if d.code == "file.empty"]
    assert sorted(at(d) for d in found) == [("comments.yaml", 1, 1), ("empty.yaml", 1, 1)]
    assert all(d.severity is Severity.WARNING for d in found)
    assert not load_config(tmp_path).diagnostics.has_errors


@pytest.mark.parametrize(
    ("text", "kind"), [("- a\n- b\n", "a list"), ("hello\n", "a single value")]
)
def test_a_file_that_is_not_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    (tmp_path / "x.yaml").write_text(text)
    d = only(tmp_path, "file.not-a-mapping")
    assert at(d) == ("x.yaml", 1, 1)
    assert kind in d.message


def test_a_huge_file_is_refused_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:  # sparse: 50 MB on paper, nothing on disk
        f.truncate(50 * 1024 * 1024)
    read = Path.read_bytes

    def guarded(self: Path) -> bytes:
        assert self != big, "the oversized file was read"
        return read(self)

    monkeypatch.setattr(Path, "read_bytes", guarded)
    d = only(tmp_path, "file.too-large")
    assert at(d) == ("big.yaml", 1, 1)
    assert "50.0 MiB" in d.message and f"{MAX_FILE_BYTES // 2**20} MiB" in d.message
    assert d.hint is not None and "split" in d.hint


def test_non_utf8_bytes_point_at_the_byte(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_bytes(b"groups:\n  - displayName: caf\xe9\n")
    d = only(tmp_path, "file.not-utf8")
    assert at(d) == ("g.yaml", 2, 21)
    assert "0xe9" in d.message


def test_utf16_is_named(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_bytes(GROUP.encode("utf-16"))
    assert "UTF-16" in only(tmp_path, "file.not-utf8").message


def test_control_characters(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text('groups:\n  - displayName: "a\x07"\n')
    assert at(only(tmp_path, "yaml.control-character")) == ("g.yaml", 2, 20)


def test_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text("groups:\n  - displayName: [a\n  - x\n")
    d = only(tmp_path, "yaml.syntax")
    assert at(d) == ("g.yaml", 4, 1)  # where the parser gave up: the end of the file
    assert "flow sequence that starts at line 2, column 18" in d.message


def test_several_documents(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(GROUP + "---\n" + GROUP)
    assert at(only(tmp_path, "yaml.many-documents"))[:2] == ("g.yaml", 3)


def test_a_date_that_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "tokens:\n  expected:\n    - {id: a, created: 2026-02-30, expires: 2026-12-01}\n"
    )
    assert at(only(tmp_path, "yaml.invalid-date")) == ("t.yaml", 3, 24)


def test_absurd_nesting(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    diagnostics = list(load_config(tmp_path).diagnostics)
    assert any(d.severity is Severity.ERROR and d.code.startswith("yaml.") for d in diagnostics)


def test_a_symlink_loop_in_the_directory(tmp_path: Path) -> None:
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "g.yaml").write_text(GROUP)
    (tmp_path / "teams" / "again").symlink_to(tmp_path)
    (tmp_path / "self.yaml").symlink_to(tmp_path / "self.yaml")
    loaded = load_config(tmp_path)
    loops = sorted(
        (Path(d.location.file).relative_to(tmp_path).as_posix(), d.severity.value)
        for d in loaded.diagnostics
        if d.code == "config.symlink-loop" and d.location
    )
    assert loops == [("self.yaml", "error"), ("teams/again", "warning")]
    assert [g.display_name for g in loaded.desired.groups] == ["platform"]  # read once


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, where permissions do not stop a read: fake the refusal.
    locked = tmp_path / "locked.yaml"
    locked.write_text(GROUP)
    read = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return read(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    d = only(tmp_path, "file.unreadable")
    assert at(d) == ("locked.yaml", 1, 1)
    assert "Permission denied" in d.message


def test_a_missing_directory(tmp_path: Path) -> None:
    loaded = load_config(tmp_path / "nope")
    (d,) = loaded.diagnostics
    assert (d.code, d.severity) == ("config.not-found", Severity.ERROR)


def test_a_file_instead_of_a_directory(tmp_path: Path) -> None:
    (tmp_path / "scimform.yaml").write_text("{}\n")
    (d,) = load_config(tmp_path / "scimform.yaml").diagnostics
    assert d.code == "config.not-a-directory"


def test_without_scimform_yaml_the_defaults_apply(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(GROUP)
    loaded = load_config(tmp_path)
    (d,) = loaded.diagnostics
    assert (d.code, d.severity) == ("config.no-settings", Severity.INFO)
    assert loaded.settings.target.url == "local:.scimform/store.db"
    assert loaded.settings.mapping is None and loaded.settings.scope is None


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    (d,) = load_config(tmp_path).diagnostics
    assert (d.code, d.severity) == ("config.empty", Severity.ERROR)
    assert "scimform init" in (d.hint or "")


def test_yaml_files_that_declare_nothing_without_settings_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text("# nothing yet\nusers: []\n")
    codes = [d.code for d in load_config(tmp_path).diagnostics]
    assert codes == ["config.empty"]


def test_settings_alone_are_a_config_that_declares_nobody(tmp_path: Path) -> None:
    (tmp_path / "scimform.yaml").write_text("ownership:\n  prune: false\n")
    assert not load_config(tmp_path).diagnostics.has_errors


def test_hidden_directories_are_skipped_and_subdirectories_read(tmp_path: Path) -> None:
    for hidden in (".git", ".scimform"):
        (tmp_path / hidden).mkdir()
        (tmp_path / hidden / "x.yaml").write_text("not: [valid\n")
    (tmp_path / "teams" / "platform").mkdir(parents=True)
    (tmp_path / "teams" / "platform" / "g.yaml").write_text(GROUP)
    (tmp_path / "scimform.yaml").write_text("{}\n")
    loaded = load_config(tmp_path)
    assert list(loaded.diagnostics) == []
    assert loaded.files == (tmp_path / "teams" / "platform" / "g.yaml",)


def test_yml_files_and_nested_settings_are_named_not_read(tmp_path: Path) -> None:
    (tmp_path / "scimform.yaml").write_text("{}\n")
    (tmp_path / "old.yml").write_text(GROUP)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "scimform.yaml").write_text("nonsense: 1\n")
    loaded = load_config(tmp_path)
    assert sorted(d.code for d in loaded.diagnostics) == [
        "config.nested-settings",
        "config.yml-ignored",
    ]
    assert not loaded.diagnostics.has_errors and loaded.desired.groups == ()


def test_every_problem_at_once_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("groups:\n\t- x\n")
    (tmp_path / "b.yaml").write_bytes(b"\xff\n")
    (tmp_path / "c.yaml").write_text("- 1\n")
    (tmp_path / "d.yaml").write_text("groups:\n  - displayName: Administrator\n")
    files = sorted(
        at(d)[0] for d in load_config(tmp_path).diagnostics if d.severity is Severity.ERROR
    )
    assert files == ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]


def test_nothing_is_written_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(GROUP)
    before = sorted(os.listdir(tmp_path))
    load_config(tmp_path)
    assert sorted(os.listdir(tmp_path)) == before
