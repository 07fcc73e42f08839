"""Gaps of `scimform apply` closed after the fact: the README's first command, what a
terminal sees (colour, a progress bar) against what CI sees (plain lines), and member
changes across the 100-per-request limit over HTTP.

The console script runs as a subprocess where the terminal matters: on a pseudo-terminal
for a terminal, on pipes for CI.
"""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from scimform.cli import main
from scimform.cli.apply_report import summary
from scimform.engine.changes import Action, Kind
from scimform.engine.result import ApplyResult, Outcome, StepResult
from scimform.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCIMFORM = str(Path(sys.executable).parent / "scimform")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?3[0-7](?:;[0-9;]*)?m")  # a foreground colour
PLAIN_ENV = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}


def person(n: int) -> dict[str, Any]:
    name = f"p{n:03}@corp.example"
    return {
        "userName": name,
        "externalId": f"e-{n:03}",
        "givenName": f"Given{n}",
        "familyName": "Example",
        "displayName": f"Given{n} Example",
        "email": name,
    }


def write(root: Path, target: dict[str, str], users: list[Any], groups: list[Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "scimform.yaml").write_text(yaml.safe_dump({"target": target}), "utf-8")
    people = yaml.safe_dump({"users": users, "groups": groups})
    (root / "people.yaml").write_text(people, "utf-8")
    return root


def on_a_terminal(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run the console script with stdout and stderr on a pseudo-terminal."""
    parent, child = pty.openpty()
    process = subprocess.Popen(
        [SCIMFORM, *args], stdin=subprocess.DEVNULL, stdout=child, stderr=child, env=env
    )
    os.close(child)
    chunks: list[bytes] = []
    try:
        while True:
            try:
                chunk = os.read(parent, 65536)
            except OSError:  # the terminal closes when the process ends
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(parent)
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_the_readme_quickstart_applies_against_the_embedded_store(tmp_path: Path) -> None:
    config = tmp_path / "quickstart"
    shutil.copytree(EXAMPLES / "quickstart", config, ignore=shutil.ignore_patterns(".scimform"))
    assert "target" not in yaml.safe_load((config / "scimform.yaml").read_text("utf-8"))
    env = {**os.environ, "NO_COLOR": "1"}
    applied = subprocess.run(
        [SCIMFORM, "apply", str(config), "--auto-approve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Plan: 12 to add, 0 to change, 0 to destroy; 11 members to add" in applied.stdout
    assert "Apply complete" in applied.stdout and "Traceback" not in applied.stderr
    with Store.open(config / ".scimform" / "store.db") as store:
        assert store.count_users() == 8 and store.count_groups() == 4
    again = subprocess.run(
        [SCIMFORM, "plan", str(config)], env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith("No changes.")


def test_a_terminal_gets_colour_and_a_progress_bar(tmp_path: Path) -> None:
    root = write(tmp_path / "config", {"url": "local:store.db"}, [person(n) for n in range(25)], [])
    code, seen = on_a_terminal("apply", str(root), "--auto-approve", env=PLAIN_ENV)
    assert code == 0, seen
    assert COLOUR.search(seen), "the plan is coloured on a terminal"
    assert "Applying" in seen  # the bar's label
    assert "Applied 25 of 25 steps." not in seen  # CI's plain lines stay out of a terminal
    assert "Apply complete: 25 done." in seen


def test_no_color_turns_colour_off_on_a_terminal(tmp_path: Path) -> None:
    root = write(tmp_path / "config", {"url": "local:store.db"}, [person(n) for n in range(3)], [])
    code, seen = on_a_terminal("plan", str(root), env={**PLAIN_ENV, "NO_COLOR": "1"})
    assert code == 2, seen
    assert '+ user "p000@corp.example"' in seen
    assert not COLOUR.search(seen)


def test_ci_gets_plain_progress_lines_and_no_colour(tmp_path: Path) -> None:
    root = write(tmp_path / "config", {"url": "local:store.db"}, [person(n) for n in range(25)], [])
    applied = subprocess.run(
        [SCIMFORM, "apply", str(root), "--auto-approve"],
        env=PLAIN_ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Applied 25 of 25 steps." in applied.stderr
    assert "Applied 3 of 25 steps." in applied.stderr  # a line at every tenth of the way
    assert "\x1b[" not in applied.stdout + applied.stderr


def run(server: Any, *args: str) -> Result:
    env = {"SCIM_TOKEN": server.token, "NO_COLOR": "1"}
    result = CliRunner().invoke(main, list(args), env=env)
    assert server.token not in result.output
    return result


def members_of(store: Store, group_id: str) -> set[str]:
    names: set[str] = set()
    after = None
    while True:
        page, after = store.list_users(group_id=group_id, after=after)
        names |= {doc["userName"] for doc in page}
        if after is None:
            return names


def test_member_changes_cross_the_100_limit_over_http(scim_server: Any, tmp_path: Path) -> None:
    # The server refuses a PATCH of more than 100 members and any replace of the member
    # list, as AWS does: each apply succeeding proves the chunks and the add/remove ops.
    people = [person(n) for n in range(250)]
    names = [p["userName"] for p in people]
    target = {"url": scim_server.url, "token": "env:SCIM_TOKEN"}
    root = write(tmp_path / "config", target, people, [{"displayName": "big", "members": names}])
    for members, expected in ((names, 250), (names[:130], 130), (names[5:], 245)):
        write(root, target, people, [{"displayName": "big", "members": members}])
        # Removing 120 of 250 members is unsafe (above max_delete_pct): forced.
        result = run(scim_server, "apply", str(root), "--auto-approve", "--force")
        assert result.exit_code == 0, result.output
        page, _ = scim_server.store.list_groups(limit=10)
        assert [g["displayName"] for g in page] == ["big"]
        assert members_of(scim_server.store, page[0]["id"]) == set(members)
        assert len(members) == expected
        assert run(scim_server, "plan", str(root)).exit_code == 0


def test_the_summary_says_why_an_apply_stopped_itself() -> None:
    failed = StepResult("s1", Kind.USER, "alice@x", Action.CREATE, Outcome.FAILED)
    waiting = StepResult("s2", Kind.USER, "bob@x", Action.CREATE, Outcome.NOT_STARTED)
    reason = "the store gave no answer to 5 changes in a row"
    line = summary(ApplyResult((failed, waiting), stopped=True, stop_reason=reason))
    assert line.startswith(f"Apply stopped ({reason}): 1 failed, 1 not started.")
    assert summary(ApplyResult((failed, waiting), stopped=True)).startswith("Apply stopped: ")
