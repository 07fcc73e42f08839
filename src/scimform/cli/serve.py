"""Placeholder for the `serve` command; replaced by its implementation."""

import click


@click.command("serve")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("not built yet")
