"""Placeholder for the `schema` command; replaced by its implementation."""

import click


@click.command("schema")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("not built yet")
