"""The runner's files: step outputs (with heredocs), the job summary, GitHub's paged JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scimform.ci import runner
from scimform.errors import ScimformError


def parse_outputs(text: str) -> dict[str, str]:
    """Read a $GITHUB_OUTPUT file the way the runner does."""
    found: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        heredoc = re.fullmatch(r"([A-Za-z0-9_-]+)<<(\S+)", line)
        if heredoc:
            name, end = heredoc.groups()
            body = []
            for inner in lines:
                if inner == end:
                    break
                body.append(inner)
            found[name] = "\n".join(body)
        else:
            name, _, value = line.partition("=")
            found[name] = value
    return found


def test_outputs_round_trip_single_and_multi_line_values(tmp_path: Path) -> None:
    out = tmp_path / "output"
    out.write_text("earlier=kept\n", encoding="utf-8")
    tricky = "line one\nEOF\nscimform_x\n=not a name"
    runner.write_outputs(out, {"hash": "ab12", "empty": "", "body": tricky})
    assert parse_outputs(out.read_text(encoding="utf-8")) == {
        "earlier": "kept",
        "hash": "ab12",
        "empty": "",
        "body": tricky,
    }


def test_a_bad_output_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScimformError, match="not a valid step output name"):
        runner.write_outputs(tmp_path / "o", {"a=b": "x"})


def test_summary_appends(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    runner.append_summary(summary, "# one")
    runner.append_summary(summary, "two\n")
    assert summary.read_text(encoding="utf-8") == "# one\ntwo\n"


def test_paged_answers_are_read_as_one_list(tmp_path: Path) -> None:
    pages = tmp_path / "comments.json"
    first = [{"id": 1, "body": "a", "user": {"login": "x"}}]
    second = [{"id": 2, "body": None, "user": None, "extra": {"ignored": True}}]
    pages.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n", encoding="utf-8")
    comments = runner.parse_all(runner.Comment, runner.read_pages(pages), pages)
    assert [c.id for c in comments] == [1, 2]
    assert comments[0].by("x") and not comments[1].by("x")


def test_an_empty_answer_is_no_objects(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("[]\n", encoding="utf-8")
    assert runner.read_pages(empty) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"id": 1}', "is not GitHub's JSON answer"),
        ("[1, 2]", "not a list of GitHub objects"),
        (
            '[{"body": "no id"}]',
            r"not a list of GitHub Comment objects \(object 1: id: Field required",
        ),
    ],
)
def test_bad_answers_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "answer.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScimformError, match=message) as caught:
        runner.parse_all(runner.Comment, runner.read_pages(path), path)
    assert str(path) in str(caught.value)


def test_pull_request_number_from_the_event(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 42}}), encoding="utf-8")
    assert runner.pull_request_number(event) == 42
    event.write_text(json.dumps({"ref": "refs/heads/main"}), encoding="utf-8")
    assert runner.pull_request_number(event) is None


def test_payload_is_json_for_gh_api_input(tmp_path: Path) -> None:
    payload = tmp_path / "deep" / "comment.json"
    runner.write_payload(payload, {"body": "ü <!-- x -->"})
    assert json.loads(payload.read_text(encoding="utf-8")) == {"body": "ü <!-- x -->"}
