"""Placeholder for the `validate` command; replaced by its implementation."""

import click


@click.command("validate")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("not built yet")
