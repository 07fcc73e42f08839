"""`scimform ci` through the real CLI: what each command writes, and clear errors (never a
traceback) for files that are missing, edited or not GitHub's answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from scimform.cli import main
from scimform.engine.plan import Plan, make_plan
from scimform.engine.policy import Ownership, Safety
from scimform.model import DesiredState, LiveState, User

BOT = "github-actions[bot]"


def plan_file(tmp_path: Path, users: int = 1) -> tuple[Path, Plan]:
    people = tuple(User(f"u{n}@corp.example", "G", "F", "G F") for n in range(users))
    plan = make_plan(DesiredState(users=people), LiveState(), Ownership(), Safety())
    path = tmp_path / "plan.json"
    path.write_text(plan.to_json(), encoding="utf-8")
    return path, plan


def json_file(tmp_path: Path, name: str, value: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def ci(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, ["ci", *args], env=env or {})
    assert "Traceback" not in result.output
    return result


def runner_env(tmp_path: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "octo/people",
        "GITHUB_RUN_ID": "77",
        "GITHUB_SHA": "feedface",
    }


def test_plan_comment_outside_actions_writes_only_the_payload(tmp_path: Path) -> None:
    plan, made = plan_file(tmp_path)
    comments = json_file(tmp_path, "comments.json", [])
    out = tmp_path / "comment.json"
    result = ci(
        "plan-comment",
        "--plan",
        str(plan),
        "--directory",
        ".",
        "--comments",
        str(comments),
        "--payload-out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text(encoding="utf-8"))["body"]
    assert body.startswith(f"<!-- scimform-plan: . hash={made.hash} -->\n### scimform plan")
    assert "workflow run" not in body
    assert "post a new comment" in result.output


def test_plan_comment_in_actions_reports_outputs_and_links_the_run(tmp_path: Path) -> None:
    plan, made = plan_file(tmp_path)
    event = json_file(tmp_path, "event.json", {"pull_request": {"number": 9}})
    comments = json_file(tmp_path, "comments.json", [])
    env = runner_env(tmp_path) | {"GITHUB_EVENT_PATH": str(event)}
    out = tmp_path / "comment.json"
    result = ci(
        "plan-comment",
        "--plan",
        str(plan),
        "--directory",
        "people",
        "--comments",
        str(comments),
        "--payload-out",
        str(out),
        env=env,
    )
    assert result.exit_code == 0, result.output
    outputs = (tmp_path / "output").read_text(encoding="utf-8").splitlines()
    assert f"hash={made.hash}" in outputs and "pull-request=9" in outputs
    assert "comment-id=" in outputs and "exit-code=2" in outputs
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "[workflow run](https://github.com/octo/people/actions/runs/77)" in summary


def test_an_edited_plan_is_refused(tmp_path: Path) -> None:
    plan, _ = plan_file(tmp_path)
    data = json.loads(plan.read_text(encoding="utf-8"))
    data["summary"]["add"] = 0
    plan.write_text(json.dumps(data), encoding="utf-8")
    comments = json_file(tmp_path, "comments.json", [])
    result = ci(
        "check-reviewed",
        "--plan",
        str(plan),
        "--directory",
        "people",
        "--comments",
        str(comments),
        "--pull-request",
        "3",
    )
    assert result.exit_code == 1
    assert f"Error: {plan} was changed after it was made" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [("<html>rate limited</html>", "is not GitHub's JSON answer"), ('"a string"', "not a list")],
)
def test_answers_that_are_not_githubs_json_are_named(
    tmp_path: Path, text: str, message: str
) -> None:
    plan, _ = plan_file(tmp_path)
    issues = tmp_path / "issues.json"
    issues.write_text(text, encoding="utf-8")
    result = ci(
        "drift",
        "--plan",
        str(plan),
        "--directory",
        "people",
        "--issues",
        str(issues),
        "--out-dir",
        str(tmp_path / "drift"),
    )
    assert result.exit_code == 1
    assert str(issues) in result.output and message in result.output


def test_a_pull_request_number_must_be_a_number(tmp_path: Path) -> None:
    plan, _ = plan_file(tmp_path)
    comments = json_file(tmp_path, "comments.json", [])
    result = ci(
        "check-reviewed",
        "--plan",
        str(plan),
        "--directory",
        "people",
        "--comments",
        str(comments),
        "--pull-request",
        "seven",
    )
    assert result.exit_code == 1 and "'seven' is not a pull request number" in result.output


def test_check_reviewed_outside_actions_says_why_on_stderr(tmp_path: Path) -> None:
    plan, _ = plan_file(tmp_path)
    comments = json_file(tmp_path, "comments.json", [])
    result = ci(
        "check-reviewed",
        "--plan",
        str(plan),
        "--directory",
        "people",
        "--comments",
        str(comments),
        "--pull-request",
        "",
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: No pull request was merged as this commit")
    assert "::error" not in result.output


def test_reviewed_pr_prints_the_merged_pull_request(tmp_path: Path) -> None:
    pulls = json_file(
        tmp_path,
        "pulls.json",
        [{"number": 4, "merged_at": "2026-11-30T00:00:00Z", "merge_commit_sha": "ab"}],
    )
    assert ci("reviewed-pr", "--pulls", str(pulls), "--sha", "ab").output == "4\n"
    none = json_file(tmp_path, "none.json", [])
    assert ci("reviewed-pr", "--pulls", str(none), "--sha", "ab").output == ""


def test_drift_writes_the_issue_and_its_outputs(tmp_path: Path) -> None:
    plan, _ = plan_file(tmp_path)
    issues = json_file(tmp_path, "issues.json", [])
    result = ci(
        "drift",
        "--plan",
        str(plan),
        "--directory",
        "people",
        "--issues",
        str(issues),
        "--out-dir",
        str(tmp_path / "drift"),
        env=runner_env(tmp_path),
    )
    assert result.exit_code == 0, result.output
    issue = json.loads((tmp_path / "drift" / "issue.json").read_text(encoding="utf-8"))
    assert issue["body"].startswith("<!-- scimform-drift: people -->")
    assert "commit `feedface`" in issue["body"]
    outputs = (tmp_path / "output").read_text(encoding="utf-8").splitlines()
    assert "action=open" in outputs and "drifted=true" in outputs and "issue=" in outputs
    assert "::warning title=scimform%3A drift::" in result.output


def test_apply_report_fences_the_log_and_flags_failure(tmp_path: Path) -> None:
    log = tmp_path / "apply.txt"
    log.write_text("a ``` fence inside\nApply finished with failures: 1 failed.", "utf-8")
    env = runner_env(tmp_path)
    result = ci(
        "apply-report", "--log", str(log), "--exit-code", "1", "--directory", "people", env=env
    )
    assert result.exit_code == 0
    assert "::error title=scimform apply::Failed:" in result.output
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "\n````\na ``` fence inside\nApply finished with failures: 1 failed.\n````\n" in summary
    outputs = (tmp_path / "output").read_text(encoding="utf-8").splitlines()
    assert outputs == ["outcome=failed", "artifact=scimform-apply-people"]


def test_apply_report_keeps_the_summary_small(tmp_path: Path) -> None:
    log = tmp_path / "apply.txt"
    log.write_text("x" * 300_000 + "\nthe end\n", encoding="utf-8")
    env = runner_env(tmp_path)
    result = ci("apply-report", "--log", str(log), "--exit-code", "0", "--directory", ".", env=env)
    assert result.exit_code == 0 and "::error" not in result.output
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert len(summary) < 210_000 and summary.rstrip().endswith("the end\n```")
    assert "the start is in the job log" in summary and "**Applied:" in summary


def test_a_plan_without_changes_passes_the_check_without_a_warning(tmp_path: Path) -> None:
    plan, _ = plan_file(tmp_path, users=0)
    comments = json_file(tmp_path, "comments.json", [])
    env = runner_env(tmp_path)
    result = ci(
        "check-reviewed",
        "--plan",
        str(plan),
        "--directory",
        "people",
        "--comments",
        str(comments),
        "--pull-request",
        "",
        env=env,
    )
    assert result.exit_code == 0 and "has no changes to review" in result.output
    assert "::warning" not in result.output and "::error" not in result.output


def test_apply_report_never_puts_the_token_in_the_summary(tmp_path: Path) -> None:
    token = "secret-token-" + "z" * 30
    log = tmp_path / "apply.txt"
    log.write_text(f"something echoed {token} by mistake\n", encoding="utf-8")
    env = runner_env(tmp_path) | {"SCIM_TOKEN": token}
    result = ci("apply-report", "--log", str(log), "--exit-code", "0", "--directory", ".", env=env)
    assert result.exit_code == 0
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert token not in summary and "something echoed [redacted] by mistake" in summary
