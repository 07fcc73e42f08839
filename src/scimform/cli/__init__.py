"""The command line: parse options, call one engine function, render, pick the exit code.

The only package (with render/) that prints. Errors scimform raises on purpose become one
clear line and exit 1; a traceback is shown only with --debug.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from scimform import __version__
from scimform.errors import ScimformError


class _Main(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ScimformError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scimform")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Plan and apply the people in AWS IAM Identity Center from YAML in git.

    Users, groups, memberships and SCIM tokens are declared in a directory of YAML files.
    `init` starts one; `validate` checks it and `fmt` formats it; `plan` shows what would
    change in the live SCIM store and `apply` makes those changes; `import` writes a config
    from a live store. `tokens` keeps the SCIM access tokens valid, `history` answers who
    changed what and in which pull request, and `ci` holds the GitHub Actions steps. `serve`
    serves the embedded store as an AWS-faithful SCIM endpoint and `server` administers it.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _register() -> None:
    # Imported here, not at the top, because each module imports `main`'s helpers.
    from scimform.cli import (
        apply,
        ci,
        fmt,
        history,
        import_,
        init,
        plan,
        schema,
        serve,
        server,
        tokens,
        validate,
    )

    commands = (init, validate, fmt, schema, serve, server, plan, apply, import_, history, tokens)
    for module in (*commands, ci):
        main.add_command(module.command)


_register()
