"""`scimform access`: who was in which group at a moment, from the config as it had
landed on the default branch. No store is read.

Text output: a header naming the commit the config is read from, then each group and its
members. JSON (`--format json`):
{"version": 1, "at": str, "commit": sha|null, "landed": ISO 8601 UTC|null,
 "skipped": [{"commit": sha, "problem": str}], "group": str|null, "user": str|null,
 "memberships": [{"group", "userName", "displayName", "email", "externalId"}]}
CSV (`--format csv`): group,userName,displayName,email,externalId.

Exit status: 0 when the moment was read (even when the group had no members then), 1 for
an error, or a group or user that the config never declared (then or now).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from scimform.cli import options
from scimform.errors import ScimformError
from scimform.history.access import (
    Moment,
    group_aliases,
    known,
    memberships,
    stamp,
    state_at,
)
from scimform.review.tables import MEMBER_HEADER, csv_text, member_rows, when

JSON_VERSION = 1


@click.command("access")
@options.DIRECTORY
@click.option(
    "--at",
    "at",
    required=True,
    metavar="DATE|REV",
    help="A date (its end, UTC), an ISO 8601 time, or a git revision.",
)
@click.option("--group", metavar="NAME", help="Only this group (any of its names).")
@click.option("--user", metavar="NAME", help="Only this user's groups (userName or externalId).")
@click.option(
    "--target",
    metavar="NAME",
    help="With several targets: only what goes to this one (a config that had the single "
    "`target:` at the moment is shown whole).",
)
@options.TABLE_FORMAT
def command(
    directory: Path, at: str, group: str | None, user: str | None, target: str | None, output: str
) -> None:
    """Show who was in which group at a moment (--at), from the config as it had landed
    on the default branch (the last first-parent commit by then). Reads git only."""
    if user is not None and group is not None:
        raise click.UsageError("give --user or --group, not both")
    moment = state_at(directory, at)
    if target is not None:
        moment = moment.for_target(target)
    aliases = _aliases(directory, moment, group, user)
    rows = memberships(moment.desired, group=group, user=user, aliases=aliases)
    if output == "json":
        click.echo(json.dumps(_json(moment, group, user, rows), indent=2, ensure_ascii=False))
    elif output == "csv":
        click.echo(csv_text(MEMBER_HEADER, member_rows(rows)), nl=False)
    else:
        click.echo(_text(moment, group, user, rows), nl=False)
    for commit, problem in moment.skipped:
        click.echo(f"note: the config at {commit.sha[:7]} does not load ({problem}); "
                   "an earlier commit is shown", err=True)  # fmt: skip


def _aliases(
    directory: Path, moment: Moment, group: str | None, user: str | None
) -> tuple[str, ...]:
    """The later names of the group asked for; an error when the name is unknown both at
    the moment and now."""
    if known(moment.desired, group, user):
        return ()
    now = state_at(directory, "HEAD").desired
    if group is not None and (aliases := group_aliases(now, group)):
        return aliases
    if user is not None and known(now, None, user):
        return ()
    kind, name = ("group", group) if group is not None else ("user", user)
    raise ScimformError(f'no {kind} "{name}" is declared at {moment.asked} or now')


def _text(moment: Moment, group: str | None, user: str | None, rows: list[Any]) -> str:
    lines = [_header(moment)]
    by_group: dict[str, list[Any]] = {}
    for row in rows:
        by_group.setdefault(row.group, []).append(row)
    if group is None and user is None:
        for declared in sorted(moment.desired.groups, key=lambda g: g.display_name.casefold()):
            by_group.setdefault(declared.display_name, [])
    if not by_group:
        asked = f'group "{group}"' if group else f'user "{user}"' if user else "any group"
        lines.append(f"  no members in {asked} at that moment")
    for name in sorted(by_group, key=str.casefold):
        members = by_group[name]
        lines.append(f"{name} ({len(members)})")
        width = max((len(m.user_name) for m in members), default=0)
        lines += [f"  {m.user_name:<{width}}  {m.display_name or ''}".rstrip() for m in members]
    return "".join(line + "\n" for line in lines)


def _header(moment: Moment) -> str:
    if moment.commit is None:
        return f"At {moment.asked}: nothing had landed yet"
    c = moment.commit
    return f'At {moment.asked}: the config as of {c.sha[:7]} landed {when(stamp(c))} "{c.subject}"'


def _json(moment: Moment, group: str | None, user: str | None, rows: list[Any]) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "at": moment.asked,
        "commit": moment.commit.sha if moment.commit else None,
        "landed": when(stamp(moment.commit)) or None,
        "skipped": [{"commit": c.sha, "problem": p} for c, p in moment.skipped],
        "group": group,
        "user": user,
        "memberships": [dict(zip(MEMBER_HEADER, r, strict=True)) for r in member_rows(rows)],
    }
