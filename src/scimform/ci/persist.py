"""Keeping the audit trail beyond the runner: the apply's log, and the drift observations,
committed to the `audit-log` branch.

An apply starts from the branch's log (so its records chain on to the last one there) and
the persist job pushes the log it wrote. The branch's log must be an exact prefix of that
log: the apply only appends, so anything else means the branch was rewritten (a line
edited or deleted) after the apply read it, or another apply's records were pushed in
between (told apart by the chain: those are well-chained lines after the common part).
Then nothing is pushed and the job fails; the log stays in the run's artifact. Drift
observations are only ever appended. A push refused because the branch moved on is tried
once more from the new tip, then fails clearly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scimform.audit.records import GENESIS
from scimform.audit.trail import line_hash
from scimform.ci.branch import BRANCH, LogBranch, PushRejected
from scimform.ci.comment import directory_key
from scimform.errors import AuditError, ScimformError

AUDIT_FILE = "audit.jsonl"
DRIFT_FILE = "drift.jsonl"


@dataclass(frozen=True)
class Persisted:
    """What was done: the commit pushed (None when there was nothing new), the branch's tip
    it went on, and the bytes added to each file."""

    commit: str | None
    parent: str | None
    added: Mapping[str, bytes]


def branch_path(directory: str, name: str) -> str:
    """Where the branch keeps `name` for the config `directory` (the top for `.`)."""
    key = directory_key(directory)
    return name if key in (".", "") else f"{key}/{name}"


def check_extends(old: bytes, new: bytes, where: str) -> None:
    """Refuse (AuditError) when `old`, the branch's log, is not an exact prefix of `new`:
    told apart, records another apply appended since (a race) and a rewrite."""
    if new.startswith(old):
        return
    old_lines, new_lines = old.splitlines(), new.splitlines()
    same = next(
        (n for n, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)) if a != b),
        min(len(old_lines), len(new_lines)),
    )
    extra = old_lines[same:]
    if same < len(new_lines) and extra and _chained(old_lines[:same], extra):
        raise AuditError(
            f"{where} on the {BRANCH} branch gained {len(extra)} record(s) from another apply "
            f"after this apply read it: both extend line {same}, so this apply's records "
            "cannot follow them without breaking the chain. Nothing was pushed. Keep this "
            "run's audit log artifact: it is the record of this apply (the next apply "
            "chains on to the branch again)."
        )
    raise AuditError(
        f"{where} on the {BRANCH} branch is not the start of the log this apply wrote: "
        f"they differ at line {same + 1}. The branch's log was rewritten (a line edited, "
        "deleted or moved) since the apply read it. Nothing was pushed; the apply's log is "
        f"kept in the run's artifact. Compare the {BRANCH} branch's history with that "
        "artifact before restoring it."
    )


def _chained(common: list[bytes], extra: list[bytes]) -> bool:
    """True when each line of `extra` carries the hash of the line before it, the first
    chaining on to the last line of `common`: records appended, nothing rewritten."""
    prev = line_hash(common[-1]) if common else GENESIS
    for line in extra:
        if _json(line).get("prev") != prev:
            return False
        prev = line_hash(line)
    return True


def appended(old: bytes, lines: bytes) -> bytes:
    """`lines` added at the end of `old` (a last line cut off is ended first)."""
    if old and not old.endswith(b"\n"):
        old += b"\n"
    return old + lines


def persist(
    branch: LogBranch,
    extend: Mapping[str, bytes],
    append: Mapping[str, bytes],
    message: Callable[[Mapping[str, bytes]], str],
) -> Persisted:
    """Commit `extend` (each must extend the branch's file) and `append` (lines added to
    the branch's file) on the branch, and push; once more from the new tip if the push is
    refused. `message` gets the bytes added to each file."""
    for attempt in (1, 2):
        tip = branch.tip()
        files, added = _changes(branch, tip, extend, append)
        if not files:
            return Persisted(None, tip, {})
        commit = branch.commit(tip, files, message(added))
        try:
            branch.push(commit)
        except PushRejected as exc:
            if attempt == 2:
                raise ScimformError(
                    f"{exc}. The push was refused twice (the second time after fetching the "
                    f"branch again); nothing was added. Check the {BRANCH} branch's ruleset "
                    "lets this workflow push, then re-run this job."
                ) from None
            continue
        return Persisted(commit, tip, added)
    raise AssertionError("unreachable")  # pragma: no cover


def _changes(
    branch: LogBranch, tip: str | None, extend: Mapping[str, bytes], append: Mapping[str, bytes]
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    files: dict[str, bytes] = {}
    added: dict[str, bytes] = {}
    for path, new in extend.items():
        old = branch.read(tip, path)
        check_extends(old, new, path)
        if new != old:
            files[path], added[path] = new, new[len(old) :]
    for path, lines in append.items():
        if lines.strip():
            files[path], added[path] = appended(branch.read(tip, path), lines), lines
    return files, added


def audit_message(
    directory: str, added: Mapping[str, bytes], pull_requests: Sequence[int] = ()
) -> str:
    """The commit message: the applies added to the log, with their pull requests (those
    the records carry, and `pull_requests`, the ones the workflow applied)."""
    applies: list[str] = []
    pulls: list[int] = list(pull_requests)
    observations = 0
    for path, data in added.items():
        for line in data.splitlines():
            entry = _json(line)
            if path.endswith(DRIFT_FILE):
                observations += 1
            elif entry.get("type") == "begin":
                applies.append(str(entry.get("apply_id", "?")))
                pulls += [p["number"] for p in entry.get("pull_requests", []) if "number" in p]
    where = directory_key(directory)
    parts = [f"apply {a}" for a in applies]
    if pulls:
        parts.append("pull requests " + ", ".join(f"#{n}" for n in sorted(set(pulls))))
    elif applies:
        parts.append("no pull request")
    if observations:
        parts.append(f"{observations} drift observation(s)")
    return f"Audit log of {where}: " + ("; ".join(parts) or "no new records")


def _json(line: bytes) -> dict[str, Any]:
    try:
        found = json.loads(line)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
