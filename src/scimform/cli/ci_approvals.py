"""`scimform ci` steps of the approval policy: check a pull request's approvals (the plan
workflow's approvals job), put the result in its plan comment, and re-check every merged
pull request before an apply (the apply workflow's gather job). None of them needs or
sees the SCIM token: the policy is computed from the config at two commits and GitHub's
answers saved by `gh api`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from scimform.approvals.check import ApprovalCheck, check_pull_request
from scimform.approvals.reviews import PullRequestHead, Review, approvals
from scimform.ci import runner
from scimform.ci.approvals_comment import with_section
from scimform.ci.comment import artifact_name, find_plan_comment
from scimform.cli.ci_runner import AUTHOR_HELP, FILE, OUT, Runner
from scimform.errors import ScimformError
from scimform.render.approvals import approvals_markdown

_DIR = click.Path(file_okay=False, path_type=Path)
_TITLE = "scimform approvals"


def read_pull(path: Path) -> PullRequestHead:
    """The pull request `gh api repos/R/pulls/N` saved at `path`."""
    found = runner.parse_all(PullRequestHead, runner.read_pages(path), path)
    if len(found) != 1:
        raise ScimformError(
            f"{path} holds {len(found)} pull requests; save one: gh api .../pulls/N"
        )
    return found[0]


def read_reviews(path: Path) -> list[Review]:
    """The reviews `gh api --paginate repos/R/pulls/N/reviews` saved at `path`."""
    return runner.parse_all(Review, runner.read_pages(path), path)


def _failed(title: str, problem: str) -> str:
    return f"{title}\n\n**The approvals check could not run, so it fails:** {problem}\n"


@click.command("check-approvals")
@click.option("--directory", required=True, help="The config directory.")
@click.option("--pull", "pull_file", type=FILE, required=True, help="`gh api repos/R/pulls/N`.")
@click.option("--reviews", type=FILE, required=True, help="`gh api --paginate .../N/reviews`.")
@click.option("--base", default="", help="The base commit; default: the pull request's.")
@click.option("--head", default="", help="The head commit; default: the pull request's.")
@click.option("--section-out", type=OUT, help="Where to write the report (markdown).")
def check_approvals(
    directory: str, pull_file: Path, reviews: Path, base: str, head: str, section_out: Path | None
) -> None:
    """Check that each access change of a pull request has the approvals the policy asks
    (README, "Approvals"); exit 1 when one lacks any. The changes are those from the config
    where the head branched off the base to the config at the head; approvals count on
    the pull request's head commit.

    Outputs: met (true/false), unmet (the number of changes lacking approval).
    """
    ci = Runner.of(os.environ)
    pull = read_pull(pull_file)
    try:
        check = check_pull_request(
            Path(directory),
            pull,
            read_reviews(reviews),
            base or pull.base.sha,
            head or pull.head.sha,
        )
    except ScimformError as exc:
        failed = _failed(f"### {_TITLE}: `{directory}`", str(exc))
        _write(section_out, failed)
        ci.report({"met": "false", "unmet": ""}, failed)
        ci.annotate("error", _TITLE, f"The approvals check could not run: {exc}")
        raise click.exceptions.Exit(1) from None
    section = approvals_markdown(check, directory)
    _write(section_out, section)
    ci.report({"met": _flag(check.met), "unmet": str(len(check.unmet))}, section)
    _conclude(ci, check)


def _conclude(ci: Runner, check: ApprovalCheck) -> None:
    if check.met:
        click.echo(f"Approvals met for #{check.number}: {len(check.verdicts)} access change(s).")
        return
    for verdict in check.unmet:
        click.echo(f"Lacking approval: {verdict.change.describe()}: {'; '.join(verdict.missing)}")
    ci.annotate(
        "error",
        _TITLE,
        f"{len(check.unmet)} access change(s) of #{check.number} lack approval; the job summary "
        "lists them.",
    )
    raise click.exceptions.Exit(1)


def _write(path: Path | None, text: str) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ScimformError(f"cannot write {path}: {exc.strerror or exc}") from None


def _flag(value: bool) -> str:
    return "true" if value else "false"


@click.command("approvals-comment")
@click.option("--directory", required=True, help="The config directory.")
@click.option("--section", type=FILE, required=True, help="From check-approvals --section-out.")
@click.option("--comments", type=FILE, required=True, help="The PR's comments (`gh api`).")
@click.option(
    "--plan-comment",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The plan job's comment payload, when the plan ran (else the posted comment is used).",
)
@click.option("--payload-out", type=OUT, required=True, help="Where to write the comment.")
@click.option("--author", default=runner.BOT, show_default=True, help=AUTHOR_HELP)
def approvals_comment(
    directory: str,
    section: Path,
    comments: Path,
    plan_comment: Path | None,
    payload_out: Path,
    author: str,
) -> None:
    """Put the approvals report into the plan comment: the one the plan job just wrote, or
    (on a review, when no plan ran) the one on the pull request.

    Outputs: post (true when there is a comment to post or edit), comment-id (empty: post
    a new one), pull-request, artifact.
    """
    ci = Runner.of(os.environ)
    report = section.read_text(encoding="utf-8")
    said = runner.parse_all(runner.Comment, runner.read_pages(comments), comments)
    existing = find_plan_comment(said, directory, author)
    body = None
    if plan_comment is not None and plan_comment.is_file():
        body = _body(plan_comment)
    elif existing is not None:
        body = existing.body or ""
    pull = ci.pull_request()
    outputs = {
        "post": _flag(body is not None and pull is not None),
        "comment-id": "" if existing is None else str(existing.id),
        "pull-request": "" if pull is None else str(pull),
        "artifact": artifact_name("scimform-approvals", directory),
    }
    if body is not None:
        runner.write_payload(payload_out, {"body": with_section(body, report, _short(report))})
    ci.report(outputs)
    click.echo("Wrote the plan comment with the approvals." if body else "No plan comment yet.")


def _body(path: Path) -> str:
    """The body of the comment payload the plan job wrote."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        return str(payload["body"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ScimformError(f'{path} is not a comment payload ({{"body": ...}})') from None


def _short(report: str) -> str:
    """The report's title and verdict alone, for a comment with no room for more."""
    head = "\n\n".join(report.split("\n\n")[:2])
    return f"{head}\n\nEach change is listed in the approvals check's job summary.\n"


@click.command("check-merged-approvals")
@click.option("--directory", required=True, help="The config directory to apply.")
@click.option("--pending", default="", help="The merged pull requests to apply, oldest first.")
@click.option("--answers-dir", type=_DIR, required=True, help="N.json and N-reviews.json.")
@click.option("--pull-requests-out", type=OUT, required=True, help="For apply --pull-requests.")
@click.option("--skip-check", is_flag=True, help="Record approvers, but do not enforce.")
@click.option("--target", default="", help="With several targets: the target this apply is for.")
def check_merged_approvals(
    directory: str,
    pending: str,
    answers_dir: Path,
    pull_requests_out: Path,
    skip_check: bool,
    target: str,
) -> None:
    """Re-check the approval policy of each merged pull request about to be applied (the
    change its merge commit made), and write them with their approvers for the audit
    record. Exit 1 when one's policy was not met.

    Outputs: met (true/false), unmet (the numbers whose policy was not met), artifact
    (the name to upload what the apply job needs under).
    """
    ci = Runner.of(os.environ)
    if not all(n.isdigit() for n in pending.split()):
        raise click.BadParameter(f"{pending!r} is not a list of pull request numbers")
    numbers = [int(n) for n in pending.split()]
    records, parts, failed = [], ["### scimform apply: approvals", ""], []
    for number in numbers:
        pull = read_pull(answers_dir / f"{number}.json")
        reviews = read_reviews(answers_dir / f"{number}-reviews.json")
        approved = approvals(reviews, pull.head.sha, pull.user.login)
        records.append(_record(pull, approved.counted))
        if skip_check:
            continue
        part, met = _merged_check(directory, pull, reviews)
        parts.append(part)
        if not met:
            failed.append(number)
    _write(pull_requests_out, json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    # One per target: a caller applying each target in its own job uploads each apart.
    artifact = artifact_name("scimform-gather", directory) + (f"-{target}" if target else "")
    _conclude_merged(ci, numbers, parts, failed, skip_check, artifact)


def _merged_check(directory: str, pull: PullRequestHead, reviews: list[Review]) -> tuple[str, bool]:
    merge = pull.merge_commit_sha
    try:
        if not merge:
            raise ScimformError(f"#{pull.number} has no merge commit")
        check = check_pull_request(Path(directory), pull, reviews, f"{merge}^1", merge)
    except ScimformError as exc:
        return _failed(f"#### #{pull.number} by @{pull.user.login}", str(exc)), False
    text = approvals_markdown(check, directory, heading="####")
    title = f"#### {_TITLE}: `{directory}`"
    return text.replace(title, f"#### #{pull.number} by @{pull.user.login}", 1), check.met


def _record(pull: PullRequestHead, approvers: tuple[str, ...]) -> dict[str, object]:
    return {
        "number": pull.number,
        "url": pull.html_url,
        "title": pull.title,
        "author": pull.user.login,
        "merged_by": pull.merged_by.login if pull.merged_by else None,
        "merged_at": pull.merged_at,
        "approvers": list(approvers),
    }


def _conclude_merged(
    ci: Runner,
    numbers: list[int],
    parts: list[str],
    failed: list[int],
    skip_check: bool,
    artifact: str,
) -> None:
    listed = ", ".join(f"#{n}" for n in numbers) or "none"
    if skip_check:
        message = (
            f"The approval policy was not checked (require-approvals is off) for the merged "
            f"pull requests {listed}; their approvers are recorded."
        )
        summary = f"### scimform apply: approvals\n\n{message}\n"
        ci.report({"met": "true", "unmet": "", "artifact": artifact}, summary)
        ci.annotate("warning", _TITLE, message)
        return
    summary = "\n".join(parts)
    unmet = " ".join(map(str, failed))
    ci.report({"met": _flag(not failed), "unmet": unmet, "artifact": artifact}, summary)
    if failed:
        shown = ", ".join(f"#{n}" for n in failed)
        message = (
            f"Apply refused: the approval policy was not met by {shown}; nothing was applied. "
            "The job summary lists each change that lacked approval."
        )
        ci.annotate("error", _TITLE, message)
        click.echo(message, err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"The approval policy was met by every merged pull request applied: {listed}.")


COMMANDS = (check_approvals, approvals_comment, check_merged_approvals)
