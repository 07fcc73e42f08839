"""`scimform ci`: the steps of scimform's GitHub Actions workflows that are not `plan` or
`apply` themselves.

Each command reads files the workflow saved (a plan from `scimform plan --out`, GitHub's
answers from `gh api`), writes the files the workflow posts with `gh api --input`, and
reports to the runner through `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` (skipped when
unset, so the commands also run outside Actions). None of them talks to GitHub or the store.
This module holds the pull-request side; cli.ci_apply the apply side.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from scimform.ci import runner
from scimform.ci.comment import (
    Where,
    artifact_name,
    comment_body,
    failure_body,
    find_plan_comment,
    fork_body,
    plan_outputs,
    summary_body,
)
from scimform.ci.drift import DriftAction, decide_drift
from scimform.ci.facts import FACTS_VERSION, facts_hash, plan_facts
from scimform.cli import ci_apply, ci_approvals, ci_since
from scimform.cli.ci_runner import AUTHOR_HELP, FILE, OUT, Runner, load_plan
from scimform.config.loader import load_config
from scimform.config.schema import SETTINGS_FILE
from scimform.destination import BadDestination, Endpoint, parse_endpoint, safe_label

_COMMIT_HELP = "The planned commit (the pull request's head); default: GITHUB_SHA."


@click.group("ci")
def command() -> None:
    """Steps of scimform's GitHub Actions workflows (see examples/github/)."""


for _command in (*ci_apply.COMMANDS, *ci_since.COMMANDS, *ci_approvals.COMMANDS):
    command.add_command(_command)


def _comment_outputs(ci: Runner, comments: Path, directory: str, author: str) -> dict[str, str]:
    found = runner.parse_all(runner.Comment, runner.read_pages(comments), comments)
    existing = find_plan_comment(found, directory, author)
    pull = ci.pull_request()
    return {
        "comment-id": "" if existing is None else str(existing.id),
        "pull-request": "" if pull is None else str(pull),
        "artifact": artifact_name("scimform-plan", directory),
    }


def _sensitive(directory: str) -> frozenset[str]:
    """The groups the config marks `sensitive: true` (none without a scimform.yaml)."""
    if not (Path(directory) / SETTINGS_FILE).is_file():
        return frozenset()
    groups = load_config(Path(directory)).desired.groups
    return frozenset(g.display_name for g in groups if g.sensitive)


@command.command("plan-comment")
@click.option("--plan", "plan_file", type=FILE, required=True, help="From `plan --out`.")
@click.option("--directory", required=True, help="The config directory the plan is for.")
@click.option("--comments", type=FILE, required=True, help="The PR's comments (`gh api`).")
@click.option("--payload-out", type=OUT, required=True, help="Where to write the comment.")
@click.option("--facts-out", type=OUT, help="Where to save the plan's reviewed facts.")
@click.option("--commit", default="", help=_COMMIT_HELP)
@click.option("--author", default=runner.BOT, show_default=True, help=AUTHOR_HELP)
def plan_comment(
    plan_file: Path,
    directory: str,
    comments: Path,
    payload_out: Path,
    facts_out: Path | None,
    commit: str,
    author: str,
) -> None:
    """Write the pull-request comment for a plan (and its facts), and say which comment
    to edit. The job summary gets the whole plan, up to GitHub's 1 MiB.

    Outputs: hash, exit-code (0/2/3 as `plan`), has-changes, safe, destroys, reviewed
    (the facts' hash), comment-id (empty: post a new comment), pull-request, artifact.
    """
    ci = Runner.of(os.environ)
    plan = load_plan(plan_file)
    facts = plan_facts(plan)
    reviewed = facts_hash(facts)
    if facts_out is not None:
        saved = {"version": FACTS_VERSION, "directory": directory, "facts": facts}
        runner.write_payload(facts_out, saved)
    where = Where(directory, commit or ci.commit, ci.run_id, ci.run_url)
    sensitive = _sensitive(directory)
    body = comment_body(plan, where, reviewed, sensitive)
    runner.write_payload(payload_out, {"body": body})
    outputs = dict(plan_outputs(plan)) | {"reviewed": reviewed}
    outputs |= _comment_outputs(ci, comments, directory, author)
    ci.report(outputs, summary_body(plan, where, sensitive))
    verb = f"edit comment {outputs['comment-id']}" if outputs["comment-id"] else "post a new one"
    click.echo(f"Wrote the plan comment to {payload_out} ({len(body)} characters); {verb}.")


@command.command("failure-comment")
@click.option("--directory", required=True, help="The config directory that was planned.")
@click.option("--comments", type=FILE, required=True, help="The PR's comments (`gh api`).")
@click.option("--payload-out", type=OUT, required=True, help="Where to write the comment.")
@click.option("--stage", required=True, help="What failed, e.g. `validation`.")
@click.option("--log", "logs", type=click.Path(path_type=Path), multiple=True, help="Output.")
@click.option("--commit", default="", help=_COMMIT_HELP)
@click.option("--author", default=runner.BOT, show_default=True, help=AUTHOR_HELP)
def failure_comment(
    directory: str,
    comments: Path,
    payload_out: Path,
    stage: str,
    logs: tuple[Path, ...],
    commit: str,
    author: str,
) -> None:
    """Write the comment that replaces the plan when planning failed: the stage and its
    output (logs that do not exist are skipped). Outputs: comment-id, pull-request,
    artifact."""
    ci = Runner.of(os.environ)
    text = "".join(p.read_text("utf-8", errors="replace") for p in logs if p.is_file())
    token = os.environ.get("SCIM_TOKEN", "")
    if token:
        text = text.replace(token, "[redacted]")
    where = Where(directory, commit or ci.commit, ci.run_id, ci.run_url)
    body = failure_body(where, stage, text)
    runner.write_payload(payload_out, {"body": body})
    ci.report(_comment_outputs(ci, comments, directory, author), body)
    ci.annotate("error", "scimform plan", f"The {stage} failed; the plan comment says why.")


@command.command("fork-comment")
@click.option("--directory", required=True, help="The config directory.")
@click.option("--comments", type=FILE, required=True, help="The PR's comments (`gh api`).")
@click.option("--payload-out", type=OUT, required=True, help="Where to write the comment.")
@click.option("--author", default=runner.BOT, show_default=True, help=AUTHOR_HELP)
def fork_comment(directory: str, comments: Path, payload_out: Path, author: str) -> None:
    """Write the comment that explains why a pull request from a fork is not planned.
    Outputs: comment-id, pull-request, artifact."""
    ci = Runner.of(os.environ)
    body = fork_body(directory)
    runner.write_payload(payload_out, {"body": body})
    ci.report(_comment_outputs(ci, comments, directory, author), body)
    ci.annotate("notice", "scimform plan", "Pull requests from forks are not planned.")


@command.command("check-target")
@click.option("--directory", required=True, help="The config directory.")
@click.option("--target-url", default="", help="The operator's target (workflow input).")
def check_target(directory: str, target_url: str) -> None:
    """Refuse (exit 1) a config whose target.url is not the operator's target: a pull
    request cannot move the token to another endpoint."""
    ci = Runner.of(os.environ)
    if not target_url.strip():
        _refuse(
            ci,
            "The workflow was given no target-url: set the repository variable "
            "SCIMFORM_TARGET_URL to the SCIM endpoint and pass it as `target-url`.",
        )
    try:
        operator = parse_endpoint(target_url)
    except BadDestination as exc:
        _refuse(ci, f"The workflow's target-url input is unusable: {exc}")
    configured = load_config(Path(directory)).settings.target.url
    try:
        same = _same(parse_endpoint(configured), operator)
    except BadDestination:
        same = False
    if not same:
        _refuse(
            ci,
            f"target.url in {directory}/scimform.yaml is not the target this workflow plans "
            f"against ({safe_label(target_url)}). The target comes from the operator (the "
            "workflow's target-url input, e.g. the repository variable SCIMFORM_TARGET_URL), "
            "never from a pull request, so nothing was planned and the SCIM token was not "
            "used. Keep target.url as it is; to move to another endpoint, an operator changes "
            "the variable first.",
        )
    click.echo(f"target.url is the operator's target, {safe_label(target_url)}.")


def _same(a: Endpoint, b: Endpoint) -> bool:
    def key(e: Endpoint) -> tuple[str, str, int | None, str]:
        return (e.scheme, e.host.rstrip("."), e.port, e.path.rstrip("/"))

    return key(a) == key(b)


def _refuse(ci: Runner, message: str) -> None:
    ci.annotate("error", "scimform: target", message)
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)


@command.command("drift")
@click.option("--plan", "plan_file", type=FILE, required=True, help="From `plan --out`.")
@click.option("--directory", required=True, help="The config directory the plan is for.")
@click.option("--issues", type=FILE, required=True, help="The open issues (`gh api`).")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Where to write issue.json (open, update) or comment.json (close).",
)
@click.option("--author", default=runner.BOT, show_default=True, help=AUTHOR_HELP)
def drift(plan_file: Path, directory: str, issues: Path, out_dir: Path, author: str) -> None:
    """Decide whether to open, update or close the drift issue, and write its text.

    Outputs: action (open, update, close or none), issue (the open issue's number),
    drifted (true/false), hash, artifact.
    """
    ci = Runner.of(os.environ)
    plan = load_plan(plan_file)
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
