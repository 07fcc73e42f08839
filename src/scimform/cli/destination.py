"""`--allow-host`: the operator's say over where a token may go, outside the config.

Declared once and shared by every command that sends the SCIM token or the admin key (and
by validate, which checks target.url against the same allowances). The option keeps its
hosts in the click context; `allowing_environ()` gives the process environment with them
added to SCIMFORM_ALLOWED_HOSTS, which is what the code that opens connections reads.
"""

from __future__ import annotations

import os

import click

from scimform.destination import ALLOWED_HOSTS_ENV, with_allowed_hosts
from scimform.token_variables import with_token_variables

_META = "scimform.allow_host"


def _remember(ctx: click.Context, _param: click.Parameter, hosts: tuple[str, ...]) -> None:
    ctx.meta[_META] = tuple(ctx.meta.get(_META, ())) + hosts


ALLOW_HOST_OPTION = click.option(
    "--allow-host",
    multiple=True,
    metavar="HOST",
    expose_value=False,
    callback=_remember,
    help="Also send the SCIM token to HOST (repeatable; or list hosts in the environment "
    f"variable {ALLOWED_HOSTS_ENV}). Without it: AWS SCIM endpoints and this machine only.",
)


def allowing_environ() -> dict[str, str]:
    """The process environment, with the --allow-host hosts of the running command added
    and the token variables of SCIMFORM_TOKENS (see scimform.token_variables)."""
    ctx = click.get_current_context(silent=True)
    hosts = () if ctx is None else ctx.meta.get(_META, ())
    return with_allowed_hosts(with_token_variables(os.environ), hosts)
