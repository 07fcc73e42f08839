"""`scimform schema`: write the JSON Schemas of the config files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scimform.config.schema import json_schemas
from scimform.errors import CheckFailed


def render_schemas() -> dict[str, str]:
    """Each schema file's name and its exact text: sorted keys, two-space indent, a final
    newline, so that the output is byte-for-byte the same on every run."""
    return {
        name: json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for name, schema in sorted(json_schemas().items())
    }


@click.command("schema")
@click.option(
    "--out",
    default="schemas",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the schema files to.",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 if a file is missing or out of date."
)
def command(out: Path, check: bool) -> None:
    """Write JSON Schemas for scimform.yaml and for the resource files.

    scimform.schema.json describes scimform.yaml; resources.schema.json describes
    every other file (users, groups, tokens). Editors use them for completion and
    checks: start a file with a line such as

    \b
      # yaml-language-server: $schema=../schemas/resources.schema.json

    \b
    Examples:
      scimform schema                  write schemas/*.json
      scimform schema --check          in CI: fail if schemas/ is missing or out of date
    """
    stale = []
    for name, text in render_schemas().items():
        path = out / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path)
        if check:
            click.echo(f"{'out of date' if current is not None else 'missing'}: {path}")
        else:
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            click.echo(f"wrote {path}")
    if not stale:
        click.echo(f"{out} is up to date.", err=True)
    elif check:
        click.echo("Run `scimform schema` to update.", err=True)
        raise CheckFailed("the check failed")
