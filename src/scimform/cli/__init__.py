"""The command line: parse options, call one engine function, render, pick the exit code.

The only package (with render/) that prints. Errors scimform raises on purpose become one
clear line and their exit code (1, or 3 for an unsafe plan); usage errors exit 1; a
traceback is shown only with --debug.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from scimform import __version__
from scimform.errors import ScimformError


class _UsageError(click.UsageError):
    exit_code = 1


class _Main(click.Group):
    """Maps errors to exit codes in one place: a ScimformError exits with its `exit_code`
    after one line (none when it was `reported` already), and every usage error exits 1,
    so that CI never takes a typo for `plan`'s 2 ("changes"). `--debug` may stand anywhere
    before `--`."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        end = args.index("--") if "--" in args else len(args)
        if "--debug" in args[:end]:
            args = ["--debug", *(a for a in args[:end] if a != "--debug"), *args[end:]]
        return super().make_context(info_name, args, parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _UsageError(exc.format_message(), exc.ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if isinstance(exc, _UsageError):
                raise
            raise _UsageError(exc.format_message(), exc.ctx) from None
        except ScimformError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            if not exc.reported:
                click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)


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
    changed what and in which pull request, `access` who was in which group on a date,
    `audit` checks and shows the trail apply writes, `review` writes the quarterly access
    review pack, and `ci` holds the GitHub Actions steps. `serve` serves the embedded store
    as an AWS-faithful SCIM endpoint and `server` administers it.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _register() -> None:
    # Imported here, not at the top, because each module imports `main`'s helpers.
    from scimform.cli import (
        access,
        apply,
        audit,
        ci,
        fmt,
        history,
        import_,
        init,
        plan,
        review,
        schema,
        serve,
        server,
        tokens,
        validate,
    )

    config = (init, validate, fmt, schema)
    commands = (*config, serve, server, plan, apply, import_, history, access, tokens)
    for module in (*commands, audit, review, ci):
        main.add_command(module.command)


_register()
