"""The test runner of the CLI (tests/scimform_cli.py) catches what it promises to catch: a
secret printed to stdout or stderr, given or taken from a TOKEN/KEY variable, and an
exception the CLI let escape."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest
from scimform_cli import cli, invoke

SECRET = "s3cret-" + "x" * 30


@click.command()
@click.option("--to", type=click.Choice(["stdout", "stderr", "nowhere"]), default="stdout")
@click.option("--what", default=SECRET)
def echo(to: str, what: str) -> None:
    """Print `what` (by default the secret) where asked."""
    if to != "nowhere":
        click.echo(f"here it is: {what}", err=to == "stderr")


@click.command()
def explode() -> None:
    raise RuntimeError("not an exit code")


@pytest.mark.parametrize("to", ["stdout", "stderr"])
def test_a_given_secret_printed_fails_the_test_without_repeating_it(to: str) -> None:
    with pytest.raises(AssertionError, match=f"appeared in {to}") as caught:
        invoke(echo, "--to", to, secrets=("other", SECRET))
    assert SECRET not in str(caught.value) and "here it is" not in str(caught.value)


@pytest.mark.parametrize("name", ["SCIM_TOKEN", "SCIMFORM_PLAN_KEY"])
def test_a_token_or_key_from_the_environment_is_a_secret(name: str) -> None:
    with pytest.raises(AssertionError, match="secret #1"):
        invoke(echo, env={name: SECRET})
    assert invoke(echo, env={"SCIM_URL": SECRET}).exit_code == 0  # not a secret's name


def test_nothing_printed_passes_and_no_color_is_set() -> None:
    assert invoke(echo, "--to", "nowhere", env={"SCIM_TOKEN": SECRET}).exit_code == 0
    shown = invoke(click.Command("env", callback=lambda: click.echo(os.environ.get("NO_COLOR"))))
    assert shown.stdout == "1\n"


def test_an_escaped_exception_is_raised_not_returned() -> None:
    with pytest.raises(RuntimeError, match="not an exit code"):
        invoke(explode)


def test_the_real_cli_is_checked_too(tmp_path: Path) -> None:
    # An argument scimform echoes back in its error message: the check sees it.
    missing = tmp_path / SECRET
    with pytest.raises(AssertionError, match="appeared in std"):
        cli("validate", str(missing), secrets=(SECRET,))
    assert cli("validate", str(missing)).exit_code != 0
