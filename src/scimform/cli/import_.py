"""`scimform import`: write a config that declares what the live store holds.

How a team adopts scimform on an existing store: import, commit, and from then on change
people by pull request. The config written validates, is fmt-clean, and plans to no changes
against the store it was read from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import click

from scimform.backends.scim import ScimBackend
from scimform.backends.target import LOCAL, local_path, open_backend, target_label
from scimform.cli.destination import ALLOW_HOST_OPTION, allowing_environ
from scimform.config.export import export_config
from scimform.config.loader import load_config, settings_in
from scimform.config.schema import IgnoreSpec
from scimform.config.targets import TARGET_NAME, select, settings_for
from scimform.diagnostics import Severity
from scimform.engine.read import read_live
from scimform.errors import CheckFailed, ScimformError, TargetError
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
    help="The store to read: local:PATH (relative to here), the SCIM endpoint URL, or the "
    "NAME of a target of the config in --config (its url and token).",
)
@click.option("--token", help="Where the SCIM token is: env:NAME or file:PATH (never the token).")
@click.option(
    "--config",
    "config_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="With --target NAME: the config directory whose scimform.yaml names the target.",
)
@click.option("--force", is_flag=True, help="Write into a directory that is not empty.")
@ALLOW_HOST_OPTION
def command(out: Path, target: str, token: str | None, config_dir: Path, force: bool) -> None:
    """Read the live store and write a config that declares it.

    Writes scimform.yaml (the target and the token reference), users.yaml and groups.yaml
    into --out. Groups matching AWS* (made by AWS Control Tower) are left out, as scimform
    leaves them alone. `scimform plan` on the result shows no changes.

    Paths in local: targets and file: tokens are relative to the current directory; the
    config gets them relative to --out.

    With --target NAME (a target of scimform.yaml's `targets:` in --config, or `default`
    for its single `target:`), that target's store is read with its token, and the config
    written names its url and token as its `target:`.
    """
    _check_empty(out, force)
    cwd = Path.cwd()
    if TARGET_NAME.match(target):
        target, token = _named_target(config_dir, target, token)
    if target.startswith(LOCAL) and not local_path(target, cwd).exists():
        raise TargetError(f"there is no embedded store {local_path(target, cwd)} to import from")
    environ = allowing_environ()
    backend = _open(target, token, cwd, environ)
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
        raise CheckFailed("the imported config has errors")
    click.echo(f"Check it with `scimform plan {out}`: it should show no changes.")


# import takes its target and token from options, not from a scimform.yaml: the target's
# messages are put in the options' words.
_OPTION_WORDS = (
    ("set target.token in scimform.yaml to", "pass --token"),
    ("target.token in scimform.yaml", "--token"),
    ("target.url in scimform.yaml", "--target"),
    ("target.url", "--target"),
)


def _open(target: str, token: str | None, cwd: Path, environ: Mapping[str, str]) -> ScimBackend:
    try:
        return open_backend(target, token, cwd, environ=environ)
    except TargetError as exc:
        message = str(exc)
        for config_words, option_words in _OPTION_WORDS:
            message = message.replace(config_words, option_words)
        raise TargetError(message) from None


def _named_target(config_dir: Path, name: str, token: str | None) -> tuple[str, str | None]:
    """The url and token reference of target `name` of the config in `config_dir`, with
    its local: and file: paths made absolute (they are relative to the config)."""
    config = settings_in(config_dir)
    select(config.target_names, (name,))
    spec = settings_for(config.settings, name).target
    url, reference = spec.url, token or spec.token
    if url.startswith(LOCAL):
        url = LOCAL + str(local_path(url, config_dir.resolve()))
    if reference is not None and reference.startswith("file:"):
        path = Path(reference.removeprefix("file:")).expanduser()
        reference = "file:" + str(path if path.is_absolute() else config_dir.resolve() / path)
    return url, reference


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
