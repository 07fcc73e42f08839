"""What plan, apply and `tokens` print about token state (the state itself is
scimform.tokens.state's)."""

from __future__ import annotations

import click

from scimform.cli.destination import allowing_environ
from scimform.config.loader import LoadedConfig
from scimform.engine.token_plan import TokenPlan
from scimform.render import token_words
from scimform.tokens.state import still_refused


def check_client_switched(loaded: LoadedConfig, sink_label: str) -> None:
    """After a rotation, warn when target.token still gives the old token, now deleted:
    the sink was not where this config reads its token, and the next plan would fail."""
    if still_refused(loaded, allowing_environ()):
        warn_not_switched(loaded.settings.target.token, sink_label)


def warn_not_switched(reference: str | None, sink_label: str) -> None:
    """The warning that target.token (`reference`) still gives the old, deleted token."""
    click.echo(
        f"Warning: target.token ({reference}) still gives the old token, which is now "
        f"deleted; the new token went to the {sink_label}: make target.token give the new "
        "one before the next plan.",
        err=True,
    )


def errors_to_stderr(tokens: TokenPlan) -> None:
    """The token check's errors on stderr, beside a machine-readable plan on stdout."""
    for line in token_words.token_lines(tokens):
        if line.kind == "error":
            click.echo(line.text, err=True)
