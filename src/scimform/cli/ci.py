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
from scimform.ci.drift import DriftAction, decide_drift, has_changes, merged_not_applied
from scimform.ci.facts import FACTS_VERSION, facts_hash, plan_facts
from scimform.ci.targets import (
    operator_urls,
    set_comment_body,
    set_facts,
    set_hash,
    set_outputs,
    set_summary_body,
)
from scimform.cli import ci_apply, ci_approvals, ci_audit, ci_since
from scimform.cli.ci_audit import pending_reviews
from scimform.cli.ci_runner import AUTHOR_HELP, FILE, OUT, Runner, load_plans
from scimform.config.loader import load_config
from scimform.config.schema import SETTINGS_FILE
from scimform.config.targets import select, settings_for
from scimform.destination import BadDestination, Endpoint, parse_endpoint, safe_label
from scimform.engine.plan import Plan
from scimform.errors import ScimformError

_DIR = click.Path(file_okay=False, path_type=Path)
_COMMIT_HELP = "The planned commit (the pull request's head); default: GITHUB_SHA."


@click.group("ci")
def command() -> None:
    """Steps of scimform's GitHub Actions workflows (see examples/github/)."""


for _command in (
    *ci_apply.COMMANDS,
    *ci_since.COMMANDS,
    *ci_audit.COMMANDS,
    *ci_approvals.COMMANDS,
):
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
    plan = load_plans(plan_file)
    facts = plan_facts(plan) if isinstance(plan, Plan) else set_facts(plan)
    reviewed = facts_hash(facts)
    if facts_out is not None:
        saved = {"version": FACTS_VERSION, "directory": directory, "facts": facts}
        runner.write_payload(facts_out, saved)
    where = Where(directory, commit or ci.commit, ci.run_id, ci.run_url)
    sensitive = _sensitive(directory)
    if isinstance(plan, Plan):
        body = comment_body(plan, where, reviewed, sensitive)
        summary, described = summary_body(plan, where, sensitive), plan_outputs(plan)
    else:
        body = set_comment_body(plan, where, reviewed, sensitive)
        summary, described = set_summary_body(plan, where, sensitive), set_outputs(plan)
    runner.write_payload(payload_out, {"body": body})
    outputs = dict(described) | {"reviewed": reviewed}
    outputs |= _comment_outputs(ci, comments, directory, author)
    ci.report(outputs, summary)
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
@click.option(
    "--target-url",
    default="",
    help="The operator's target (workflow input): a URL, or NAME=URL lines for several.",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="NAME",
    help="With several targets: the ones planned or applied (default: all).",
)
def check_target(directory: str, target_url: str, targets: tuple[str, ...]) -> None:
    """Refuse (exit 1) a config whose target.url is not the operator's target: a pull
    request cannot move the token to another endpoint. With several targets, each one
    planned or applied must have the URL the operator gives it (one NAME=URL line each)."""
    ci = Runner.of(os.environ)
    if not target_url.strip():
        _refuse(
            ci,
            "The workflow was given no target-url: set the repository variable "
            "SCIMFORM_TARGET_URL to the SCIM endpoint and pass it as `target-url`.",
        )
    loaded = load_config(Path(directory))
    try:
        names = select(loaded.target_names, targets)
        operator = operator_urls(target_url, names)
    except ScimformError as exc:
        _refuse(ci, f"The workflow's target-url or target input is unusable: {exc}")
    for name in names:
        _check_one(ci, directory, operator[name], settings_for(loaded.settings, name).target.url,
                   name if loaded.several_targets else None)  # fmt: skip


def _check_one(
    ci: Runner, directory: str, target_url: str, configured: str, name: str | None
) -> None:
    try:
        operator = parse_endpoint(target_url)
    except BadDestination as exc:
        _refuse(ci, f"The workflow's target-url input is unusable: {exc}")
    key = "target.url" if name is None else f"targets.{name}.url"
    try:
        same = _same(parse_endpoint(configured), operator)
    except BadDestination:
        same = False
    if not same:
        _refuse(
            ci,
            f"{key} in {directory}/scimform.yaml is not the target this workflow plans "
            f"against ({safe_label(target_url)}). The target comes from the operator (the "
            "workflow's target-url input, e.g. the repository variable SCIMFORM_TARGET_URL), "
            "never from a pull request, so nothing was planned and the SCIM token was not "
            f"used. Keep {key} as it is; to move to another endpoint, an operator changes "
            "the variable first.",
        )
    click.echo(f"{key} is the operator's target, {safe_label(target_url)}.")


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
    help="Where to write issue.json, comment.json (close) and observations.jsonl.",
)
@click.option("--author", default=runner.BOT, show_default=True, help=AUTHOR_HELP)
@click.option("--pulls", type=FILE, help="Recently closed pull requests (as for the apply).")
@click.option("--comments-dir", type=_DIR, help="N.json: #N's comments.")
@click.option("--reviews-dir", type=_DIR, help="N/reviewed.json: #N's saved facts.")
@click.option("--comment-author", default=runner.BOT, show_default=True, help="Of plan comments.")
def drift(
    plan_file: Path,
    directory: str,
    issues: Path,
    out_dir: Path,
    author: str,
    pulls: Path | None,
    comments_dir: Path | None,
    reviews_dir: Path | None,
    comment_author: str,
) -> None:
    """Decide whether to open, update or close the drift issue, and write its text, with
    its timeline; and this run's observations for the drift log (observations.jsonl).
    With --pulls, --comments-dir and --reviews-dir, a drifted item a pull request merged
    since the last successful apply showed is told apart as the config ahead of the store.

    Outputs: action (open, update, close or none), issue (the open issue's number),
    drifted (true/false), observed (true when there are observations), hash, artifact.
    """
    ci = Runner.of(os.environ)
    plan = load_plans(plan_file)
    found = runner.parse_all(runner.Issue, runner.read_pages(issues), issues)
    ahead = {}
    if pulls is not None and comments_dir is not None and reviews_dir is not None:
        ahead = merged_not_applied(
            pending_reviews(ci, pulls, comments_dir, reviews_dir, directory, comment_author)
        )
    decision = decide_drift(
        plan, found, directory, author=author, commit=ci.commit, run_url=ci.run_url, ahead=ahead
    )
    if decision.action in (DriftAction.OPEN, DriftAction.UPDATE):
        payload = {"title": decision.title, "body": decision.body}
        runner.write_payload(out_dir / "issue.json", payload)
    elif decision.action is DriftAction.CLOSE:
        runner.write_payload(out_dir / "comment.json", {"body": decision.body})
        closed = {"body": decision.final, "state": "closed", "state_reason": "completed"}
        runner.write_payload(out_dir / "issue.json", closed)
    lines = "".join(o.model_dump_json() + "\n" for o in decision.observations)
    if lines:
        (out_dir / "observations.jsonl").write_text(lines, encoding="utf-8")
    outputs = {
        "action": decision.action.value,
        "issue": "" if decision.issue is None else str(decision.issue),
        "drifted": "true" if has_changes(plan) else "false",
        "observed": "true" if lines else "false",
        "hash": plan.hash if isinstance(plan, Plan) else set_hash(plan),
        "artifact": artifact_name("scimform-drift", directory),
    }
    ci.report(outputs, decision.body or "### scimform drift\n\nNo drift.\n")
    if has_changes(plan):
        ci.annotate("warning", "scimform: drift", decision.title.replace("`", ""))
    if decision.problem:
        ci.annotate(
            "warning",
            "scimform: drift timeline",
            f"The drift issue's {decision.problem}; its timeline restarts now.",
        )
    click.echo(f"Drift issue: {decision.action.value}.")
