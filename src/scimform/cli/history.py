"""`scimform history`: every change to a user or group, from the git log of the config.

Changes are read from the default branch's first-parent history (a merged pull request is
one step, its branch's work in progress unseen) unless `--all-commits` is given. Dates are
when a change landed there (the commit date of the first-parent commit that brought it in,
UTC); the author date is kept beside it in JSON and CSV. Where the audit trail knows them,
each change carries its pull request's approvers and merger and when it was applied, and
the flags of review.attribution (self-granted, direct push, applied without review).

Text output: one line per change, in the order the commits landed:
`2026-03-02  a1b2c3d  #42  Jane Doe  platform-admins: + member alice@corp.example`
(landing date, short sha of the commit that made it, pull request or "-", author, then
what changed, then what the audit trail adds and the flags in brackets).

JSON output (`--format json`):
{"version": 2, "directory": str, "user": str|null, "group": str|null, "since": str|null,
 "until": str|null, "commits": int, "changes": [{"date": ISO 8601 landing date (UTC),
 "authored": ISO 8601 author date, "landed_commit": sha, "commit": sha, "short": str,
 "author": str, "email": str, "pr": int|null, "merge": sha|null, "subject": "user"|"group"|
 "config", "name": str, "action": "created"|"deleted"|"updated"|"member-added"|
 "member-removed"|"unloadable", "field": str|null, "before": value, "after": value,
 "member": str|null, "problem": str|null, "text": str, "approvers": [str],
 "merged_by": str|null, "pr_url": str|null, "applied": ISO 8601|null,
 "apply_outcome": str|null, "flags": [str], "targets": [str] (only with several targets,
 for a change that does not reach every one of them)}]}
CSV output (`--format csv`): the columns of review.tables.CHANGE_HEADER.

Messages (no history, did you mean) go to standard error. Exit status: 0 when the history
was read (even when it holds no changes in the days asked for), 1 for an error (not a git
repository, git missing) or a --user or --group name that never appears in the history
(probably a typo: the message suggests the closest names that do).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from scimform.cli import options
from scimform.config.loader import settings_in
from scimform.config.targets import select as select_targets
from scimform.history.query import Answer, select
from scimform.history.timeline import Entry, History, read_history
from scimform.history.window import window
from scimform.history.wording import describe
from scimform.review.attribution import Attributed, attribute
from scimform.review.sources import audit_applies
from scimform.review.tables import CHANGE_HEADER, change_row, csv_text, when

JSON_VERSION = 2


@click.command("history")
@options.DIRECTORY
@click.option("--user", metavar="NAME", help="Only this user (userName or externalId).")
@click.option("--group", metavar="NAME", help="Only this group, under any of its names.")
@click.option(
    "--since",
    metavar="DATE|REV",
    help="Only changes that landed this day (UTC) or later, or after this revision.",
)
@click.option(
    "--until",
    metavar="DATE|REV",
    help="Only changes that landed this day (UTC) or earlier, or up to this revision.",
)
@click.option(
    "--all-commits",
    is_flag=True,
    help="Every commit's own changes, branch commits too (default: the default branch's "
    "first-parent history, a merge as one step).",
)
@click.option(
    "--target",
    metavar="NAME",
    help="With several targets: only the changes that reach this one.",
)
@options.AUDIT_LOG
@options.TABLE_FORMAT
def command(
    directory: Path,
    user: str | None,
    group: str | None,
    since: str | None,
    until: str | None,
    all_commits: bool,
    target: str | None,
    audit_log_path: Path | None,
    output: str,
) -> None:
    """Show who changed which user or group, when, and in which pull request.

    Reads the git history of the config in DIRECTORY (default: the current directory):
    every change to a user's attributes and group memberships, and to a group's members,
    with the commit, its author and date, and the pull request that landed it. Renames are
    followed: a group's history includes its history under former names (`previously:`).
    With several targets, a change that does not reach every target names the targets it
    reaches.
    """
    if user is not None and group is not None:
        raise click.UsageError("give --user or --group, not both")
    if target is not None:
        select_targets(settings_in(directory).target_names, (target,))
    history = read_history(directory, all_commits=all_commits)
    answer = select(history, user=user, group=group)
    kept = window(directory, history, since, until).keep(answer.entries, history)
    if target is not None:
        kept = tuple(e for e in kept if e.event.targets is None or target in e.event.targets)
    answer = Answer(kept, answer.known, answer.suggestions)
    items = attribute(answer.entries, audit_applies(directory, audit_log_path))
    if output == "json":
        click.echo(json_report(history, answer, user, group, since, until, items), nl=False)
    elif output == "csv":
        click.echo(csv_text(CHANGE_HEADER, map(change_row, items)), nl=False)
    else:
        click.echo(text_report(answer.entries, items), nl=False)
    message = _message(history, answer, user, group, since)
    if message:
        click.echo(message, err=True)
    if not answer.known and history.commits:
        raise click.exceptions.Exit(1)


def _message(
    history: History, answer: Answer, user: str | None, group: str | None, since: str | None
) -> str | None:
    if history.commits == 0:
        return "no history: the repository has no commits yet"
    if not answer.known:
        kind, name = ("user", user) if user is not None else ("group", group)
        hint = " or ".join(f'"{s}"' for s in answer.suggestions)
        maybe = f"; did you mean {hint}?" if hint else f" ({history.commits} commits read)"
        return f'no history for {kind} "{name}" in {history.directory}{maybe}'
    if not answer.entries:
        after = f" since {since}" if since is not None else ""
        return f"no changes to {history.directory}{after} in {history.commits} commits"
    return None


def text_report(entries: tuple[Entry, ...], items: list[Attributed] | None = None) -> str:
    """One line per entry, the pull request and author columns aligned; what the audit
    trail adds (`items`, one per entry) at the end of each line."""
    prs = [f"#{e.pr}" if e.pr is not None else "-" for e in entries]
    pr_width = max(map(len, prs), default=0)
    author_width = max((len(e.commit.author) for e in entries), default=0)
    extras = [_extra(item) for item in items] if items is not None else [""] * len(entries)
    lines = [
        f"{e.landed.date().isoformat()}  {e.commit.short}  {pr:<{pr_width}}  "
        f"{e.commit.author:<{author_width}}  {describe(e.event)}{extra}"
        for e, pr, extra in zip(entries, prs, extras, strict=True)
    ]
    return "".join(line + "\n" for line in lines)


def _extra(item: Attributed) -> str:
    parts = []
    if item.pull is not None:
        parts.append(f"approved by {', '.join(item.approvers) or 'nobody'}")
    if item.applied is not None:
        parts.append(f"applied {when(item.applied.time)} {item.applied.outcome}")
    text = f"  ({'; '.join(parts)})" if parts else ""
    return text + "".join(f"  [{flag}]" for flag in item.flags)


def json_report(
    history: History,
    answer: Answer,
    user: str | None,
    group: str | None,
    since: str | None,
    until: str | None = None,
    items: list[Attributed] | None = None,
) -> str:
    """The JSON shape described in the module doc."""
    body: dict[str, Any] = {
        "version": JSON_VERSION,
        "directory": history.directory,
        "user": user,
        "group": group,
        "since": since,
        "until": until,
        "commits": history.commits,
        "changes": [_as_json(i) for i in items or attribute(answer.entries, ())],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _as_json(item: Attributed) -> dict[str, Any]:
    entry, pull, applied = item.entry, item.pull, item.applied
    commit, event = entry.commit, entry.event
    return {
        "date": entry.landed.isoformat(),
        "authored": commit.date,
        "landed_commit": entry.landed_by.sha,
        "commit": commit.sha,
        "short": commit.short,
        "author": commit.author,
        "email": commit.email,
        "pr": entry.pr,
        "merge": entry.merge,
        "subject": event.subject,
        "name": event.name,
        "action": event.action,
        "field": event.field,
        "before": event.before,
        "after": event.after,
        "member": event.member,
        "problem": event.problem,
        "text": describe(event),
        "approvers": list(item.approvers),
        "merged_by": pull.merged_by if pull is not None else None,
        "pr_url": pull.url if pull is not None else None,
        "applied": applied.time.isoformat() if applied is not None else None,
        "apply_outcome": applied.outcome if applied is not None else None,
        "flags": list(item.flags),
    } | ({"targets": list(event.targets)} if event.targets is not None else {})
