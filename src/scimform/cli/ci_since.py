"""`scimform ci` steps that choose what a workflow's plan is targeted against: the pull
request's base commit, or the last commit applied successfully (see ci.since).

Each prints the revision for `plan --changed-since` on stdout (nothing for a full plan) and
the reason on stderr, sets the step outputs `revision` and `reason`, and puts the reason in
the job summary.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from scimform.ci import runner
from scimform.ci.reviewed import merged_pulls
from scimform.ci.since import IsAncestor, Since, apply_since, pull_request_since
from scimform.cli.ci_runner import AUTHOR_HELP, FILE, Runner
from scimform.errors import ScimformError
from scimform.history.git import is_ancestor, open_repository

_DIR = click.Path(file_okay=False, path_type=Path)
_TARGETED_HELP = "The workflow's targeted-plan input: false plans in full."


def _ancestry(directory: Path) -> IsAncestor:
    """Whether a commit is in the history of the checkout holding `directory`."""
    try:
        repo = open_repository(directory)
    except ScimformError:
        return lambda commit: False
    return lambda commit: is_ancestor(repo, commit)


def _report(ci: Runner, since: Since) -> None:
    ci.report({"revision": since.revision or "", "reason": since.reason}, since.summary)
    if since.revision is not None:
        click.echo(since.revision)
    click.echo(("Targeted plan: " if since.revision else "Full plan: ") + since.reason, err=True)


@click.command("pull-request-base")
@click.option("--directory", required=True, type=_DIR, help="The config directory to plan.")
@click.option("--base", default="", help="The pull request's base commit (from the event).")
@click.option("--targeted", type=bool, default=True, show_default=True, help=_TARGETED_HELP)
def pull_request_base(directory: Path, base: str, targeted: bool) -> None:
    """Print the pull request's base commit to plan since, or nothing for a full plan
    (not a pull request, turned off, or the base not in the checked-out history).

    Outputs: revision (empty: a full plan), reason.
    """
    since = pull_request_since(base.strip(), targeted, _ancestry(directory))
    _report(Runner.of(os.environ), since)


@click.command("last-applied")
@click.option("--directory", required=True, help="The config directory to apply.")
@click.option("--pulls", type=FILE, required=True, help="The closed pull requests (`gh api`).")
@click.option("--comments-dir", type=_DIR, required=True, help="N.json: #N's comments.")
@click.option("--event", default="push", show_default=True, help="The run's GITHUB_EVENT_NAME.")
@click.option("--targeted", type=bool, default=True, show_default=True, help=_TARGETED_HELP)
@click.option("--author", default=runner.BOT, show_default=True, help=AUTHOR_HELP)
def last_applied(
    directory: str, pulls: Path, comments_dir: Path, event: str, targeted: bool, author: str
) -> None:
    """Print the last commit applied successfully, to plan the apply since, or nothing for
    a full plan (no successful apply known among the recently merged pull requests, not an
    ancestor of the commit applied, a run not started by a push, or turned off).

    Outputs: revision (empty: a full plan), reason.
    """
    ci = Runner.of(os.environ)
    found = runner.parse_all(runner.PullRequest, runner.read_pages(pulls), pulls)
    merged = merged_pulls(found)
    said = {p.number: _comments(comments_dir, p.number) for p in merged}
    since = apply_since(
        merged,
        said,
        directory,
        author,
        head=ci.commit,
        event=event,
        enabled=targeted,
        is_ancestor=_ancestry(Path(directory)),
    )
    _report(ci, since)


def _comments(folder: Path, number: int) -> list[runner.Comment]:
    path = folder / f"{number}.json"
    if not path.is_file():
        return []
    return runner.parse_all(runner.Comment, runner.read_pages(path), path)


COMMANDS = (pull_request_base, last_applied)
