"""Options and arguments several commands share, declared once, and what the CLI reads
from the environment for them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click

PLAN_KEY_VARIABLE = "SCIMFORM_PLAN_KEY"

DIRECTORY = click.argument(
    "directory",
    default=".",
    type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
    metavar="[DIR]",
)

TABLE_FORMAT = click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help="text for people, json for tools, csv for spreadsheets.",
)

RATE_LIMIT = click.option(
    "--rate-limit",
    type=click.FloatRange(min=0, min_open=True),
    help="Send at most this many requests per second (default: as fast as the store allows, "
    "backing off when it answers 429).",
)

PARALLELISM = click.option(
    "--parallelism",
    "--concurrency",
    "parallelism",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Requests in flight at once (--concurrency is the former name).",
)

CHANGED_SINCE = click.option(
    "--changed-since",
    metavar="REV",
    help="A targeted plan: read and compare only the users and groups the config's change "
    "since git revision REV touches (in a pull request, its base). Safety shares are judged "
    "against the counts of the config at REV. Default: a full plan of the whole store.",
)

TARGET = click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="NAME",
    help="Only this target of scimform.yaml's `targets:` (repeat for several; default: all "
    "of them). A config with the single `target:` has one, named default.",
)

ADMIN_KEY = click.option(
    "--admin-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="For a scimform serve target: the admin key file serve was started with, so that "
    "token differences are planned and applied through its admin API.",
)


def plan_key(environ: Mapping[str, str]) -> bytes | None:
    """The key that signs saved plans and authenticates them at apply, from
    SCIMFORM_PLAN_KEY (None when unset or empty)."""
    value = environ.get(PLAN_KEY_VARIABLE, "")
    return value.encode() if value else None


AUDIT_LOG = click.option(
    "--audit-log",
    "audit_log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The audit log to join (default: .scimform/audit.jsonl under DIR, when it exists).",
)
