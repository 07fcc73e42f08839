"""`scimform import`: write a config that declares what the live store holds.

How a team adopts scimform on an existing store: import, commit, and from then on change
people by pull request. The config written validates, is fmt-clean, and plans to no changes
against the store it was read from.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from scimform.backends.target import LOCAL, local_path, open_backend, target_label
from scimform.cli.destination import ALLOW_HOST_OPTION, allowing_environ
from scimform.config.export import export_config
from scimform.config.loader import load_config
from scimform.config.schema import IgnoreSpec
from scimform.diagnostics import Severity
from scimform.engine.read import read_live
from scimform.errors import ScimformError, TargetError
from scimform.model import DesiredState, Group

DEFAULT_TARGET = "local:.scimform/store.db"


@click.command("import")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The directory to write the config to.",
)
@click.option(
    "--target",
    default=DEFAULT_TARGET,
    show_default=True,
    help="The store to read: local:PATH (relative to here) or the SCIM endpoint URL.",
)
@click.option("--token", help="Where the SCIM token is: env:NAME or file:PATH (never the token).")
@click.option("--force", is_flag=True, help="Write into a directory that is not empty.")
@ALLOW_HOST_OPTION
def command(out: Path, target: str, token: str | None, force: bool) -> None:
    """Read the live store and write a config that declares it.

    Writes scimform.yaml (the target and the token reference), users.yaml and groups.yaml
    into --out. Groups matching AWS* (made by AWS Control Tower) are left out, as scimform
    leaves them alone. `scimform plan` on the result shows no changes.

    Paths in local: targets and file: tokens are relative to the current directory; the
    config gets them relative to --out.
    """
    _check_empty(out, force)
    cwd = Path.cwd()
    if target.startswith(LOCAL) and not local_path(target, cwd).exists():
        raise TargetError(f"there is no {target_label(target, cwd)} to import from")
    environ = allowing_environ()
    backend = open_backend(target, token, cwd, environ=environ)
    try:
        groups = tuple(Group(d["displayName"], d.get("externalId")) for d in backend.iter_groups())
        ignore = IgnoreSpec()
        managed = tuple(g for g in groups if not ignore.ignores_group(g.display_name))
        live = read_live(backend, DesiredState(groups=managed))
    finally:
        backend.close()
    exported = export_config(
        live,
        _relative_target(target, cwd, out),
        _relative_token(token, cwd, out),
        source=target_label(target, cwd, environ),
        ignore=ignore,
    )
    _write_files(out, exported.files)
    ignored = (
        f", left out {exported.ignored_groups} ignored (AWS*)" if exported.ignored_groups else ""
    )
    click.echo(
        f"Imported {exported.users} users and {exported.groups} groups{ignored} into {out}: "
        f"{_listed(sorted(exported.files))}."
    )
    errors = load_config(out).diagnostics.count(Severity.ERROR)
    if errors:
        # The store may hold what scimform's rules refuse (a user with no email, say).
        click.echo(
            f"The config written has {errors} error{'' if errors == 1 else 's'}: the live "
            "store holds objects that scimform's rules refuse."
            f" Run `scimform validate {out}` and fix them.",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Check it with `scimform plan {out}`: it should show no changes.")


def _check_empty(out: Path, force: bool) -> None:
    """Refuse a directory with anything but hidden entries (such as .git or .scimform)."""
    if force or not out.exists():
        return
    if not out.is_dir():
        raise ScimformError(f"--out {out} is a file; name a directory")
    visible = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    if visible:
        shown = ", ".join(visible[:3]) + (", ..." if len(visible) > 3 else "")
        raise ScimformError(
            f"--out {out} is not empty ({shown}); name a new or empty directory, or pass "
            "--force to write into it (files of the same name are overwritten)"
        )


def _write_files(out: Path, files: Mapping[str, str]) -> None:
    try:
        for name, text in files.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename and exc.filename != str(out) else ""
        raise ScimformError(
            f"cannot write the config to --out {out}{where}: {exc.strerror or exc}"
        ) from None


def _listed(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 3 else f"{len(names)} files"


def _relative_target(target: str, cwd: Path, out: Path) -> str:
    if not target.startswith(LOCAL):
        return target
    return LOCAL + _relative(local_path(target, cwd), out)


def _relative_token(token: str | None, cwd: Path, out: Path) -> str | None:
    if token is None or not token.startswith("file:"):
        return token
    path = Path(token.removeprefix("file:")).expanduser()
    return "file:" + _relative(path if path.is_absolute() else cwd / path, out)


def _relative(path: Path, out: Path) -> str:
    return Path(os.path.relpath(path.resolve(), out.resolve())).as_posix()
