"""Placeholder for the `server` command; replaced by its implementation."""

import click


@click.command("server")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("not built yet")
