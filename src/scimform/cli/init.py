"""`scimform init`: start a new config in a directory."""

from __future__ import annotations

from pathlib import Path

import click

from scimform.cli import options
from scimform.cli.schema import render_schemas
from scimform.config.starter import GITIGNORE, SCHEMAS, gitignore, starter_files
from scimform.errors import ScimformError


@click.command("init", short_help="Start a new config in a directory.")
@options.DIRECTORY
def command(directory: Path) -> None:
    """Write a new config into DIR (default: the current directory; made if missing).

    Writes scimform.yaml (the embedded store as the target, prune off), users.yaml with
    one example user and group, the JSON Schemas their first lines name (for editors),
    and a .gitignore entry for .scimform/, where the embedded store and the audit log
    live. Files already there are never overwritten: a directory that has a config is
    refused. The result validates and is fmt-clean.
    """
    files = starter_files()
    taken = sorted(name for name in files if (directory / name).exists())
    if taken:
        raise ScimformError(
            f"{directory} already has {', '.join(taken)}; init starts a new config and "
            "never overwrites one (choose an empty directory)"
        )
    schemas = {f"{SCHEMAS}/{name}": text for name, text in render_schemas().items()}
    files |= {name: text for name, text in schemas.items() if not (directory / name).exists()}
    ignore_path = directory / GITIGNORE
    ignore = gitignore(_read(ignore_path))
    if ignore is not None:
        files[GITIGNORE] = ignore
    _write(directory, files)
    click.echo(f"Wrote a new config in {directory}: {', '.join(sorted(files))}.")
    click.echo(
        f"Next: edit users.yaml, then `scimform validate {directory}`, "
        f"`scimform plan {directory}` and `scimform apply {directory}`."
    )


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScimformError(f"cannot read {path}: {exc}") from None


def _write(directory: Path, files: dict[str, str]) -> None:
    try:
        for name, text in files.items():
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ScimformError(
            f"cannot write the config into {directory}: {exc.strerror or exc}"
        ) from None
