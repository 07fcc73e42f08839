"""`scimform ci check-approvals`, `approvals-comment` and `check-merged-approvals` run
directly on a git repository and GitHub's saved answers: the report, the exit status, and
one clear error (never a pass) for a config or an answer that cannot be read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gitrepo import Repo as Git
from scimform_cli import cli

from scimform.ci.approvals_comment import END, MAX_COMMENT, START, section_of, with_section

SETTINGS = "target: {url: 'local:.scimform/store.db'}\n"


def people(members: list[str], owners: tuple[str, ...] = ("bob",)) -> str:
    users = "".join(
        f"  - {{userName: {n}@corp.example, givenName: {n}, familyName: X, displayName: {n},"
        f" email: {n}@corp.example, externalId: id-{n}, github: {n}-gh}}\n"
        for n in ("alice", "bob", "carol", "dave")
    )
    listed = ", ".join(f"{m}@corp.example" for m in members)
    owned = ", ".join(f"{o}@corp.example" for o in owners)
    group = f"{{displayName: admins, owners: [{owned}], members: [{listed}]}}"
    return f"users:\n{users}groups:\n  - {group}\n"


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Git, str, str]:
    """main with alice in admins (bob owns it); branch pr7 adds dave."""
    git = Git(tmp_path / "repo")
    base = git.commit(
        "Start", {"people/scimform.yaml": SETTINGS, "people/people.yaml": people(["alice"])}
    )
    git.git("checkout", "-q", "-b", "pr7")
    head = git.commit("Add dave", {"people/people.yaml": people(["alice", "dave"])}, author="Dave")
    return git, base, head


def answers(folder: Path, base: str, head: str, reviews: list[dict[str, Any]]) -> tuple[Path, Path]:
    pull = folder / "pull.json"
    pull.write_text(
        json.dumps(
            {
                "number": 7,
                "user": {"login": "dave-gh"},
                "head": {"sha": head},
                "base": {"sha": base},
            }
        ),
        encoding="utf-8",
    )
    saved = folder / "reviews.json"
    # gh api --paginate prints one array per page, back to back.
    pages = [reviews[:1], reviews[1:]]
    saved.write_text("".join(json.dumps(p) for p in pages), encoding="utf-8")
    return pull, saved


def run(git: Git, *args: str) -> Any:
    """`scimform ci ARGS` outside Actions, with `--directory people` of the repository."""
    found = [str(git.top / "people") if a == "people" else a for a in args]
    unset: dict[str, str | None] = {"GITHUB_STEP_SUMMARY": None, "GITHUB_OUTPUT": None}
    return cli("ci", *found, env=unset | {"GITHUB_ACTIONS": None})


def test_met_and_not_met(repo: tuple[Git, str, str], tmp_path: Path) -> None:
    git, base, head = repo
    pull, reviews = answers(
        tmp_path,
        base,
        head,
        [{"user": {"login": "carol-gh"}, "state": "APPROVED", "commit_id": head}],
    )
    section = tmp_path / "section.md"
    lacking = run(
        git,
        "check-approvals",
        "--directory",
        "people",
        "--pull",
        str(pull),
        "--reviews",
        str(reviews),
        "--section-out",
        str(section),
    )
    assert lacking.exit_code == 1
    assert (
        'Lacking approval: add member dave@corp.example to group "admins": an approval by an owner'
        in lacking.stdout
    )
    assert "**Not met:** 1 of 1 access change lacks approval." in section.read_text("utf-8")
    pull, reviews = answers(
        tmp_path,
        base,
        head,
        [
            {"user": {"login": "carol-gh"}, "state": "APPROVED", "commit_id": head},
            {"user": {"login": "bob-gh"}, "state": "APPROVED", "commit_id": head},
        ],
    )
    met = run(
        git,
        "check-approvals",
        "--directory",
        "people",
        "--pull",
        str(pull),
        "--reviews",
        str(reviews),
    )
    assert met.exit_code == 0 and "Approvals met for #7: 1 access change(s)." in met.stdout


def test_the_base_is_where_the_branch_left_main(repo: tuple[Git, str, str], tmp_path: Path) -> None:
    git, _, head = repo
    # main moves on after the branch: carol joins admins there. The pull request is judged
    # on its own change (dave), as GitHub compares it.
    git.git("checkout", "-q", "main")
    moved = git.commit("Add carol", {"people/people.yaml": people(["alice", "carol"])})
    pull, reviews = answers(tmp_path, moved, head, [])
    section = tmp_path / "s.md"
    run(
        git,
        "check-approvals",
        "--directory",
        "people",
        "--pull",
        str(pull),
        "--reviews",
        str(reviews),
        "--section-out",
        str(section),
    )
    text = section.read_text("utf-8")
    assert "dave@corp.example" in text and "carol@corp.example" not in text


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ("head", "the config at commit"),
        ("missing", "is not in the repository"),
    ],
)
def test_a_config_or_commit_that_cannot_be_read_fails_clearly(
    repo: tuple[Git, str, str], tmp_path: Path, broken: str, expected: str
) -> None:
    git, base, head = repo
    if broken == "head":
        head = git.commit("Broken", {"people/people.yaml": "users: [\n"}, author="Dave")
    else:
        head = "f" * 40
    pull, reviews = answers(tmp_path, base, head, [])
    section = tmp_path / "s.md"
    result = run(
        git,
        "check-approvals",
        "--directory",
        "people",
        "--pull",
        str(pull),
        "--reviews",
        str(reviews),
        "--section-out",
        str(section),
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert expected in result.output and expected in section.read_text("utf-8")
    assert "The approvals check could not run, so it fails" in section.read_text("utf-8")


def test_answers_that_are_not_githubs_are_one_clear_error(
    repo: tuple[Git, str, str], tmp_path: Path
) -> None:
    git, base, head = repo
    pull, reviews = answers(tmp_path, base, head, [])
    reviews.write_text("<html>rate limited</html>", encoding="utf-8")
    result = run(
        git,
        "check-approvals",
        "--directory",
        "people",
        "--pull",
        str(pull),
        "--reviews",
        str(reviews),
    )
    assert result.exit_code == 1 and "is not GitHub's JSON answer" in result.output
    pull.write_text(json.dumps({"number": 7}), encoding="utf-8")
    result = run(
        git,
        "check-approvals",
        "--directory",
        "people",
        "--pull",
        str(pull),
        "--reviews",
        str(reviews),
    )
    assert (
        result.exit_code == 1 and "is not a list of GitHub PullRequestHead objects" in result.output
    )


def test_the_section_goes_under_the_marker_and_is_replaced_in_place() -> None:
    body = "<!-- scimform-plan: people commit=abc -->\n### scimform plan\n\nPlan: 1 to add\n"
    once = with_section(body, "### approvals\n\n**Met**\n", "short")
    assert once == (
        "<!-- scimform-plan: people commit=abc -->\n"
        f"{START}\n### approvals\n\n**Met**\n{END}\n### scimform plan\n\nPlan: 1 to add\n"
    )
    twice = with_section(once, "### approvals\n\n**Not met**\n", "short")
    assert twice.count(START) == 1 and "**Not met**" in twice and "**Met**\n" not in twice
    assert section_of(twice) is not None
    long_plan = body + "x" * (MAX_COMMENT - len(body) - 100)
    fitted = with_section(long_plan, "y" * 5000, "the short form")
    assert len(fitted) <= MAX_COMMENT and "the short form" in fitted


def test_merged_pull_requests_are_written_for_the_audit_record(
    repo: tuple[Git, str, str], tmp_path: Path
) -> None:
    git, _, head = repo
    git.git("checkout", "-q", "main")
    merged = git.merge_pull_request("pr7", 7, "Bob", "2026-12-01")
    folder = tmp_path / "approvals"
    folder.mkdir()
    (folder / "7.json").write_text(
        json.dumps(
            {
                "number": 7,
                "user": {"login": "dave-gh"},
                "head": {"sha": head},
                "base": {"sha": "0" * 40},
                "merge_commit_sha": merged,
                "title": "Add dave",
                "html_url": "https://github.com/octo/people/pull/7",
                "merged_by": {"login": "bob-gh"},
                "merged_at": "2026-12-01T10:00:00Z",
            }
        ),
        encoding="utf-8",
    )
    review = {"user": {"login": "bob-gh"}, "state": "APPROVED", "commit_id": head}
    (folder / "7-reviews.json").write_text(json.dumps([review]), encoding="utf-8")
    out = tmp_path / "pull-requests.json"
    result = run(
        git,
        "check-merged-approvals",
        "--directory",
        "people",
        "--pending",
        "7",
        "--answers-dir",
        str(folder),
        "--pull-requests-out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text("utf-8")) == [
        {
            "number": 7, "url": "https://github.com/octo/people/pull/7", "title": "Add dave",
            "author": "dave-gh", "merged_by": "bob-gh", "merged_at": "2026-12-01T10:00:00Z",
            "approvers": ["bob-gh"],
        }
    ]  # fmt: skip
    (folder / "7-reviews.json").write_text("[]", encoding="utf-8")
    refused = run(
        git,
        "check-merged-approvals",
        "--directory",
        "people",
        "--pending",
        "7",
        "--answers-dir",
        str(folder),
        "--pull-requests-out",
        str(out),
    )
    assert refused.exit_code == 1
    assert (
        "Apply refused: the approval policy was not met by #7; nothing was applied."
        in refused.output
    )


def test_on_a_review_the_posted_plan_comment_gets_the_section(tmp_path: Path) -> None:
    section = tmp_path / "approvals.md"
    section.write_text("### scimform approvals: `people`\n\n**Met:** yes.\n", encoding="utf-8")
    comments = tmp_path / "comments.json"
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"review": {}, "pull_request": {"number": 7}}), encoding="utf-8")
    output = tmp_path / "output"
    env = {"GITHUB_EVENT_PATH": str(event), "GITHUB_OUTPUT": str(output), "GITHUB_ACTIONS": None}
    env |= {"GITHUB_STEP_SUMMARY": None}
    args = ["--directory", "people", "--section", str(section), "--comments", str(comments)]
    args += ["--plan-comment", str(tmp_path / "no-plan-ran.json")]
    payload = tmp_path / "payload.json"

    comments.write_text("[]", encoding="utf-8")  # no plan comment yet: nothing to post
    result = cli("ci", "approvals-comment", *args, "--payload-out", str(payload), env=env)
    assert result.exit_code == 0 and "No plan comment yet." in result.stdout
    assert "post=false" in output.read_text("utf-8") and not payload.exists()

    plan = "<!-- scimform-plan: people commit=abc run=1 reviewed=x -->\n### scimform plan\n"
    bot = {"login": "github-actions[bot]"}
    said = [
        {"id": 41, "body": plan, "user": bot},
        {"id": 42, "body": "LGTM", "user": {"login": "bob"}},
    ]
    comments.write_text(json.dumps(said), encoding="utf-8")
    result = cli("ci", "approvals-comment", *args, "--payload-out", str(payload), env=env)
    assert result.exit_code == 0
    written = output.read_text("utf-8")
    assert "post=true" in written and "comment-id=41" in written and "pull-request=7" in written
    body = json.loads(payload.read_text("utf-8"))["body"]
    assert body.startswith(plan.split("\n")[0] + f"\n{START}\n### scimform approvals")
    assert body.endswith("### scimform plan\n")


def test_a_base_that_does_not_load_fails_closed_and_says_how_out(
    repo: tuple[Git, str, str], tmp_path: Path
) -> None:
    git, _, head = repo
    git.git("checkout", "-q", "main")
    broken = git.commit("Broken on main", {"people/people.yaml": "users: [\n"})
    pull, reviews = answers(tmp_path, broken, head, [])
    # The branch left main before it broke: the merge base still loads, so it is judged.
    result = run(
        git,
        "check-approvals",
        "--directory",
        "people",
        "--pull",
        str(pull),
        "--reviews",
        str(reviews),
    )
    assert result.exit_code == 1 and "Lacking approval: add member dave" in result.stdout
    git.git("checkout", "-q", "-b", "pr8", broken)
    fix = git.commit("Fix", {"people/people.yaml": people(["alice", "carol"])}, author="Dave")
    pull, reviews = answers(tmp_path, broken, fix, [])
    result = run(
        git,
        "check-approvals",
        "--directory",
        "people",
        "--pull",
        str(pull),
        "--reviews",
        str(reviews),
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "the base: the config at commit" in result.output
    assert "an administrator can merge that fix past this check" in result.output
