"""`scimform history`: every change to a user or group, from the git log of the config.

Text output: one line per change, in the order the commits landed:
`2026-03-02  a1b2c3d  #42  Jane Doe  platform-admins: + member alice@corp.example`
(date, short sha, pull request or "-", author, then what changed).

JSON output (`--format json`):
{"version": 1, "directory": str, "user": str|null, "group": str|null, "since": str|null,
 "commits": int, "changes": [{"date": ISO 8601 author date, "commit": sha, "short": str,
 "author": str, "email": str, "pr": int|null, "merge": sha|null, "subject": "user"|"group"|
 "config", "name": str, "action": "created"|"deleted"|"updated"|"member-added"|
 "member-removed"|"unloadable", "field": str|null, "before": value, "after": value,
 "member": str|null, "problem": str|null, "text": str}]}

Messages (no history, did you mean) go to standard error. Exit status: 0 when the history
was read (even when it holds no changes in the days asked for), 1 for an error (not a git
repository, git missing) or a --user or --group name that never appears in the history
(probably a typo: the message suggests the closest names that do).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from scimform.history.changes import Event, Value
from scimform.history.query import Answer, select
from scimform.history.timeline import Entry, History, read_history

JSON_VERSION = 1


@click.command("history")
@click.argument(
    "directory", default=".", type=click.Path(file_okay=False, dir_okay=True, path_type=Path)
)
@click.option("--user", metavar="NAME", help="Only this user (userName or externalId).")
@click.option("--group", metavar="NAME", help="Only this group, under any of its names.")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Only changes dated this day or later.",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for tools.",
)
def command(
    directory: Path, user: str | None, group: str | None, since: datetime | None, output: str
) -> None:
    """Show who changed which user or group, when, and in which pull request.

    Reads the git history of the config in DIRECTORY (default: the current directory):
    every change to a user's attributes and group memberships, and to a group's members,
    with the commit, its author and date, and the pull request that landed it. Renames are
    followed: a group's history includes its history under former names (`previously:`).
    """
    if user is not None and group is not None:
        raise click.UsageError("give --user or --group, not both")
    history = read_history(directory)
    day = since.date() if since is not None else None
    answer = select(history, user=user, group=group, since=day)
    if output == "json":
        click.echo(json_report(history, answer, user, group, day), nl=False)
    else:
        click.echo(text_report(answer.entries), nl=False)
    message = _message(history, answer, user, group, day)
    if message:
        click.echo(message, err=True)
    if not answer.known and history.commits:
        raise click.exceptions.Exit(1)


def _message(
    history: History, answer: Answer, user: str | None, group: str | None, since: date | None
) -> str | None:
    if history.commits == 0:
        return "no history: the repository has no commits yet"
    if not answer.known:
        kind, name = ("user", user) if user is not None else ("group", group)
        hint = " or ".join(f'"{s}"' for s in answer.suggestions)
        maybe = f"; did you mean {hint}?" if hint else f" ({history.commits} commits read)"
        return f'no history for {kind} "{name}" in {history.directory}{maybe}'
    if not answer.entries:
        after = f" since {since.isoformat()}" if since is not None else ""
        return f"no changes to {history.directory}{after} in {history.commits} commits"
    return None


def text_report(entries: tuple[Entry, ...]) -> str:
    """One line per entry, the pull request and author columns aligned."""
    prs = [f"#{e.pr}" if e.pr is not None else "-" for e in entries]
    pr_width = max(map(len, prs), default=0)
    author_width = max((len(e.commit.author) for e in entries), default=0)
    lines = [
        f"{e.commit.date[:10]}  {e.commit.short}  {pr:<{pr_width}}  "
        f"{e.commit.author:<{author_width}}  {describe(e.event)}"
        for e, pr in zip(entries, prs, strict=True)
    ]
    return "".join(line + "\n" for line in lines)


def describe(event: Event) -> str:
    """What changed, in the plan's words: `platform-admins: + member alice@corp.example`."""
    if event.action == "unloadable":
        return f"config does not load, skipped: {event.problem}"
    if event.action in ("created", "deleted"):
        sign = "+" if event.action == "created" else "-"
        return f"{event.name}: {sign} {event.subject}"
    if event.action in ("member-added", "member-removed"):
        sign = "+" if event.action == "member-added" else "-"
        return f"{event.name}: {sign} member {event.member}"
    return f"{event.name}: ~ {event.field} {_value(event.before)} -> {_value(event.after)}"


def _value(value: Value) -> str:
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False)


def json_report(
    history: History, answer: Answer, user: str | None, group: str | None, since: date | None
) -> str:
    """The JSON shape described in the module doc."""
    body: dict[str, Any] = {
        "version": JSON_VERSION,
        "directory": history.directory,
        "user": user,
        "group": group,
        "since": since.isoformat() if since is not None else None,
        "commits": history.commits,
        "changes": [_as_json(e) for e in answer.entries],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _as_json(entry: Entry) -> dict[str, Any]:
    commit, event = entry.commit, entry.event
    return {
        "date": commit.date,
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
    }
