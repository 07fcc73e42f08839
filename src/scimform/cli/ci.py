"""`scimform ci`: the steps of scimform's GitHub Actions workflows that are not `plan` or
`apply` themselves.

Each command reads files the workflow saved (a plan from `scimform plan --out`, GitHub's
answers from `gh api`), writes the files the workflow posts with `gh api --input`, and
reports to the runner through `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` (skipped when
unset, so the commands also run outside Actions). None of them talks to GitHub or the store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from scimform.ci import runner
from scimform.ci.comment import artifact_name, comment_body, find_plan_comment, plan_outputs
from scimform.ci.drift import DriftAction, decide_drift
from scimform.ci.reviewed import check_reviewed, merged_pull_request
from scimform.engine.plan import Plan
from scimform.errors import ScimformError

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUT = click.Path(dir_okay=False, path_type=Path)
_LOG_SHOWN = 200_000
_AUTHOR_HELP = "Only comments and issues by this account count (the token the workflow posts with)."


@dataclass(frozen=True)
class _Runner:
    """What a GitHub Actions runner tells a step through its environment."""

    output: Path | None
    summary: Path | None
    run_url: str | None
    commit: str
    event: Path | None
    actions: bool

    @classmethod
    def of(cls, environ: Mapping[str, str]) -> _Runner:
        def path(name: str) -> Path | None:
            return Path(environ[name]) if environ.get(name) else None

        parts = [environ.get(n, "") for n in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY")]
        run_id = environ.get("GITHUB_RUN_ID", "")
        run_url = f"{parts[0]}/{parts[1]}/actions/runs/{run_id}" if all(parts) and run_id else None
        return cls(
            output=path("GITHUB_OUTPUT"),
            summary=path("GITHUB_STEP_SUMMARY"),
            run_url=run_url,
            commit=environ.get("GITHUB_SHA", "") or "unknown",
            event=path("GITHUB_EVENT_PATH"),
            actions=environ.get("GITHUB_ACTIONS") == "true",
        )

    def report(self, outputs: Mapping[str, str], summary: str | None = None) -> None:
        if self.output is not None:
            runner.write_outputs(self.output, outputs)
        if self.summary is not None and summary:
            runner.append_summary(self.summary, summary)

    def annotate(self, level: str, title: str, message: str) -> None:
        """A workflow command GitHub shows as an annotation (stderr outside Actions)."""
        if not self.actions:
            click.echo(f"{level}: {message}", err=True)
            return
        click.echo(f"::{level} title={_escape(title, True)}::{_escape(message, False)}")


def _escape(text: str, property_value: bool) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def _load_plan(path: Path) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScimformError(f"cannot read the plan {path}: {exc.strerror or exc}") from None
    return Plan.from_json(text, source=str(path))


@click.group("ci")
def command() -> None:
    """Steps of scimform's GitHub Actions workflows (see examples/github/)."""


@command.command("plan-comment")
@click.option("--plan", "plan_file", type=_FILE, required=True, help="From `plan --out`.")
@click.option("--directory", required=True, help="The config directory the plan is for.")
@click.option("--comments", type=_FILE, required=True, help="The PR's comments (`gh api`).")
@click.option("--payload-out", type=_OUT, required=True, help="Where to write the comment.")
@click.option("--author", default=runner.BOT, show_default=True, help=_AUTHOR_HELP)
def plan_comment(
    plan_file: Path, directory: str, comments: Path, payload_out: Path, author: str
) -> None:
    """Write the pull-request comment for a plan, and say which comment to edit.

    Outputs: hash, exit-code (0/2/3 as `plan`), has-changes, safe, destroys, comment-id
    (empty: post a new comment), pull-request, artifact.
    """
    ci = _Runner.of(os.environ)
    plan = _load_plan(plan_file)
    found = runner.parse_all(runner.Comment, runner.read_pages(comments), comments)
    existing = find_plan_comment(found, directory, author)
    body = comment_body(plan, directory, ci.run_url)
    runner.write_payload(payload_out, {"body": body})
    pull = runner.pull_request_number(ci.event) if ci.event is not None else None
    outputs = plan_outputs(plan) | {
        "comment-id": "" if existing is None else str(existing.id),
        "pull-request": "" if pull is None else str(pull),
        "artifact": artifact_name("scimform-plan", directory),
    }
    ci.report(outputs, body)
    verb = "edit comment " + str(existing.id) if existing else "post a new comment"
    click.echo(f"Wrote the plan comment to {payload_out} ({len(body)} characters); {verb}.")


@command.command("reviewed-pr")
@click.option("--pulls", type=_FILE, required=True, help="`gh api repos/R/commits/SHA/pulls`.")
@click.option("--sha", required=True, help="The pushed commit.")
def reviewed_pr(pulls: Path, sha: str) -> None:
    """Print the number of the pull request merged as commit SHA (nothing when none was)."""
    found = runner.parse_all(runner.PullRequest, runner.read_pages(pulls), pulls)
    number = merged_pull_request(found, sha)
    if number is not None:
        click.echo(str(number))


@command.command("check-reviewed")
@click.option("--plan", "plan_file", type=_FILE, required=True, help="The plan to apply.")
@click.option("--directory", required=True, help="The config directory the plan is for.")
@click.option("--comments", type=_FILE, required=True, help="The PR's comments (`gh api`).")
@click.option("--pull-request", default="", help="The merged PR's number (empty: none).")
@click.option("--allow-unreviewed", is_flag=True, help="Only warn when the plans differ.")
@click.option("--author", default=runner.BOT, show_default=True, help=_AUTHOR_HELP)
def check_reviewed_command(
    plan_file: Path,
    directory: str,
    comments: Path,
    pull_request: str,
    allow_unreviewed: bool,
    author: str,
) -> None:
    """Refuse (exit 1) a plan that differs from the one reviewed on the pull request.

    Outputs: hash, reviewed-hash (empty when none was found), reviewed (true/false).
    """
    ci = _Runner.of(os.environ)
    plan = _load_plan(plan_file)
    found = runner.parse_all(runner.Comment, runner.read_pages(comments), comments)
    check = check_reviewed(
        plan,
        found,
        directory,
        pull=_number(pull_request),
        author=author,
        allow_unreviewed=allow_unreviewed,
    )
    reviewed = check.reviewed_hash == plan.hash
    outputs = {
        "hash": plan.hash,
        "reviewed-hash": check.reviewed_hash or "",
        "reviewed": "true" if reviewed else "false",
    }
    ci.report(outputs, f"### scimform apply\n\n{check.message}\n")
    if not check.ok:
        ci.annotate("error", "scimform: unreviewed plan", check.message)
        raise click.exceptions.Exit(1)
    if not reviewed and plan.has_changes:
        ci.annotate("warning", "scimform: unreviewed plan", check.message)
    click.echo(check.message)


def _number(text: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a pull request number") from None


@command.command("drift")
@click.option("--plan", "plan_file", type=_FILE, required=True, help="From `plan --out`.")
@click.option("--directory", required=True, help="The config directory the plan is for.")
@click.option("--issues", type=_FILE, required=True, help="The open issues (`gh api`).")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Where to write issue.json (open, update) or comment.json (close).",
)
@click.option("--author", default=runner.BOT, show_default=True, help=_AUTHOR_HELP)
def drift(plan_file: Path, directory: str, issues: Path, out_dir: Path, author: str) -> None:
    """Decide whether to open, update or close the drift issue, and write its text.

    Outputs: action (open, update, close or none), issue (the open issue's number),
    drifted (true/false), hash, artifact.
    """
    ci = _Runner.of(os.environ)
    plan = _load_plan(plan_file)
    found = runner.parse_all(runner.Issue, runner.read_pages(issues), issues)
    decision = decide_drift(
        plan, found, directory, author=author, commit=ci.commit, run_url=ci.run_url
    )
    if decision.action in (DriftAction.OPEN, DriftAction.UPDATE):
        payload = {"title": decision.title, "body": decision.body}
        runner.write_payload(out_dir / "issue.json", payload)
    elif decision.action is DriftAction.CLOSE:
        runner.write_payload(out_dir / "comment.json", {"body": decision.body})
    outputs = {
        "action": decision.action.value,
        "issue": "" if decision.issue is None else str(decision.issue),
        "drifted": "true" if plan.has_changes else "false",
        "hash": plan.hash,
        "artifact": artifact_name("scimform-drift", directory),
    }
    ci.report(outputs, decision.body or "### scimform drift\n\nNo drift.\n")
    if plan.has_changes:
        ci.annotate("warning", "scimform: drift", decision.title.replace("`", ""))
    click.echo(f"Drift issue: {decision.action.value}.")


@command.command("apply-report")
@click.option("--log", type=_FILE, required=True, help="What `scimform apply` printed.")
@click.option("--exit-code", type=int, required=True, help="`scimform apply`'s exit status.")
@click.option("--directory", required=True, help="The config directory applied.")
def apply_report(log: Path, exit_code: int, directory: str) -> None:
    """Put the apply's output in the job summary, and an error annotation on failure.

    Outputs: outcome (applied, failed or unsafe), artifact.
    """
    ci = _Runner.of(os.environ)
    text = log.read_text(encoding="utf-8", errors="replace")
    token = os.environ.get("SCIM_TOKEN", "")
    if token:
        # apply never prints the token; blank it anyway, as the summary is widely readable.
        text = text.replace(token, "[redacted]")
    if len(text) > _LOG_SHOWN:
        # The job summary holds 1 MiB; the full output stays in the job log.
        text = "… (the start is in the job log)\n" + text[-_LOG_SHOWN:]
    if text and not text.endswith("\n"):
        text += "\n"
    outcome = {0: "applied", 3: "unsafe"}.get(exit_code, "failed")
    verdict = {
        "applied": "Applied: every change was made (or there was nothing to do).",
        "unsafe": "Refused: the plan exceeds the safety thresholds; nothing was changed.",
        "failed": "Failed: the apply stopped or some changes failed; see below. Re-run the "
        "apply workflow once the cause is fixed: apply converges.",
    }[outcome]
    fence = "`" * max(3, _longest_backticks(text) + 1)
    summary = f"### scimform apply\n\n**{verdict}**\n\n{fence}\n{text}{fence}\n"
    ci.report({"outcome": outcome, "artifact": artifact_name("scimform-apply", directory)}, summary)
    if outcome != "applied":
        ci.annotate("error", "scimform apply", verdict)


def _longest_backticks(text: str) -> int:
    run = best = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        best = max(best, run)
    return best
