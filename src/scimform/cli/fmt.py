"""Placeholder for the `fmt` command; replaced by its implementation."""

import click


@click.command("fmt")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("not built yet")
