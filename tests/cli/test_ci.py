"""`scimform ci` through the real CLI: what each command writes, and clear errors (never a
traceback) for files that are missing, edited or not GitHub's answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from scimform.ci.facts import facts_hash
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
    plan, _ = plan_file(tmp_path)
    comments = json_file(tmp_path, "comments.json", [])
    out = tmp_path / "comment.json"
    facts = tmp_path / "reviewed.json"
    result = ci(
        "plan-comment", "--plan", str(plan), "--directory", ".", "--comments", str(comments),
        "--payload-out", str(out), "--facts-out", str(facts), "--commit", "c0ffee",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text(encoding="utf-8"))["body"]
    saved = json.loads(facts.read_text(encoding="utf-8"))
    reviewed = facts_hash(saved["facts"])
    assert body.startswith(f"<!-- scimform-plan: . commit=c0ffee run=0 reviewed={reviewed} -->")
    assert "### scimform plan" in body and "workflow run" not in body
    assert saved["version"] == 1 and len(saved["facts"]) == 1
    assert "post a new one" in result.output


def test_plan_comment_in_actions_reports_outputs_and_links_the_run(tmp_path: Path) -> None:
    plan, made = plan_file(tmp_path)
    event = json_file(tmp_path, "event.json", {"pull_request": {"number": 9}})
    comments = json_file(tmp_path, "comments.json", [])
    env = runner_env(tmp_path) | {"GITHUB_EVENT_PATH": str(event)}
    out = tmp_path / "comment.json"
    result = ci(
        "plan-comment", "--plan", str(plan), "--directory", "people",
        "--comments", str(comments), "--payload-out", str(out), env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    outputs = (tmp_path / "output").read_text(encoding="utf-8").splitlines()
    assert f"hash={made.hash}" in outputs and "pull-request=9" in outputs
    assert "comment-id=" in outputs and "exit-code=2" in outputs
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "[workflow run](https://github.com/octo/people/actions/runs/77)" in summary
    assert "planned at commit `feedface`" in summary


def check_reviewed(
    tmp_path: Path, plan: Path, *extra: str, env: dict[str, str] | None = None
) -> Result:
    pulls = json_file(tmp_path, "pulls.json", [])
    return ci(
        "check-reviewed", "--plan", str(plan), "--directory", "people", "--pulls", str(pulls),
        "--comments-dir", str(tmp_path), "--reviews-dir", str(tmp_path), *extra, env=env,
    )  # fmt: skip


def test_an_edited_plan_is_refused(tmp_path: Path) -> None:
    plan, _ = plan_file(tmp_path)
    data = json.loads(plan.read_text(encoding="utf-8"))
    data["summary"]["add"] = 0
    plan.write_text(json.dumps(data), encoding="utf-8")
    result = check_reviewed(tmp_path, plan)
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
        "drift", "--plan", str(plan), "--directory", "people", "--issues", str(issues),
        "--out-dir", str(tmp_path / "drift"),
    )  # fmt: skip
    assert result.exit_code == 1
    assert str(issues) in result.output and message in result.output


def test_pull_request_numbers_must_be_numbers(tmp_path: Path) -> None:
    result = ci(
        "outcome-comments", "--directory", "people", "--outcome", "skipped",
        "--pull-requests", "7 seven", "--outcomes-dir", str(tmp_path / "out"),
    )  # fmt: skip
    assert result.exit_code == 1 and "'7 seven' is not a list of pull request numbers" in (
        result.output
    )


def test_check_reviewed_outside_actions_says_why_on_stderr(tmp_path: Path) -> None:
    plan, _ = plan_file(tmp_path)
    result = check_reviewed(tmp_path, plan)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 1 change(s) in the plan for `people` were shown on")
    assert "::error" not in result.output


def test_pending_reviews_name_the_runs_to_download(tmp_path: Path) -> None:
    pulls = json_file(
        tmp_path, "pulls.json",
        [{"number": n, "merged_at": f"2026-11-3{n - 4}T00:00:00Z"} for n in (4, 5, 6)],
    )  # fmt: skip
    marker = "<!-- scimform-plan: people commit=abc run=91 reviewed=" + "a" * 64 + " -->"
    applied = "<!-- scimform-apply: people outcome=applied commit=abc -->"
    json_file(tmp_path, "4.json", [{"id": 1, "body": applied, "user": {"login": BOT}}])
    json_file(tmp_path, "5.json", [{"id": 2, "body": marker, "user": {"login": BOT}}])
    env = runner_env(tmp_path)
    result = ci(
        "pending-reviews", "--pulls", str(pulls), "--comments-dir", str(tmp_path),
        "--directory", "people", env=env,
    )  # fmt: skip
    assert result.exit_code == 0 and result.stdout == "5 91\n"
    outputs = (tmp_path / "output").read_text(encoding="utf-8").splitlines()
    assert "pending=5 6" in outputs and "artifact=scimform-plan-people" in outputs
    merged = ci("merged-pulls", "--pulls", str(pulls))
    assert merged.output == "6\n5\n4\n"


def test_check_target_refuses_another_endpoint_without_quoting_it(tmp_path: Path) -> None:
    (tmp_path / "scimform.yaml").write_text(
        "target:\n  url: https://Zq8YpL2mX7vR4kT9.example/scim/v2\n  token: env:T\n", "utf-8"
    )
    operator = "https://scim.us-east-1.amazonaws.com/t/scim/v2"
    result = ci("check-target", "--directory", str(tmp_path), "--target-url", operator)
    assert result.exit_code == 1
    assert "is not the target this workflow plans against (" + operator + ")" in result.output
    assert "zq8ypl2mx7vr4kt9" not in result.output.lower()
    (tmp_path / "scimform.yaml").write_text(f"target: {{url: '{operator}/'}}\n", "utf-8")
    same = ci("check-target", "--directory", str(tmp_path), "--target-url", operator)
    assert same.exit_code == 0, same.output
    missing = ci("check-target", "--directory", str(tmp_path), "--target-url", "")
    assert missing.exit_code == 1 and "SCIMFORM_TARGET_URL" in missing.output


def test_failure_and_fork_comments(tmp_path: Path) -> None:
    comments = json_file(tmp_path, "comments.json", [])
    log = tmp_path / "validate.txt"
    log.write_text("people.yaml:3:5: error[user.missing-given-name]: ...\n", "utf-8")
    out = tmp_path / "comment.json"
    env = {"SCIM_TOKEN": "secret-token-value"}
    result = ci(
        "failure-comment", "--directory", "people", "--comments", str(comments),
        "--payload-out", str(out), "--stage", "validation", "--log", str(log),
        "--log", str(tmp_path / "absent.txt"), "--commit", "abc", env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text("utf-8"))["body"]
    assert body.startswith("<!-- scimform-plan: people commit=abc run=0 failed -->")
    assert "error[user.missing-given-name]" in body
    fork = ci(
        "fork-comment", "--directory", "people", "--comments", str(comments),
        "--payload-out", str(out),
    )  # fmt: skip
    assert fork.exit_code == 0
    assert json.loads(out.read_text("utf-8"))["body"].startswith("<!-- scimform-plan: people fork")


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
    result = check_reviewed(tmp_path, plan, env=runner_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "has no changes to review" in result.output and "::warning" not in result.output
    outputs = (tmp_path / "output").read_text(encoding="utf-8").splitlines()
    assert "reviewed=true" in outputs and "pull-requests=" in outputs


def test_apply_report_never_puts_the_token_in_the_summary(tmp_path: Path) -> None:
    token = "secret-token-" + "z" * 30
    log = tmp_path / "apply.txt"
    log.write_text(f"something echoed {token} by mistake\n", encoding="utf-8")
    env = runner_env(tmp_path) | {"SCIM_TOKEN": token}
    result = ci("apply-report", "--log", str(log), "--exit-code", "0", "--directory", ".", env=env)
    assert result.exit_code == 0
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert token not in summary and "something echoed [redacted] by mistake" in summary
