"""`scimform fmt`: rewrite config files in the canonical layout."""

from __future__ import annotations

from pathlib import Path

import click

from scimform.config.fmt import FormattedFile, format_config
from scimform.diagnostics import Diagnostic
from scimform.errors import CheckFailed


@click.command("fmt", short_help="Rewrite config files in the canonical layout.")
@click.argument(
    "path",
    default=".",
    type=click.Path(exists=True, path_type=Path),
    metavar="[DIR]",
)
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any file would change.")
def command(path: Path, check: bool) -> None:
    """Format the config in DIR (default: the current directory), or one file.

    Keys go in one canonical order, member and group lists are sorted without
    duplicates, indentation is two spaces and strings are quoted only where
    YAML would read them as something else. Comments are kept. Running fmt twice
    changes nothing, and fmt never changes what a file means.

    Only files that change are rewritten, and each is named. A file that does
    not parse is reported and left untouched.

    \b
    Examples:
      scimform fmt                              format the config here
      scimform fmt --check examples/quickstart  in CI: fail if a file needs fmt
    """
    results = format_config(path)
    problems = [r.problem for r in results if r.problem is not None]
    changed = [r for r in results if r.changed]
    for diagnostic in problems:
        _echo_problem(diagnostic)
    for result in changed:
        if check:
            click.echo(f"would reformat {result.path}")
        else:
            _write(result)
            click.echo(f"reformatted {result.path}")
    click.echo(_summary(results, changed, problems, check), err=True)
    if problems or (check and changed):
        raise CheckFailed("fmt found files to fix")


def _write(result: FormattedFile) -> None:
    assert result.formatted is not None  # changed files always have a formatted text
    result.path.write_text(result.formatted, encoding="utf-8")


def _echo_problem(diagnostic: Diagnostic) -> None:
    where = f"{diagnostic.location}: " if diagnostic.location else ""
    click.echo(f"{where}error[{diagnostic.code}]: {diagnostic.message}", err=True)
    if diagnostic.hint:
        click.echo(f"    hint: {diagnostic.hint}", err=True)


def _summary(
    results: list[FormattedFile],
    changed: list[FormattedFile],
    problems: list[Diagnostic],
    check: bool,
) -> str:
    verb = "would be reformatted" if check else "reformatted"
    parts = [f"{len(changed)} {_files(len(changed))} {verb}"]
    parts.append(f"{len(results) - len(changed) - len(problems)} unchanged")
    if problems:
        parts.append(f"{len(problems)} could not be formatted")
    return ", ".join(parts) + "."


def _files(count: int) -> str:
    return "file" if count == 1 else "files"
