"""The audit log kept on the `audit-log` branch of a real (bare) git repository: the branch
made on first use with no history, each apply's records appended in one commit naming the
apply and its pull requests, a branch log that is not an exact prefix refused with nothing
pushed, a refused push tried once more, and `scimform ci fetch-log` / `persist-log`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from scimform_cli import cli
from workflow_repo import branch_file, branch_log, git_origin

from scimform.audit import AuditTrail, PullRequest, read_log
from scimform.ci.branch import LogBranch
from scimform.ci.persist import audit_message, branch_path, check_extends, persist
from scimform.engine.changes import Action, Kind
from scimform.engine.result import ApplyResult, Outcome, StepResult
from scimform.errors import AuditError, ScimformError

PATH = "people/audit.jsonl"
STEP = StepResult("u1", Kind.USER, "dave@corp.example", Action.CREATE, Outcome.DONE, id="9")


def record_apply(log: Path, *pulls: int) -> str:
    """Append one apply (carrying `pulls`) to `log`; its apply id."""
    with AuditTrail.open(log) as trail:
        trail.begin(
            actor="octocat",
            target="local:store.db",
            plan_hash="ab" * 32,
            pull_requests=tuple(PullRequest(number=n) for n in pulls),
        )
        trail.step(STEP)
        trail.end(ApplyResult((STEP,)), succeeded=True)
        return trail.apply_id


@pytest.fixture
def origin(tmp_path: Path) -> tuple[Path, LogBranch]:
    """A bare `origin` and the branch as a clone sees it."""
    clone = tmp_path / "clone"
    bare = git_origin(tmp_path, clone)
    return bare, LogBranch(clone)


def message(added: Any) -> str:
    return audit_message("people", added)


def test_the_branch_is_made_on_first_use_and_each_apply_appends(
    tmp_path: Path, origin: tuple[Path, LogBranch]
) -> None:
    bare, branch = origin
    log = tmp_path / "audit.jsonl"
    first = record_apply(log, 7)
    done = persist(branch, {PATH: log.read_bytes()}, {}, message)
    assert done.parent is None and done.commit is not None
    assert branch_file(bare, PATH) == log.read_bytes()
    second = record_apply(log, 8, 9)
    persist(branch, {PATH: log.read_bytes()}, {}, message)
    assert branch_file(bare, PATH) == log.read_bytes()
    assert branch_log(bare) == [
        f"Audit log of people: apply {second}; pull requests #8, #9",
        f"Audit log of people: apply {first}; pull requests #7",
    ]
    orphan = subprocess.run(["git", "-C", str(bare), "rev-list", "--max-parents=0", "audit-log"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert len(orphan.stdout.split()) == 1  # one root: the branch shares no history with main
    # Nothing new: nothing is committed.
    assert persist(branch, {PATH: log.read_bytes()}, {}, message).commit is None
    assert len(branch_log(bare)) == 2


@pytest.mark.parametrize("tamper", ["edit", "delete"])
def test_a_branch_log_that_is_not_a_prefix_is_refused_and_nothing_pushed(
    tmp_path: Path, origin: tuple[Path, LogBranch], tamper: str
) -> None:
    bare, branch = origin
    log = tmp_path / "audit.jsonl"
    record_apply(log, 7)
    persist(branch, {PATH: log.read_bytes()}, {}, message)
    lines = log.read_bytes().splitlines(keepends=True)
    if tamper == "edit":
        lines[1] = lines[1].replace(b"dave@corp.example", b"eve@corp.example")
    else:
        del lines[1]
    rewritten = b"".join(lines)
    # Someone with push rights rewrites the branch from another clone.
    other = LogBranch(git_origin_clone(tmp_path, bare, "other"))
    forged = other.commit(other.tip(), {PATH: rewritten}, "Audit log of people: tidy")
    subprocess.run(["git", "-C", str(other.cwd), "push", "-q", "--force", "origin",
                    f"{forged}:refs/heads/audit-log"], check=True)  # fmt: skip
    before = branch_log(bare)
    record_apply(log, 8)
    with pytest.raises(AuditError, match=r"differ at line 2\. The branch's log was rewritten"):
        persist(branch, {PATH: log.read_bytes()}, {}, message)
    assert branch_log(bare) == before and branch_file(bare, PATH) == rewritten


def test_check_extends_names_the_first_line_that_differs() -> None:
    check_extends(b"a\nb\n", b"a\nb\nc\n", PATH)
    check_extends(b"", b"a\n", PATH)
    with pytest.raises(AuditError, match="differ at line 2"):
        check_extends(b"a\nB\n", b"a\nb\nc\n", PATH)
    with pytest.raises(AuditError, match="differ at line 3"):
        check_extends(b"a\nb\nc\n", b"a\nb\n", PATH)


def test_records_another_apply_pushed_meanwhile_are_told_from_a_rewrite(
    tmp_path: Path, origin: tuple[Path, LogBranch]
) -> None:
    bare, branch = origin
    log = tmp_path / "audit.jsonl"
    record_apply(log, 7)
    persist(branch, {PATH: log.read_bytes()}, {}, message)
    theirs = tmp_path / "theirs.jsonl"
    theirs.write_bytes(log.read_bytes())
    record_apply(log, 8)  # this apply read the branch, then another apply pushed first
    record_apply(theirs, 9)
    persist(LogBranch(git_origin_clone(tmp_path, bare, "other")), {PATH: theirs.read_bytes()},
            {}, message)  # fmt: skip
    with pytest.raises(AuditError, match=r"gained 3 record\(s\) from another apply after this"):
        persist(branch, {PATH: log.read_bytes()}, {}, message)
    assert branch_file(bare, PATH) == theirs.read_bytes()


class _Racing(LogBranch):
    """A branch whose pushes lose a race `times` times: just before each, another run
    appends a drift observation."""

    times = 1

    def push(self, commit: str) -> None:
        if self.times > 0:
            object.__setattr__(self, "times", self.times - 1)
            other = LogBranch(self.cwd.parent / "other")
            persist(other, {}, {"people/drift.jsonl": b'{"fact": "x"}\n'}, message)
        super().push(commit)


def test_a_refused_push_is_tried_once_more_from_the_new_tip(
    tmp_path: Path, origin: tuple[Path, LogBranch]
) -> None:
    bare, _ = origin
    git_origin_clone(tmp_path, bare, "other")
    racing = _Racing(tmp_path / "clone")
    log = tmp_path / "audit.jsonl"
    record_apply(log, 7)
    done = persist(racing, {PATH: log.read_bytes()}, {}, message)
    assert done.commit is not None and branch_file(bare, PATH) == log.read_bytes()
    assert branch_file(bare, "people/drift.jsonl") == b'{"fact": "x"}\n'  # kept, not overwritten

    object.__setattr__(racing, "times", 2)
    record_apply(log, 8)
    with pytest.raises(ScimformError, match="refused twice"):
        persist(racing, {PATH: log.read_bytes()}, {}, message)


def git_origin_clone(tmp_path: Path, bare: Path, name: str) -> Path:
    clone = tmp_path / name
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "remote", "add", "origin", str(bare)], check=True)
    return clone


def test_branch_paths_per_config_directory() -> None:
    assert branch_path(".", "audit.jsonl") == "audit.jsonl"
    assert branch_path("./people", "drift.jsonl") == "people/drift.jsonl"
    assert branch_path("orgs/acme", "audit.jsonl") == "orgs/acme/audit.jsonl"


def test_fetch_log_starts_empty_then_copies_the_branch(
    tmp_path: Path, origin: tuple[Path, LogBranch], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, branch = origin
    monkeypatch.chdir(branch.cwd)
    out = tmp_path / "fetched"
    outputs = tmp_path / "outputs"
    env = {"GITHUB_OUTPUT": str(outputs)}
    first = cli("ci", "fetch-log", "--directory", "people", "--out", str(out), env=env)
    assert first.exit_code == 0, first.output
    assert "not created yet: starting an empty log" in first.output
    assert (out / "audit.jsonl").read_bytes() == b""
    assert (out / "audit.jsonl").stat().st_mode & 0o777 == 0o600
    assert "base=\n" in outputs.read_text() and "artifact=scimform-audit-log-people" in (
        outputs.read_text()
    )
    log = tmp_path / "audit.jsonl"
    record_apply(log, 7)
    persist(branch, {PATH: log.read_bytes()}, {}, message)
    again = cli("ci", "fetch-log", "--directory", "people", "--out", str(out), env=env)
    assert again.exit_code == 0 and (out / "audit.jsonl").read_bytes() == log.read_bytes()


def test_fetch_log_from_a_remote_that_cannot_be_read_is_an_error(
    tmp_path: Path, origin: tuple[Path, LogBranch], monkeypatch: pytest.MonkeyPatch
) -> None:
    bare, branch = origin
    monkeypatch.chdir(branch.cwd)
    bare.rename(tmp_path / "gone.git")
    out = tmp_path / "fetched"
    result = cli("ci", "fetch-log", "--directory", "people", "--out", str(out))
    assert result.exit_code == 1
    assert "cannot read the branch audit-log of origin: git says:" in result.output
    assert not (out / "audit.jsonl").exists()  # never "nothing was recorded"


def test_persist_log_refuses_a_log_whose_chain_is_broken(
    tmp_path: Path, origin: tuple[Path, LogBranch], monkeypatch: pytest.MonkeyPatch
) -> None:
    bare, branch = origin
    monkeypatch.chdir(branch.cwd)
    log = tmp_path / "audit.jsonl"
    record_apply(log, 7)
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join([lines[0], *lines[2:]]))  # a step deleted
    result = cli("ci", "persist-log", "--directory", "people", "--audit-log", str(log))
    assert result.exit_code == 1 and "is not intact" in result.output
    assert branch_file(bare, PATH) is None


def test_persist_log_pushes_and_puts_the_head_hash_in_the_summary(
    tmp_path: Path, origin: tuple[Path, LogBranch], monkeypatch: pytest.MonkeyPatch
) -> None:
    bare, branch = origin
    monkeypatch.chdir(branch.cwd)
    log = tmp_path / "audit.jsonl"
    record_apply(log, 7)
    drift = tmp_path / "drift.jsonl"
    drift.write_text(json.dumps({"fact": "x"}) + "\n")
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GH_TOKEN": "ghs_not_sent_to_a_local_remote"}
    result = cli("ci", "persist-log", "--directory", "people", "--audit-log", str(log),
                 "--drift-log", str(drift), env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    head = read_log(log).head
    assert f"Head record hash of the audit log: `{head}`" in summary.read_text()
    assert branch_file(bare, "people/drift.jsonl") == drift.read_bytes()
    assert branch_log(bare)[0].endswith("pull requests #7; 1 drift observation(s)")


def test_each_target_keeps_its_own_log_on_the_branch(
    tmp_path: Path, origin: tuple[Path, LogBranch], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sandbox's and production's applies run apart; neither log may extend the other's.
    bare, branch = origin
    monkeypatch.chdir(branch.cwd)
    logs = {name: tmp_path / f"{name}.jsonl" for name in ("sandbox", "production")}
    for name, log in logs.items():
        record_apply(log, 7)
        result = cli("ci", "persist-log", "--directory", "people", "--audit-log", str(log),
                     "--target", name)  # fmt: skip
        assert result.exit_code == 0, result.output
    for name, log in logs.items():
        assert branch_file(bare, f"people/{name}/audit.jsonl") == log.read_bytes()
        out = tmp_path / f"fetched-{name}"
        outputs = tmp_path / f"outputs-{name}"
        fetched = cli("ci", "fetch-log", "--directory", "people", "--out", str(out),
                      "--target", name, env={"GITHUB_OUTPUT": str(outputs)})  # fmt: skip
        assert fetched.exit_code == 0, fetched.output
        assert (out / "audit.jsonl").read_bytes() == log.read_bytes()
        assert f"artifact=scimform-audit-log-people-{name}" in outputs.read_text()
    assert branch_file(bare, PATH) is None
