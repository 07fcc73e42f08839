"""`scimform apply` through the real CLI, against `scimform serve` over HTTP and `local:`:
creates, updates, renames, members across the 100-per-request limit, ownership and
safety, saved plans, failures and faults, Ctrl-C; the README's first command; and what a
terminal sees (colour, a progress bar) against what CI sees (plain lines).

Every run checks that the token appears in no output. The live store is inspected through
the store itself, never through the code under test. The console script runs as a
subprocess where the terminal matters: on a pseudo-terminal for a terminal, on pipes for CI.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import group_doc, person, team, write_config
from click.testing import Result
from scimform_cli import SCIMFORM, cli, signal_after_progress, start

from scimform.backends import retry
from scimform.cli.apply_report import summary
from scimform.engine.changes import Action, Kind
from scimform.engine.result import ApplyResult, Outcome, StepResult
from scimform.model import User
from scimform.server.knobs import Knobs
from scimform.store import Store
from scimform.synthetic import synthetic_org
from scimform.synthetic import write_config as write_synthetic
from scimform.wire import user_to_scim

StartServer = Callable[..., Any]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?3[0-7](?:;[0-9;]*)?m")  # a foreground colour
PLAIN_ENV = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}


@dataclass
class Target:
    """Where a test config points, and how the test looks at the store behind it."""

    url: str
    token: str | None = field(repr=False)  # never in a failing test's report
    opened: Callable[[], Store]
    owned: bool  # the test opens (and closes) the store itself: local:

    @property
    def env(self) -> dict[str, str]:
        return {"SCIM_TOKEN": self.token or ""}

    def config(
        self, root: Path, users: list[dict[str, Any]], groups: list[dict[str, Any]], **settings: Any
    ) -> Path:
        """A config in `root` pointing here, with these users, groups and top-level settings."""
        token = None if self.token is None else "env:SCIM_TOKEN"
        return write_config(root, url=self.url, token=token, users=users, groups=groups, **settings)

    @contextmanager
    def store(self) -> Iterator[Store]:
        store = self.opened()
        try:
            yield store
        finally:
            if self.owned:
                store.close()


@pytest.fixture
def http(scim_server_factory: StartServer) -> Iterator[Any]:
    yield scim_server_factory()


def http_target(server: Any) -> Target:
    return Target(server.url, server.token, lambda: server.store, owned=False)


def local_target(root: Path) -> Target:
    return Target("local:store.db", None, lambda: Store.open(root / "store.db"), owned=True)


@pytest.fixture(params=["local", "http"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    if request.param == "local":
        return local_target(tmp_path / "config")
    return http_target(request.getfixturevalue("http"))


def run(target: Target, *args: str, input: str | None = None) -> Result:
    return cli(*args, env=target.env, input=input)


def apply(target: Target, root: Path, *extra: str) -> Result:
    return run(target, "apply", str(root), "--auto-approve", *extra)


def users_of(store: Store) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        page, after = store.list_users(after=after)
        out.update((doc["userName"], doc) for doc in page)
        if after is None:
            return out


def groups_of(store: Store) -> dict[str, tuple[str, set[str]]]:
    """displayName -> (id, the userNames of its members)."""
    names = {doc["id"]: name for name, doc in users_of(store).items()}
    out: dict[str, tuple[str, set[str]]] = {}
    page, _ = store.list_groups(limit=100)
    for doc in page:
        members: set[str] = set()
        after = None
        while True:
            found, after = store.list_users(group_id=doc["id"], after=after)
            members |= {names[u["id"]] for u in found}
            if after is None:
                break
        out[doc["displayName"]] = (doc["id"], members)
    return out


ORG_USERS = [person(1, manager="p002@corp.example", title="Engineer"), person(2), person(3)]
ORG_GROUPS = [
    team("admins", ["p001@corp.example", "p002@corp.example"]),
    team("everyone", ["p003@corp.example"], externalId="g-all"),
]


def test_create_from_empty_then_nothing_more_to_do(target: Target, tmp_path: Path) -> None:
    root = target.config(tmp_path / "config", ORG_USERS, ORG_GROUPS)
    first = apply(target, root)
    assert first.exit_code == 0, first.output
    assert "Plan: 5 to add" in first.output
    assert "Apply complete: 7 done." in first.output
    with target.store() as store:
        users = users_of(store)
        groups = groups_of(store)
    assert set(users) == {"p001@corp.example", "p002@corp.example", "p003@corp.example"}
    manager = users["p001@corp.example"][
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    ]["manager"]["value"]
    assert manager == users["p002@corp.example"]["id"]
    assert groups["admins"][1] == {"p001@corp.example", "p002@corp.example"}
    assert groups["everyone"][1] == {"p003@corp.example"}
    second = apply(target, root)
    assert second.exit_code == 0 and "No changes." in second.output
    assert "Apply complete" not in second.output
    assert run(target, "plan", str(root)).exit_code == 0


def test_attribute_changes_and_renames_update_in_place(target: Target, tmp_path: Path) -> None:
    root = target.config(tmp_path / "config", ORG_USERS, ORG_GROUPS)
    assert apply(target, root).exit_code == 0
    with target.store() as store:
        ids = {name: doc["id"] for name, doc in users_of(store).items()}
        group_ids = {name: id for name, (id, _) in groups_of(store).items()}
    users = [
        person(1, manager="renamed@corp.example", title="Lead"),
        {**person(2), "userName": "renamed@corp.example"},
        person(3),
    ]
    groups = [
        team(
            "administrators",
            ["p001@corp.example", "renamed@corp.example"],
            previously=["admins"],
        ),
        ORG_GROUPS[1],
    ]
    result = apply(target, target.config(root, users, groups))
    assert result.exit_code == 0, result.output
    assert "0 to add, 3 to change, 0 to destroy" in result.output
    with target.store() as store:
        after = users_of(store)
        after_groups = groups_of(store)
    assert after["renamed@corp.example"]["id"] == ids["p002@corp.example"]
    assert after["p001@corp.example"]["title"] == "Lead"
    assert after_groups["administrators"] == (
        group_ids["admins"],
        {"p001@corp.example", "renamed@corp.example"},
    )
    assert apply(target, root).output.count("No changes.") == 1


def test_member_changes_cross_the_100_per_request_limit(tmp_path: Path) -> None:
    target = local_target(tmp_path / "config")
    people = [person(n) for n in range(250)]
    names = [p["userName"] for p in people]
    root = target.config(tmp_path / "config", people, [team("big", names)])
    result = apply(target, root)
    assert result.exit_code == 0, result.output
    assert "250 members to add" in result.output
    with target.store() as store:
        assert len(groups_of(store)["big"][1]) == 250
    # 120 out and 0 in, then 120 back in: both across chunks of 100. Removing 48% of a
    # group's members is unsafe: --force it.
    target.config(root, people, [team("big", names[:130])])
    shrink = apply(target, root, "--force")
    assert "120 to remove" in shrink.output and shrink.exit_code == 0, shrink.output
    with target.store() as store:
        assert groups_of(store)["big"][1] == set(names[:130])
    target.config(root, people, [team("big", names)])
    assert apply(target, root).exit_code == 0
    with target.store() as store:
        assert groups_of(store)["big"][1] == set(names)


def test_member_changes_cross_the_100_limit_over_http(scim_server: Any, tmp_path: Path) -> None:
    # The server refuses a PATCH of more than 100 members and any replace of the member
    # list, as AWS does: each apply succeeding proves the chunks and the add/remove ops.
    target = http_target(scim_server)
    people = [person(n) for n in range(250)]
    names = [p["userName"] for p in people]
    root = target.config(tmp_path / "config", people, [team("big", names)])
    for members, expected in ((names, 250), (names[:130], 130), (names[5:], 245)):
        target.config(root, people, [team("big", members)])
        # Removing 120 of 250 members is unsafe (above max_delete_pct): forced.
        result = apply(target, root, "--force")
        assert result.exit_code == 0, result.output
        groups = groups_of(scim_server.store)
        assert list(groups) == ["big"]
        assert groups["big"][1] == set(members)
        assert len(members) == expected
        assert run(target, "plan", str(root)).exit_code == 0


def seed_outsiders(store: Store) -> None:
    """A user made by hand and a Control Tower group with a member, outside the config."""
    hand = User("hand@corp.example", "Hand", "Made", "Hand Made", external_id="e-hand")
    made = store.create_user(user_to_scim(hand))
    store.create_group(group_doc("AWSControlTowerAdmins"), [made["id"]])


def test_prune_off_leaves_undeclared_objects_and_prune_on_deletes_them(
    http: Any, tmp_path: Path
) -> None:
    target = http_target(http)
    seed_outsiders(http.store)
    root = target.config(tmp_path / "config", ORG_USERS, ORG_GROUPS)
    kept = apply(target, root)
    assert kept.exit_code == 0, kept.output
    assert "1 live user is not in the config and was left alone" in kept.output
    assert "hand@corp.example" in users_of(http.store)
    target.config(root, ORG_USERS, ORG_GROUPS, ownership={"prune": True})
    pruned = apply(target, root)
    assert pruned.exit_code == 0, pruned.output
    assert "1 to destroy" in pruned.output
    assert "hand@corp.example" not in users_of(http.store)
    groups = groups_of(http.store)
    assert "AWSControlTowerAdmins" in groups  # ignored: AWS* by default
    assert "1 live group matches ownership.ignore" in pruned.output


def test_an_unsafe_plan_is_refused_unless_forced(tmp_path: Path) -> None:
    target = local_target(tmp_path / "config")
    people = [person(n) for n in range(12)]
    root = target.config(tmp_path / "config", people, [], ownership={"prune": True})
    assert apply(target, root).exit_code == 0
    target.config(root, people[:9], [], ownership={"prune": True})
    refused = apply(target, root)
    assert refused.exit_code == 3
    assert "deletes 3 of 12 live users (25%), above safety.max_delete_pct (10%)" in refused.output
    assert "Apply refused" in refused.output and "--force" in refused.output
    assert run(target, "plan", str(root)).exit_code == 3
    with target.store() as store:
        assert len(users_of(store)) == 12
    forced = apply(target, root, "--force")
    assert forced.exit_code == 0, forced.output
    with target.store() as store:
        assert len(users_of(store)) == 9


def test_apply_asks_and_only_yes_applies(tmp_path: Path) -> None:
    target = local_target(tmp_path / "config")
    root = target.config(tmp_path / "config", ORG_USERS, ORG_GROUPS)
    declined = run(target, "apply", str(root), input="y\n")
    assert declined.exit_code == 1
    assert "Apply cancelled; nothing was changed." in declined.output
    with target.store() as store:
        assert users_of(store) == {}
    approved = run(target, "apply", str(root), input="yes\n")
    assert approved.exit_code == 0 and "Apply complete" in approved.output
    with target.store() as store:
        assert len(users_of(store)) == 3


def test_a_saved_plan_is_applied_only_while_the_store_is_unchanged(
    http: Any, tmp_path: Path
) -> None:
    target = http_target(http)
    root = target.config(tmp_path / "config", ORG_USERS, ORG_GROUPS)
    saved = tmp_path / "plan.json"
    assert run(target, "plan", str(root), "--out", str(saved)).exit_code == 2
    edited = tmp_path / "edited.json"
    data = json.loads(saved.read_text())
    data["changes"][0]["after"]["title"] = "Chief"
    edited.write_text(json.dumps(data))
    tampered = apply(target, root, "--plan", str(edited))
    assert tampered.exit_code == 1 and "was changed after it was made" in tampered.output
    # Meanwhile someone makes p003 by hand (without an email), and a user the config lacks.
    http.store.create_user(user_to_scim(User("late@corp.example", "Late", "C", "Late C")))
    hand = User("p003@corp.example", "Given3", "Example", "Given3 Example", external_id="e-003")
    http.store.create_user(user_to_scim(hand))
    stale = apply(target, root, "--plan", str(saved))
    assert stale.exit_code == 1
    assert "is stale: the live store changed since it was made" in stale.output
    assert 'A plan made now differs for group "everyone", user "p003@corp.example".' in stale.output
    assert set(users_of(http.store)) == {"late@corp.example", "p003@corp.example"}
    assert run(target, "plan", str(root), "--out", str(saved)).exit_code == 2
    fresh = apply(target, root, "--plan", str(saved))
    assert fresh.exit_code == 0, fresh.output
    assert len(users_of(http.store)) == 4
    assert users_of(http.store)["p003@corp.example"]["emails"][0]["value"] == "p003@corp.example"


def test_a_saved_plan_that_is_not_text_is_a_clear_error(tmp_path: Path) -> None:
    target = local_target(tmp_path / "config")
    root = target.config(tmp_path / "config", ORG_USERS, ORG_GROUPS)
    binary = tmp_path / "plan.json"
    binary.write_bytes(b"\x9f\x00\xff plan")
    refused = apply(target, root, "--plan", str(binary))
    assert refused.exit_code == 1
    assert f"Error: {binary} is not a scimform plan: not UTF-8 text" in refused.output
    assert "Traceback" not in refused.output
    with target.store() as store:
        assert users_of(store) == {}


def test_a_failed_change_skips_its_dependents_and_the_next_apply_converges(
    http: Any, tmp_path: Path
) -> None:
    target = http_target(http)
    # The store refuses a third user, as AWS does at its quota: a real 400 from a real server.
    http.app.service.user_quota.limit = 2
    root = target.config(tmp_path / "config", ORG_USERS, ORG_GROUPS)
    failed = apply(target, root, "--parallelism", "1")
    assert failed.exit_code == 1, failed.output
    lines = failed.output.splitlines()
    # One at a time, p002 and p003 go first (p001 waits for its manager, p002), so p001
    # is the third user and the one refused.
    row = next(line for line in lines if line.startswith('user "p001@corp.example"'))
    assert "failed" in row and "400" in row and "holds 2 users" in row
    skipped = next(line for line in lines if line.startswith('group "admins"') and "add" in line)
    assert "skipped" in skipped and 'depends on create user "p001@corp.example"' in skipped
    assert "Apply finished with failures: 5 done, 1 failed, 1 skipped." in failed.output
    groups = groups_of(http.store)
    assert groups["admins"][1] == set() and groups["everyone"][1] == {"p003@corp.example"}
    http.app.service.user_quota.limit = 100_000
    again = apply(target, root)
    assert again.exit_code == 0, again.output
    # p001 is created, and added to admins: a change in place of that group.
    assert "Plan: 1 to add, 1 to change, 0 to destroy; 2 members to add" in again.output
    assert run(target, "plan", str(root)).exit_code == 0


def test_a_wrong_token_is_an_error_that_never_shows_the_token(http: Any, tmp_path: Path) -> None:
    target = http_target(http)
    root = target.config(tmp_path / "config", ORG_USERS, ORG_GROUPS)
    wrong = Target(http.url, "x" * 40 + "-not-the-token", lambda: http.store, owned=False)
    result = run(wrong, "apply", str(root), "--auto-approve")
    assert result.exit_code == 1
    assert "the SCIM token was refused: it is expired, deleted or wrong" in result.output
    assert "nothing was applied" in result.output
    assert users_of(http.store) == {}


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without the jittered waits between them (Retry-After is still honoured)."""
    monkeypatch.setattr(retry, "backoff", lambda attempt, rng: 0.0)


@pytest.mark.usefixtures("no_backoff")
# 10% of requests faulted in all, and 10% of each kind (40% in all: about 25 s).
@pytest.mark.parametrize(
    "rate",
    [
        pytest.param(0.025, id="10pct-in-all"),
        pytest.param(0.10, id="10pct-each", marks=pytest.mark.slow),
    ],
)
def test_apply_converges_under_faults(
    scim_server_factory: StartServer, tmp_path: Path, rate: float
) -> None:
    faults = {"500": rate, "429": rate, "reset": rate, "lost": rate}
    server = scim_server_factory(knobs=Knobs(faults=faults, fault_seed=4))
    target = http_target(server)
    people, teams = synthetic_org(500, 50, 5_000, seed=3)
    root = tmp_path / "config"
    write_synthetic(root, people, teams, files=5)
    write_config(root, url=target.url, token="env:SCIM_TOKEN")
    runs = 0
    while runs < 3:
        runs += 1
        if apply(target, root).exit_code == 0:
            break
    # The read that proves it goes through the faults too. With 40% of requests faulted a
    # read can run out of retries: that is an error (exit 1), tried again; never changes (2).
    codes = [run(target, "plan", str(root)).exit_code]
    while codes[-1] == 1 and len(codes) < 5:
        codes.append(run(target, "plan", str(root)).exit_code)
    assert codes[-1] == 0, codes
    users = users_of(server.store)
    assert len(users) == 500 == server.store.count_users()
    assert {u["externalId"] for u in users.values()} == {p.external_id for p in people}
    groups = groups_of(server.store)
    assert len(groups) == 50 == server.store.count_groups()
    assert {name: members for name, (_, members) in groups.items()} == {
        t.display_name: set(t.members) for t in teams
    }


def test_ctrl_c_stops_new_requests_and_reports(
    scim_server_factory: StartServer, tmp_path: Path
) -> None:
    server = scim_server_factory(knobs=Knobs(latency_ms=100))
    target = http_target(server)
    root = target.config(tmp_path / "config", [person(n) for n in range(40)], [])
    args = ("apply", str(root), "--auto-approve", "--parallelism", "2")
    process = start(*args, env={"SCIM_TOKEN": server.token})
    out, err = signal_after_progress(process, signal.SIGINT)
    assert process.returncode == 1, out + err
    assert "Stopping: no new requests are started" in err
    assert "Apply stopped:" in out and "not started" in out
    assert server.token not in out + err
    made = len(users_of(server.store))
    assert 4 <= made < 40
    assert apply(target, root).exit_code == 0
    assert len(users_of(server.store)) == 40


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
    root = write_config(tmp_path / "config", users=[person(n) for n in range(25)])
    code, seen = on_a_terminal("apply", str(root), "--auto-approve", env=PLAIN_ENV)
    assert code == 0, seen
    assert COLOUR.search(seen), "the plan is coloured on a terminal"
    assert "Applying" in seen  # the bar's label
    assert "Applied 25 of 25 steps." not in seen  # CI's plain lines stay out of a terminal
    assert "Apply complete: 25 done." in seen


def test_no_color_turns_colour_off_on_a_terminal(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", users=[person(n) for n in range(3)])
    code, seen = on_a_terminal("plan", str(root), env={**PLAIN_ENV, "NO_COLOR": "1"})
    assert code == 2, seen
    assert '+ user "p000@corp.example"' in seen
    assert not COLOUR.search(seen)


def test_ci_gets_plain_progress_lines_and_no_colour(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", users=[person(n) for n in range(25)])
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


def test_the_summary_says_why_an_apply_stopped_itself() -> None:
    failed = StepResult("s1", Kind.USER, "alice@x", Action.CREATE, Outcome.FAILED)
    waiting = StepResult("s2", Kind.USER, "bob@x", Action.CREATE, Outcome.NOT_STARTED)
    reason = "the store gave no answer to 5 changes in a row"
    line = summary(ApplyResult((failed, waiting), stopped=True, stop_reason=reason))
    assert line.startswith(f"Apply stopped ({reason}): 1 failed, 1 not started.")
    assert summary(ApplyResult((failed, waiting), stopped=True)).startswith("Apply stopped: ")
