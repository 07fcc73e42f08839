"""`scimform ci` steps of the apply workflow: which merged pull requests are pending, whether
their reviews cover the merge plan, and what to say on each of them afterwards."""

from __future__ import annotations

import os
from pathlib import Path

import click

from scimform.ci import runner
from scimform.ci.comment import artifact_name
from scimform.ci.facts import plan_facts
from scimform.ci.outcome import outcome_body
from scimform.ci.reviewed import (
    check_reviewed,
    merged_pulls,
    pending_pulls,
    read_review,
)
from scimform.ci.targets import set_facts, set_hash
from scimform.cli.ci_runner import AUTHOR_HELP, FILE, Runner, load_plans, longest_backticks
from scimform.engine.plan import Plan

_DIR = click.Path(file_okay=False, path_type=Path)
_LOG_SHOWN = 200_000
_PULLS_HELP = "`gh api repos/R/pulls?state=closed&base=BRANCH&sort=updated&direction=desc`."


def _merged(pulls: Path) -> list[runner.PullRequest]:
    return merged_pulls(runner.parse_all(runner.PullRequest, runner.read_pages(pulls), pulls))


def _comments(folder: Path, number: int) -> list[runner.Comment]:
    path = folder / f"{number}.json"
    if not path.is_file():
        return []
    return runner.parse_all(runner.Comment, runner.read_pages(path), path)


def _numbers(text: str) -> list[int]:
    try:
        return [int(n) for n in text.replace(",", " ").split()]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a list of pull request numbers") from None


@click.command("merged-pulls")
@click.option("--pulls", type=FILE, required=True, help=_PULLS_HELP)
def merged_pulls_command(pulls: Path) -> None:
    """Print the numbers of the most recently merged pull requests, one a line."""
    for pull in _merged(pulls):
        click.echo(str(pull.number))


_TARGET = click.option(
    "--target",
    default="",
    metavar="NAME",
    help="With several targets: the target this apply is for (its applies are followed "
    "apart from the others').",
)


@click.command("pending-reviews")
@click.option("--pulls", type=FILE, required=True, help=_PULLS_HELP)
@click.option("--comments-dir", type=_DIR, required=True, help="N.json: #N's comments.")
@click.option("--directory", required=True, help="The config directory to apply.")
@click.option("--author", default=runner.BOT, show_default=True, help=AUTHOR_HELP)
@_TARGET
def pending_reviews(
    pulls: Path, comments_dir: Path, directory: str, author: str, target: str
) -> None:
    """Print `NUMBER RUN` for each pull request merged since the last successful apply
    whose plan comment names the run that saved its plan (download its artifact).

    Outputs: pending (the numbers, oldest first), artifact (the plan artifacts' name).
    """
    ci = Runner.of(os.environ)
    merged = _merged(pulls)
    said = {p.number: _comments(comments_dir, p.number) for p in merged}
    pending = pending_pulls(merged, said, directory, author, ci.commit, target or None)
    for pull in pending:
        if pull.marker is not None and pull.marker.reviewed and pull.marker.run:
            click.echo(f"{pull.number} {pull.marker.run}")
    outputs = {
        "pending": " ".join(str(p.number) for p in pending),
        "artifact": artifact_name("scimform-plan", directory),
    }
    ci.report(outputs)


@click.command("check-reviewed")
@click.option("--plan", "plan_file", type=FILE, required=True, help="The plan to apply.")
@click.option("--directory", required=True, help="The config directory the plan is for.")
@click.option("--pulls", type=FILE, required=True, help=_PULLS_HELP)
@click.option("--comments-dir", type=_DIR, required=True, help="N.json: #N's comments.")
@click.option("--reviews-dir", type=_DIR, required=True, help="N/reviewed.json: #N's facts.")
@click.option("--allow-unreviewed", is_flag=True, help="Only warn about unreviewed changes.")
@click.option("--author", default=runner.BOT, show_default=True, help=AUTHOR_HELP)
def check_reviewed_command(
    plan_file: Path,
    directory: str,
    pulls: Path,
    comments_dir: Path,
    reviews_dir: Path,
    allow_unreviewed: bool,
    author: str,
) -> None:
    """Refuse (exit 1) a plan with a change that no pull request merged since the last
    successful apply showed; the job summary lists exactly those changes.

    Outputs: pull-requests (the pending ones, covered or not), reviewed (true when every
    change was shown), hash.
    """
    ci = Runner.of(os.environ)
    plan = load_plans(plan_file)
    merged = _merged(pulls)
    said = {p.number: _comments(comments_dir, p.number) for p in merged}
    pending = pending_pulls(merged, said, directory, author, ci.commit)
    reviews = [read_review(p, _saved(reviews_dir, p.number)) for p in pending]
    facts = plan_facts(plan) if isinstance(plan, Plan) else set_facts(plan)
    check = check_reviewed(facts, reviews, directory, allow_unreviewed=allow_unreviewed)
    problems = "".join(f"- {p}\n" for p in check.problems)
    summary = f"### scimform apply\n\n{check.message}\n\n{check.report}"
    summary += f"\nPull requests whose review was not counted:\n\n{problems}" if problems else ""
    outputs = {
        "pull-requests": " ".join(str(p.number) for p in pending),
        "reviewed": "false" if check.unreviewed else "true",
        "hash": plan.hash if isinstance(plan, Plan) else set_hash(plan),
    }
    ci.report(outputs, summary)
    if not check.ok:
        ci.annotate("error", "scimform: unreviewed changes", check.message)
        raise click.exceptions.Exit(1)
    if check.unreviewed:
        ci.annotate("warning", "scimform: unreviewed changes", check.message)
    click.echo(check.message)


def _saved(folder: Path, number: int) -> str | None:
    path = folder / str(number) / "reviewed.json"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


@click.command("apply-report")
@click.option("--log", type=FILE, required=True, help="What `scimform apply` printed.")
@click.option("--exit-code", type=int, required=True, help="`scimform apply`'s exit status.")
@click.option("--directory", required=True, help="The config directory applied.")
@click.option("--pull-requests", default="", help="The merged pull requests applied.")
@click.option("--outcomes-dir", type=_DIR, help="Where to write N.json, #N's outcome comment.")
@_TARGET
def apply_report(
    log: Path,
    exit_code: int,
    directory: str,
    pull_requests: str,
    outcomes_dir: Path | None,
    target: str,
) -> None:
    """Put the apply's output in the job summary, an error annotation on failure, and the
    outcome comment for each pull request applied in --outcomes-dir.

    Outputs: outcome (applied, failed or unsafe), artifact.
    """
    ci = Runner.of(os.environ)
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
    fence = "`" * max(3, longest_backticks(text) + 1)
    summary = f"### scimform apply\n\n**{verdict}**\n\n{fence}\n{text}{fence}\n"
    if outcomes_dir is not None:
        said = "skipped" if outcome == "unsafe" else outcome
        numbers = _numbers(pull_requests)
        _write_outcomes(ci, outcomes_dir, directory, said, numbers, verdict, target)
    ci.report({"outcome": outcome, "artifact": _apply_artifact(directory, target)}, summary)
    if outcome != "applied":
        ci.annotate("error", "scimform apply", verdict)


@click.command("outcome-comments")
@click.option("--directory", required=True, help="The config directory.")
@click.option("--outcome", type=click.Choice(["applied", "failed", "skipped"]), required=True)
@click.option("--pull-requests", default="", help="The merged pull requests it concerns.")
@click.option("--outcomes-dir", type=_DIR, required=True, help="Where to write N.json.")
@click.option("--detail", default="", help="A line of explanation.")
@_TARGET
def outcome_comments(
    directory: str, outcome: str, pull_requests: str, outcomes_dir: Path, detail: str, target: str
) -> None:
    """Write the outcome comment for each pull request (e.g. `skipped` when the apply was
    refused before it began). Outputs: artifact."""
    ci = Runner.of(os.environ)
    numbers = _numbers(pull_requests)
    _write_outcomes(ci, outcomes_dir, directory, outcome, numbers, detail, target)
    ci.report({"artifact": _apply_artifact(directory, target)})


def _apply_artifact(directory: str, target: str) -> str:
    """The apply's artifact name: one per target, as each target's job uploads its own."""
    return artifact_name("scimform-apply", directory) + (f"-{target}" if target else "")


def _write_outcomes(
    ci: Runner,
    folder: Path,
    directory: str,
    outcome: str,
    pulls: list[int],
    detail: str,
    target: str = "",
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in pulls:
        body = outcome_body(
            directory, outcome, commit=ci.commit, pulls=pulls, run_url=ci.run_url,
            detail=detail, target=target or None,
        )  # fmt: skip
        runner.write_payload(folder / f"{number}.json", {"body": body})


COMMANDS = (
    merged_pulls_command,
    pending_reviews,
    check_reviewed_command,
    apply_report,
    outcome_comments,
)
