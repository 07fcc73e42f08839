"""`scimform ci` steps that keep the audit trail on the `audit-log` branch: fetch the log an
apply extends, and push what an apply or a drift run added (ci.persist)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from scimform.audit import read_log
from scimform.ci.branch import BRANCH, LogBranch, auth_environment
from scimform.ci.comment import artifact_name
from scimform.ci.persist import (
    AUDIT_FILE,
    DRIFT_FILE,
    Persisted,
    audit_message,
    branch_path,
    persist,
)
from scimform.ci.reviewed import Review, pending_pulls, read_review
from scimform.cli.ci_apply import _comments, _merged, _numbers, _saved
from scimform.cli.ci_runner import Runner
from scimform.errors import AuditError, ScimformError

_OUT_DIR = click.Path(file_okay=False, path_type=Path)
_IN = click.Path(dir_okay=False, path_type=Path)
_REPO = click.Path(file_okay=False, exists=True, path_type=Path)

REMOTE = click.option("--remote", default="origin", show_default=True, help="The git remote.")
BRANCH_OPTION = click.option("--branch", default=BRANCH, show_default=True, help="The branch.")
REPOSITORY = click.option(
    "--repository", type=_REPO, default=Path("."), help="A clone of the repository (default: .)."
)


TARGET = click.option(
    "--target",
    default="",
    metavar="NAME",
    help="With several targets: the target applied (each target keeps its own log).",
)


def audit_path(directory: str, target: str) -> str:
    """Where the branch keeps the audit log of `directory` (of one of several targets)."""
    return branch_path(directory, f"{target}/{AUDIT_FILE}" if target else AUDIT_FILE)


def log_branch(repository: Path, remote: str, branch: str) -> LogBranch:
    """The branch, with the workflow token (GH_TOKEN) for GitHub when it is set."""
    env = auth_environment(os.environ.get("GH_TOKEN", ""), os.environ.get("GITHUB_SERVER_URL", ""))
    return LogBranch(repository, remote, branch, env)


@click.command("fetch-log")
@click.option("--directory", required=True, help="The config directory to be applied.")
@click.option("--out", type=_OUT_DIR, required=True, help="Where to write audit.jsonl.")
@TARGET
@REPOSITORY
@REMOTE
@BRANCH_OPTION
def fetch_log(
    directory: str, out: Path, target: str, repository: Path, remote: str, branch: str
) -> None:
    """Copy the config's audit log from the audit-log branch to OUT/audit.jsonl (empty when
    the branch or the file does not exist yet), for `apply --audit-log` to extend. A branch
    that cannot be read is an error: an apply must not start a new chain.

    Outputs: log (the file), base (the branch's commit read, empty if none), artifact."""
    ci = Runner.of(os.environ)
    source = log_branch(repository, remote, branch)
    tip = source.tip()
    data = source.read(tip, audit_path(directory, target))
    path = out / AUDIT_FILE
    _write_private(path, data)
    outputs = {
        "log": str(path),
        "base": tip or "",
        "artifact": artifact_name("scimform-audit-log", directory)
        + (f"-{target}" if target else ""),
    }
    ci.report(outputs)
    lines = data.count(b"\n")
    said = f"at commit {tip}" if tip else "not created yet: starting an empty log"
    click.echo(
        f"The {branch} branch ({said}) holds {lines} line(s) of the audit log; copied to {path}."
    )


@click.command("persist-log")
@click.option("--directory", required=True, help="The config directory the records are for.")
@click.option(
    "--audit-log", type=_IN, help="The log an apply extended: it must extend the branch's."
)
@click.option("--drift-log", type=_IN, help="Drift observations to append to the branch's.")
@click.option("--pull-requests", default="", help="The pull requests the apply carried out.")
@TARGET
@REPOSITORY
@REMOTE
@BRANCH_OPTION
def persist_log(
    directory: str,
    audit_log: Path | None,
    drift_log: Path | None,
    pull_requests: str,
    target: str,
    repository: Path,
    remote: str,
    branch: str,
) -> None:
    """Commit the new audit records (and drift observations) to the audit-log branch and
    push, creating the branch (with no history) on first use. Refuses (exit 1, nothing
    pushed) an audit log that is not intact, or that the branch's log is not an exact
    prefix of. A refused push is tried again once from the branch's new tip.

    Outputs: commit (empty when nothing was new), head (the audit log's last record hash)."""
    ci = Runner.of(os.environ)
    pulls = _numbers(pull_requests)
    extend, append, head = {}, {}, ""
    if audit_log is not None:
        log = read_log(audit_log)
        if not log.intact:
            raise AuditError(f"the audit log {audit_log} is not intact: {log.breaks[0]}")
        extend[audit_path(directory, target)] = _read(audit_log)
        head = log.head
    if drift_log is not None:
        append[branch_path(directory, DRIFT_FILE)] = _read(drift_log)
    done = persist(log_branch(repository, remote, branch), extend, append,
                   lambda added: audit_message(directory, added, pulls))  # fmt: skip
    said = _pushed(done, branch)
    summary = f"### scimform audit log\n\n{said}\n"
    if head:
        summary += f"\nHead record hash of the audit log: `{head}`\n"
    ci.report({"commit": done.commit or "", "head": head}, summary)
    click.echo(said)
    if head:
        click.echo(f"Head record hash: {head}")


def pending_reviews(
    ci: Runner, pulls: Path, comments_dir: Path, reviews_dir: Path, directory: str, author: str
) -> list[Review]:
    """What the pull requests merged since the last successful apply showed, as the apply
    workflow's check-reviewed reads them."""
    merged = _merged(pulls)
    said = {p.number: _comments(comments_dir, p.number) for p in merged}
    pending = pending_pulls(merged, said, directory, author, ci.commit)
    return [read_review(p, _saved(reviews_dir, p.number)) for p in pending]


def _pushed(done: Persisted, branch: str) -> str:
    if done.commit is None:
        return f"Nothing new for the {branch} branch."
    added = (f"{len(d.splitlines())} line(s) added to {p}" for p, d in done.added.items())
    return f"Pushed commit {done.commit} to the {branch} branch: " + ", ".join(added)


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path`, owner-only (the log names people and their access)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
    except OSError as exc:
        raise ScimformError(f"cannot write {path}: {exc.strerror or exc}") from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ScimformError(f"cannot read {path}: {exc.strerror or exc}") from None


COMMANDS = (fetch_log, persist_log)
