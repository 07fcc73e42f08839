"""The review page opened in a real headless browser (Playwright driving Debian's
chromium): what an auditor sees, with and without JavaScript, and a screenshot."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from accessreview import build
from scimform_cli import cli

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def page_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo, _ = build(tmp_path_factory.mktemp("page") / "corp")
    out = repo.top.parent / "pack"
    args = ["--from", "2026-07-01", "--to", "2026-09-30", "--out", str(out)]
    result = cli("review", str(repo.top / "identity"), *args)
    assert result.exit_code == 0, result.output
    return out / "review.html"


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
@pytest.mark.parametrize("javascript", [True, False])
def test_the_page_shows_both_ends_and_the_self_grant(
    page_path: Path, tmp_path: Path, javascript: bool
) -> None:
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            context = browser.new_context(java_script_enabled=javascript)
            page = context.new_page()
            # No request may leave the page: it is self-contained.
            outside: list[str] = []
            page.on(
                "request",
                lambda r: outside.append(r.url) if not r.url.startswith("file:") else None,
            )
            page.goto(page_path.as_uri())
            groups = page.locator("#groups-table tbody tr", has_text="platform-admin")
            cells = groups.first.locator("td").all_inner_texts()
            assert cells[:5] == [
                "platform-admins (was platform-administrators)", "1", "bob@corp.example", "3",
                "alice@corp.example, bob@corp.example, mallory@corp.example",
            ]  # fmt: skip
            flags = page.locator("ul.flags li").all_inner_texts()
            assert flags[0] == (
                "self-granted: 2026-09-10 #45 by Mallory: "
                "platform-admins: + member mallory@corp.example"
            )
            assert page.locator("#changes-table tbody tr").count() == 7
            assert page.locator("input.filter").count() == (5 if javascript else 0)
            if javascript:  # filtering hides the other rows
                page.locator("input.filter").nth(1).fill("mallory")
                visible = page.locator("#changes-table tbody tr:visible")
                assert visible.count() == 1
                page.locator("input.filter").nth(1).fill("")
            page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
            assert (tmp_path / "review.png").stat().st_size > 10_000
            page.emulate_media(media="print")
            assert page.locator("h1").is_visible()
            assert outside == []
        finally:
            browser.close()
