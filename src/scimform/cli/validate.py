"""`scimform validate`: check a config directory and report every problem at once.

Output formats:
- text: `file:line:col: error[code]: message`, an indented hint, then a summary line;
- json: {"version": 1, "valid": bool, "summary": {...}, "diagnostics": [{"severity",
  "code", "message", "hint", "file", "line", "column"}]} (hint, line and column may be null);
- github: workflow commands (`::error file=...,line=...,col=...,title=code::message`) that
  GitHub shows as annotations on the pull request, paths relative to the current directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from scimform.cli.destination import ALLOW_HOST_OPTION, allowing_environ
from scimform.config.loader import LoadedConfig, load_config
from scimform.config.schema import SETTINGS_FILE
from scimform.destination import allowed_hosts
from scimform.diagnostics import Diagnostic, Severity

JSON_VERSION = 1
_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
_GITHUB = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


@click.command("validate")
@click.argument(
    "directory",
    default=".",
    type=click.Path(file_okay=True, dir_okay=True, path_type=Path),
    metavar="[DIR]",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for annotations in GitHub Actions.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too, not only on errors.")
@ALLOW_HOST_OPTION
def command(directory: Path, output: str, strict: bool) -> None:
    """Check the config in DIRECTORY (default: the current directory).

    Reads scimform.yaml and every other *.yaml below DIRECTORY, maps and checks every user,
    group and token against AWS IAM Identity Center's rules, and reports all problems at
    once, each with file:line:column, a code and a hint. Nothing is sent anywhere.

    target.url must be local:PATH, an AWS SCIM endpoint, http(s) to this machine, or a host
    allowed with --allow-host / SCIMFORM_ALLOWED_HOSTS (as for plan and apply).

    Exit status: 0 when the config is valid (warnings allowed), 1 when it has errors (or
    warnings, with --strict).
    """
    loaded = load_config(directory, allowed_hosts=allowed_hosts(allowing_environ()))
    render = {"text": text_report, "json": json_report, "github": github_report}[output]
    click.echo(render(loaded), nl=False, color=None)
    failing = loaded.diagnostics.count(Severity.ERROR)
    if strict:
        failing += loaded.diagnostics.count(Severity.WARNING)
    raise click.exceptions.Exit(1 if failing else 0)


def text_report(loaded: LoadedConfig) -> str:
    """One line per diagnostic and an indented hint, then a summary."""
    lines: list[str] = []
    for d in loaded.diagnostics:
        where = str(d.location) if d.location else str(loaded.root)
        label = click.style(d.severity.value, fg=_COLOURS[d.severity], bold=True)
        lines.append(f"{where}: {label}[{d.code}]: {d.message}")
        if d.hint:
            lines.append(f"    hint: {d.hint}")
    lines.append(_summary(loaded))
    return "\n".join(lines) + "\n"


def _summary(loaded: LoadedConfig) -> str:
    diags = loaded.diagnostics
    counts = [
        _plural(diags.count(Severity.ERROR), "error"),
        _plural(diags.count(Severity.WARNING), "warning"),
    ]
    desired = loaded.desired
    declared = ", ".join(
        [
            _plural(len(desired.users), "user"),
            _plural(len(desired.groups), "group"),
            _plural(len(desired.tokens), "token"),
        ]
    )
    files = _plural(_file_count(loaded), "file")
    verdict = "invalid" if diags.has_errors else "valid"
    return f"{verdict}: {', '.join(counts)}; {declared} in {files}{_per_target(loaded)}"


def _per_target(loaded: LoadedConfig) -> str:
    """With several targets, what goes to each: `; sandbox: 2 users, 1 group`."""
    if not loaded.several_targets or loaded.diagnostics.has_errors:
        return ""
    parts = []
    for name in loaded.target_names:
        desired = loaded.for_target(name).desired
        users, groups = _plural(len(desired.users), "user"), _plural(len(desired.groups), "group")
        parts.append(f"{name}: {users}, {groups}")
    return "; " + "; ".join(parts)


def _file_count(loaded: LoadedConfig) -> int:
    """The files read: the resource files, and scimform.yaml when there is one."""
    return len(loaded.files) + (loaded.root / SETTINGS_FILE).is_file()


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def json_report(loaded: LoadedConfig) -> str:
    """The stable JSON shape described in the module doc."""
    diags = loaded.diagnostics
    body: dict[str, Any] = {
        "version": JSON_VERSION,
        "valid": not diags.has_errors,
        "summary": {
            "errors": diags.count(Severity.ERROR),
            "warnings": diags.count(Severity.WARNING),
            "info": diags.count(Severity.INFO),
            "files": _file_count(loaded),
            "users": len(loaded.desired.users),
            "groups": len(loaded.desired.groups),
            "tokens": len(loaded.desired.tokens),
        },
        "diagnostics": [_as_json(d) for d in diags],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _as_json(d: Diagnostic) -> dict[str, Any]:
    loc = d.location
    return {
        "severity": d.severity.value,
        "code": d.code,
        "message": d.message,
        "hint": d.hint,
        "file": loc.file if loc else None,
        "line": loc.line if loc else None,
        "column": loc.column if loc else None,
    }


def github_report(loaded: LoadedConfig) -> str:
    """GitHub Actions workflow commands, one per diagnostic, and a plain summary line."""
    lines = []
    for d in loaded.diagnostics:
        props = []
        if d.location is not None:
            props.append(f"file={_property(os.path.relpath(d.location.file))}")
            if d.location.line is not None:
                props.append(f"line={d.location.line}")
            if d.location.column is not None:
                props.append(f"col={d.location.column}")
        props.append(f"title={_property(d.code)}")
        message = d.message + (f"\n{d.hint}" if d.hint else "")
        lines.append(f"::{_GITHUB[d.severity]} {','.join(props)}::{_data(message)}")
    lines.append(_summary(loaded))
    return "\n".join(lines) + "\n"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
