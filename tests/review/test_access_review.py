"""The quarterly access review, asked of a repository built here (see accessreview.py):
who was in platform-admins on a date, who granted a membership and who approved it, every
change in a quarter by landing date, the applies, and the review pack's CSV files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from accessreview import build
from click.testing import Result
from gitrepo import Repo
from scimform_cli import cli

ALICE = "alice@corp.example"


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, dict[str, str], Path]:
    repo, sha = build(tmp_path_factory.mktemp("review") / "corp")
    return repo, sha, repo.top / "identity"


def _run(*args: str) -> Result:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result


def test_who_was_in_platform_admins_on_a_date(story: tuple[Repo, dict[str, str], Path]) -> None:
    _, sha, root = story
    # PR #42 was written on 06-30 and merged on 07-01: alice is not in yet on 06-30.
    before = _run("access", str(root), "--at", "2026-06-30", "--group", "platform-admins")
    assert before.stdout.splitlines()[1:] == [
        "platform-administrators (1)",
        "  bob@corp.example  Bob Example",
    ]
    assert before.stdout.startswith(f"At 2026-06-30: the config as of {sha['start'][:7]} ")
    after = _run("access", str(root), "--at", "2026-07-01", "--group", "platform-admins",
                 "--format", "csv")  # fmt: skip
    assert list(csv.reader(after.stdout.splitlines())) == [
        ["group", "userName", "displayName", "email", "externalId"],
        ["platform-administrators", "alice@corp.example", "Alice Example",
         "alice@corp.example", "a-1"],
        ["platform-administrators", "bob@corp.example", "Bob Example", "bob@corp.example", "b-2"],
    ]  # fmt: skip
    # Mallory's self-grant landed on 09-10 (written 09-09); a revision works as well as a date.
    on_ninth = json.loads(_run("access", str(root), "--at", "2026-09-09", "--format", "json",
                               "--group", "platform-admins").stdout)  # fmt: skip
    assert [m["userName"] for m in on_ninth["memberships"]] == [
        "alice@corp.example", "bob@corp.example"
    ]  # fmt: skip
    by_rev = _run("access", str(root), "--at", sha["self"][:7], "--user", "m-4")
    assert by_rev.stdout.splitlines()[1:] == [
        "platform-admins (1)",
        "  mallory@corp.example  Mallory Example",
    ]


def test_an_unknown_group_at_a_date_is_an_error(story: tuple[Repo, dict[str, str], Path]) -> None:
    result = cli("access", str(story[2]), "--at", "2026-07-01", "--group", "platform-admin")
    assert result.exit_code == 1
    assert 'no group "platform-admin" is declared at 2026-07-01 or now' in result.stderr


def test_who_granted_alice_admin_and_who_approved_it(
    story: tuple[Repo, dict[str, str], Path],
) -> None:
    _, sha, root = story
    result = _run("history", str(root), "--group", "platform-admins", "--format", "json")
    changes = json.loads(result.stdout)["changes"]
    granted = [c for c in changes if (c["member"], c["action"]) == (ALICE, "member-added")]
    assert len(granted) == 1
    (change,) = granted
    assert {k: change[k] for k in ("date", "authored", "commit", "landed_commit", "author",
                                   "pr", "approvers", "merged_by", "apply_outcome", "flags")} == {
        "date": "2026-07-01T09:00:00+00:00",
        "authored": "2026-06-30T09:00:00+00:00",
        "commit": sha["add"],
        "landed_commit": sha["merge42"],
        "author": "Jane Doe",
        "pr": 42,
        "approvers": ["bob"],
        "merged_by": "max",
        "apply_outcome": "done",
        "flags": [],
    }  # fmt: skip
    assert change["applied"] is not None


def test_every_change_in_the_third_quarter_by_landing_date(
    story: tuple[Repo, dict[str, str], Path],
) -> None:
    _, sha, root = story
    result = _run("history", str(root), "--since", "2026-07-01", "--until", "2026-09-30")
    lines = [line.split("  (")[0] + "".join(f"  [{f}" for f in line.split("  [")[1:])
             for line in result.stdout.splitlines()]  # fmt: skip
    short = {k: v[:7] for k, v in sha.items()}
    assert lines == [
        f"2026-07-01  {short['add']}  #42  Jane Doe     "
        "platform-administrators: + member alice@corp.example",
        f"2026-07-12  {short['promote']}  #43  Ann Other    "
        'alice@corp.example: ~ title "Engineer" -> "Senior Engineer"',
        f"2026-08-03  {short['fix']}  #44  Carol        carol.smith@corp.example: ~ userName "
        '"carol@corp.example" -> "carol.smith@corp.example"',
        f"2026-08-03  {short['fix']}  #44  Carol        carol.smith@corp.example: ~ email "
        '"carol@corp.example" -> "carol.smith@corp.example"',
        f"2026-08-03  {short['fix']}  #44  Carol        "
        'platform-admins: ~ displayName "platform-administrators" -> "platform-admins"',
        f"2026-09-10  {short['self']}  #45  Mallory      "
        "platform-admins: + member mallory@corp.example  [self-granted]",
        f"2026-09-28  {short['push']}  -    Bob Builder  developers: + member bob@corp.example"
        "  [direct push]  [applied without review]",
    ]
    # The never-landed broken commit on the branch is not in any answer by default...
    assert "does not load" not in _run("history", str(root)).stdout
    # ...and is there, on its own commit, with --all-commits.
    every = _run("history", str(root), "--all-commits").stdout
    assert [line[:19] for line in every.splitlines() if "does not load" in line] == [
        f"2026-08-03  {short['wip']}"  # landed with the merge of PR #44
    ]


def test_since_and_until_take_revisions(story: tuple[Repo, dict[str, str], Path]) -> None:
    _, sha, root = story
    result = _run("history", str(root), "--since", sha["merge44"], "--until", sha["push"][:7],
                  "--format", "csv")  # fmt: skip
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [(r["pr"], r["change"], r["flags"]) for r in rows] == [
        ("45", "platform-admins: + member mallory@corp.example", "self-granted"),
        ("", "developers: + member bob@corp.example", "direct push; applied without review"),
    ]
    branch_only = cli("history", str(root), "--since", sha["wip"])
    assert branch_only.exit_code == 1
    assert "did not land on the default branch" in branch_only.stderr


def test_audit_show_names_members_pull_requests_and_approvers(
    story: tuple[Repo, dict[str, str], Path],
) -> None:
    _, sha, root = story
    text = _run("audit", "show", str(root)).stdout
    assert (
        '#45 "Pull request 45" by mallory, merged by max 2026-09-10T15:00:00Z, approved by nobody'
        in text
    )
    assert 'done        add_members group "platform-admins": mallory@corp.example (' in text
    body = json.loads(_run("audit", "show", str(root), "--format", "json").stdout)
    assert body["intact"] is True
    assert [(a["begin"]["commit"], a["flags"]) for a in body["applies"]][-2:] == [
        (sha["push"], ["applied without review"]),
        (sha["leave"], []),
    ]
    rows = list(
        csv.DictReader(_run("audit", "show", str(root), "--format", "csv").stdout.splitlines())
    )
    removed = [r for r in rows if r["action"] == "remove_members"]
    assert [(r["key"], r["members"], r["pull_requests"], r["approvers"]) for r in removed] == [
        ("platform-admins", "alice@corp.example", "#46", "bob")
    ]
    none = cli("audit", "show", str(root), "--since", "2099-01-01")
    assert (none.exit_code, none.stdout) == (0, "")


def test_the_review_pack_holds_members_at_both_ends_changes_and_flags(
    story: tuple[Repo, dict[str, str], Path], tmp_path: Path
) -> None:
    root = story[2]
    out = tmp_path / "pack"
    result = _run("review", str(root), "--from", "2026-07-01", "--to", "2026-09-30",
                  "--out", str(out))  # fmt: skip
    assert "7 changes, 2 flagged" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "applies.csv", "changes.csv", "flags.csv", "groups.csv", "members-end.csv",
        "members-start.csv", "review.html",
    ]  # fmt: skip

    def table(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader((out / name).read_text().splitlines()))

    def admins(name: str) -> list[str]:
        return [r["userName"] for r in table(name) if r["group"].startswith("platform-admin")]

    assert admins("members-start.csv") == ["bob@corp.example"]
    assert admins("members-end.csv") == [
        "alice@corp.example", "bob@corp.example", "mallory@corp.example"
    ]  # fmt: skip
    assert table("groups.csv") == [
        {"group": "developers", "members_at_start": "alice@corp.example carol@corp.example",
         "members_at_end": "alice@corp.example bob@corp.example carol.smith@corp.example",
         "joined": "bob@corp.example", "left": ""},  # carol was renamed, not replaced
        {"group": "platform-admins (was platform-administrators)",
         "members_at_start": "bob@corp.example",
         "members_at_end": "alice@corp.example bob@corp.example mallory@corp.example",
         "joined": "alice@corp.example mallory@corp.example", "left": ""},
    ]  # fmt: skip
    flagged = table("flags.csv")
    assert [(r["landed"], r["author"], r["change"], r["flags"]) for r in flagged] == [
        ("2026-09-10T15:00:00Z", "Mallory", "platform-admins: + member mallory@corp.example",
         "self-granted"),
        ("2026-09-28T09:00:00Z", "Bob Builder", "developers: + member bob@corp.example",
         "direct push; applied without review"),
    ]  # fmt: skip
    page = (out / "review.html").read_text()
    assert "http://" not in page and "https://" not in page.replace(
        "https://github.example/corp/identity/pull/", ""
    )
    assert "Drift is not recorded yet" in page


def test_a_period_given_backwards_or_a_date_that_is_no_date_is_one_clear_error(
    story: tuple[Repo, dict[str, str], Path], tmp_path: Path
) -> None:
    root = str(story[2])
    out = tmp_path / "pack"
    backwards = cli("review", root, "--from", "2026-09-30", "--to", "2026-07-01", "--out", str(out))
    assert (backwards.exit_code, backwards.stderr) == (
        1, "Error: --to 2026-07-01 is before --from 2026-09-30: give the period in order\n"
    )  # fmt: skip
    bad = cli("review", root, "--from", "2026-02-30", "--to", "2026-07-01", "--out", str(out))
    assert bad.exit_code == 1
    assert bad.stderr == 'Error: "2026-02-30" is not a date (YYYY-MM-DD) or a time (ISO 8601)\n'
    assert not out.exists()
    for args, message in (
        (["history", root, "--until", "2026-13-01"], '"2026-13-01" is not a date (YYYY-MM-DD)'),
        (["access", root, "--at", "nope"], '"nope" is neither a date (YYYY-MM-DD) nor a revision'),
    ):
        result = cli(*args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith(f"Error: {message}")


def test_an_audit_log_given_that_cannot_be_read_is_an_error_and_no_pack_is_written(
    story: tuple[Repo, dict[str, str], Path], tmp_path: Path
) -> None:
    root = story[2]
    out = tmp_path / "pack"
    result = cli(
        "review", str(root), "--from", "2026-07-01", "--to", "2026-09-30", "--out", str(out),
        "--audit-log", str(tmp_path / "missing.jsonl"),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "cannot read the audit log" in result.stderr
    assert not out.exists()


def test_a_tampered_audit_log_is_told_in_the_pack(
    story: tuple[Repo, dict[str, str], Path], tmp_path: Path
) -> None:
    root = story[2]
    log = tmp_path / "audit.jsonl"
    lines = (root / ".scimform" / "audit.jsonl").read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:3] + lines[4:]))  # a line deleted
    out = tmp_path / "pack"
    result = cli(
        "review", str(root), "--from", "2026-07-01", "--to", "2026-09-30", "--out", str(out),
        "--audit-log", str(log),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"warning: the audit log {log} was changed after it was written" in result.stderr
    assert "the hash chain is BROKEN" in (out / "review.html").read_text()
    shown = cli("audit", "show", str(root), "--log", str(log))
    assert shown.exit_code == 0
    assert "Tampered: " in shown.stderr
