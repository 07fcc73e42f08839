import json
from pathlib import Path

import pytest

from scimform.config.sources import read_source
from scimform.errors import SourceError


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_csv_records_carry_their_line_and_drop_empty_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "u.csv", "upn,givenName,city\na@x,Ada,\nb@x,Bo,Oslo\n")
    records = read_source(path)
    assert [r.line for r in records] == [2, 3]
    assert records[0].fields == {"upn": "a@x", "givenName": "Ada"}
    assert records[1].fields == {"upn": "b@x", "givenName": "Bo", "city": "Oslo"}


def test_csv_with_a_bom_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path, "u.csv", "\ufeffupn,name\r\na@x,Ada\r\n".encode())
    records = read_source(path)
    assert records[0].fields == {"upn": "a@x", "name": "Ada"}


def test_semicolon_and_tab_separated_exports(tmp_path: Path) -> None:
    semi = read_source(write(tmp_path, "s.csv", 'upn;name\na@x;"Doe, Jo"\n'))
    assert semi[0].fields == {"upn": "a@x", "name": "Doe, Jo"}
    tabs = read_source(write(tmp_path, "t.csv", "upn\tname\na@x\tJo\n"))
    assert tabs[0].fields == {"upn": "a@x", "name": "Jo"}


def test_column_names_with_spaces_work_in_templates(tmp_path: Path) -> None:
    from scimform.config.mapping import compile_mapping

    record = read_source(write(tmp_path, "u.csv", "User principal name,First name\na@x,Ada\n"))[0]
    mapping, _ = compile_mapping({"userName": "{User principal name}", "givenName": "{First name}"})
    assert mapping.apply(record.fields)[0] == {"userName": "a@x", "givenName": "Ada"}


def test_a_quoted_newline_keeps_the_record_starting_line(tmp_path: Path) -> None:
    text = 'upn,street\na@x,"1 Main St\nFloor 2"\n\nb@x,Elm\n'
    records = read_source(write(tmp_path, "u.csv", text))
    assert [r.line for r in records] == [2, 5]
    assert records[0].fields["street"] == "1 Main St\nFloor 2"


def test_a_row_with_too_many_cells_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "u.csv", "upn,name\na@x,Ada\nb@x,Bo,extra\n")
    with pytest.raises(SourceError) as info:
        read_source(path)
    assert info.value.line == 3 and info.value.path == path
    assert "3 cells" in str(info.value) and str(path) in str(info.value)


def test_a_duplicate_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="names 'mail' twice"):
        read_source(write(tmp_path, "u.csv", "mail,mail\na,b\n"))


def test_an_unterminated_quote_is_invalid_csv(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not valid CSV"):
        read_source(write(tmp_path, "u.csv", 'upn,name\na@x,"Ada\n'))


@pytest.mark.parametrize("content", ["", "upn,name\n", "[]", '{"users": []}'])
def test_an_export_without_users_is_refused(tmp_path: Path, content: str) -> None:
    suffix = "csv" if "," in content or not content else "json"
    with pytest.raises(SourceError, match="holds no users"):
        read_source(write(tmp_path, f"u.{suffix}", content))


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "u.csv", b"upn,name\na@x,Ada\nb@x,Jos\xe9\n")
    with pytest.raises(SourceError, match="not UTF-8") as info:
        read_source(path)
    assert info.value.line == 3


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        read_source(tmp_path / "absent.csv")
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(SourceError, match="directory"):
        read_source(tmp_path / "dir.csv")


def test_format_from_suffix_or_argument(tmp_path: Path) -> None:
    path = write(tmp_path, "users.txt", '[{"a": 1}]')
    with pytest.raises(SourceError, match="format"):
        read_source(path)
    assert read_source(path, "json")[0].fields == {"a": 1}


def test_json_list_lines_point_at_each_object(tmp_path: Path) -> None:
    users = [
        {"id": "1", "note": 'a { brace and a \\" quote "{', "profile": {"x": [1, {"y": 2}]}},
        {"id": "2"},
    ]
    text = json.dumps(users, indent=2)
    records = read_source(write(tmp_path, "u.json", text))
    lines = text.splitlines()
    assert [r.fields["id"] for r in records] == ["1", "2"]
    for record in records:
        assert lines[record.line - 1].strip() == "{"
        assert f'"id": "{record.fields["id"]}"' in lines[record.line]


def test_json_envelopes_of_google_and_graph(tmp_path: Path) -> None:
    google = {"kind": "admin#directory#users", "etag": '"x"', "users": [{"id": "9"}]}
    text = json.dumps(google, indent=2)
    records = read_source(write(tmp_path, "g.json", text))
    assert records[0].fields == {"id": "9"}
    assert text.splitlines()[records[0].line] == '      "id": "9"'
    graph = {"@odata.context": "x", "value": [{"id": "7"}, {"id": "8"}]}
    assert len(read_source(write(tmp_path, "m.json", json.dumps(graph)))) == 2


def test_a_user_list_after_other_top_level_lists_is_found(tmp_path: Path) -> None:
    text = '{"other": [{"id": "no"}],\n "users": [\n  {"id": "yes"}]}'
    records = read_source(write(tmp_path, "g.json", text))
    assert [(r.line, r.fields["id"]) for r in records] == [(3, "yes")]


def test_one_page_of_many_is_refused(tmp_path: Path) -> None:
    text = json.dumps({"users": [{"id": "1"}], "nextPageToken": "abc"})
    with pytest.raises(SourceError, match="one page"):
        read_source(write(tmp_path, "g.json", text))


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not valid JSON") as info:
        read_source(write(tmp_path, "u.json", '[\n  {"id": 1},\n  {"id": }\n]'))
    assert info.value.line == 3


@pytest.mark.parametrize("text", ['{"id": 1}', '"users"', "[1, 2]"])
def test_json_that_is_not_users_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(SourceError, match="not"):
        read_source(write(tmp_path, "u.json", text))
