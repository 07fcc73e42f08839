"""The review pack joins the drift log: the drift incidents that overlap the period, each
with first seen, last seen, resolved, what and kind, in drift.csv and on the page, read
from `--drift` or from drift.jsonl beside the audit log."""

from __future__ import annotations

import csv
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from accessreview import build
from gitrepo import Repo
from scimform_cli import cli

from scimform.audit.drift import Observation
from scimform.ci.timeline import item_id

ADMIN = '["user","mallory@corp.example","delete"]'
AHEAD = '["group","platform-admins","remove member","alice@corp.example"]'
BEFORE = '["user","eve@corp.example","delete"]'


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, dict[str, str], Path]:
    repo, sha = build(tmp_path_factory.mktemp("drift") / "corp")
    return repo, sha, repo.top / "identity"


def seen(fact: str, day: str, status: str = "present", kind: str = "outside",
         pulls: tuple[int, ...] = ()) -> Observation:  # fmt: skip
    at = datetime.fromisoformat(f"{day}T03:17:00+00:00").astimezone(UTC)
    what = {ADMIN: 'user "mallory@corp.example": delete (member of platform-admins)',
            AHEAD: 'group "platform-admins": remove member alice@corp.example',
            BEFORE: 'user "eve@corp.example": delete'}[fact]  # fmt: skip
    return Observation(
        time=at, directory="identity", commit="c" * 40, item=item_id(fact), fact=fact,
        what=what, subject=what.split(":")[0], kind=kind, pull_requests=pulls,  # type: ignore[arg-type]
        first_seen=at, status=status,  # type: ignore[arg-type]
    )  # fmt: skip


def drift_log(path: Path) -> Path:
    lines = [
        seen(BEFORE, "2026-01-10"), seen(BEFORE, "2026-01-11", "resolved"),  # before the period
        seen(ADMIN, "2026-08-01"), seen(ADMIN, "2026-08-02"), seen(ADMIN, "2026-08-03"),
        seen(ADMIN, "2026-08-04", "resolved"),
        seen(AHEAD, "2026-09-29", kind="ahead", pulls=(46,)),
        seen(AHEAD, "2026-09-30", kind="ahead", pulls=(46,)),
        seen(AHEAD, "2026-10-03", "resolved"),  # resolved after the period's end
    ]  # fmt: skip
    path.write_text("".join(o.model_dump_json() + "\n" for o in lines), encoding="utf-8")
    return path


def test_the_pack_lists_the_drift_incidents_of_the_period(
    story: tuple[Repo, dict[str, str], Path], tmp_path: Path
) -> None:
    root = story[2]
    out = tmp_path / "pack"
    drift = drift_log(tmp_path / "drift.jsonl")
    result = cli("review", str(root), "--from", "2026-07-01", "--to", "2026-09-30",
                 "--out", str(out), "--drift", str(drift))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "applies, 2 drift incidents." in result.stdout
    rows = list(csv.DictReader((out / "drift.csv").read_text().splitlines()))
    assert rows == [
        {"first_seen": "2026-08-01T03:17:00Z", "last_seen": "2026-08-03T03:17:00Z",
         "resolved": "2026-08-04T03:17:00Z", "status": "resolved",
         "kind": "store changed outside git", "pull_requests": "",
         "subject": 'user "mallory@corp.example"',
         "what": 'user "mallory@corp.example": delete (member of platform-admins)'},
        {"first_seen": "2026-09-29T03:17:00Z", "last_seen": "2026-09-30T03:17:00Z",
         "resolved": "", "status": "present",
         "kind": "config ahead of the store (merged, not applied: PR #46)",
         "pull_requests": "#46", "subject": 'group "platform-admins"',
         "what": 'group "platform-admins": remove member alice@corp.example'},
    ]  # fmt: skip
    page = (out / "review.html").read_text()
    assert "Drift is not recorded yet" not in page
    assert 'id="drift-table"' in page and "eve@corp.example" not in page
    assert "config ahead of the store (merged, not applied: PR #46)" in page


def test_the_drift_log_beside_the_audit_log_is_read_without_asking(
    story: tuple[Repo, dict[str, str], Path], tmp_path: Path
) -> None:
    root = story[2]
    fetched = tmp_path / "audit-log"  # as an auditor copies both files from the branch
    fetched.mkdir()
    shutil.copy(root / ".scimform" / "audit.jsonl", fetched / "audit.jsonl")
    drift_log(fetched / "drift.jsonl")
    out = tmp_path / "pack"
    result = cli("review", str(root), "--from", "2026-07-01", "--to", "2026-09-30",
                 "--out", str(out), "--audit-log", str(fetched / "audit.jsonl"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len((out / "drift.csv").read_text().splitlines()) == 3


def test_a_drift_log_that_cannot_be_read_is_an_error_and_no_pack_is_written(
    story: tuple[Repo, dict[str, str], Path], tmp_path: Path
) -> None:
    root = story[2]
    out = tmp_path / "pack"
    bad = tmp_path / "drift.jsonl"
    bad.write_text('{"type": "drift"}\n')
    for given, said in ((bad, f"{bad}:1: not a drift observation"),
                        (tmp_path / "missing.jsonl", "cannot read the drift log")):  # fmt: skip
        result = cli("review", str(root), "--from", "2026-07-01", "--to", "2026-09-30",
                     "--out", str(out), "--drift", str(given))  # fmt: skip
        assert result.exit_code == 1 and said in result.stderr, result.output
        assert not out.exists()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_the_page_shows_the_drift_incidents_in_a_browser(
    story: tuple[Repo, dict[str, str], Path], tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "pack"
    drift = drift_log(tmp_path / "drift.jsonl")
    result = cli("review", str(story[2]), "--from", "2026-07-01", "--to", "2026-09-30",
                 "--out", str(out), "--drift", str(drift))  # fmt: skip
    assert result.exit_code == 0, result.output
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=args)
        try:
            page = browser.new_context(java_script_enabled=False).new_page()
            page.goto((out / "review.html").as_uri())
            rows = page.locator("#drift-table tbody tr")
            assert rows.count() == 2
            first = rows.first.locator("td").all_inner_texts()
            assert first[:5] == [
                "2026-08-01T03:17:00Z", "2026-08-03T03:17:00Z", "2026-08-04T03:17:00Z",
                "resolved", "store changed outside git",
            ]  # fmt: skip
            page.screenshot(path=str(tmp_path / "drift.png"), full_page=True)
        finally:
            browser.close()
