"""`scimform plan` through the real CLI, against `scimform serve` over HTTP and `local:`:
what it shows and saves, its exit codes, reads past capped lists and under a rate limit,
failed reads, tokens and configs that are wrong.

Every run checks that no token appears in stdout or stderr. Where the server throttles
as AWS does (a token bucket, 429 with Retry-After), every 429 costs a retried request and
the plan reports the requests it sent, retries included: so the count shows whether the
read stayed under the server's rate.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from builders import entry_of, user, write_config, write_files
from click.testing import Result
from scimform_cli import cli

from scimform.backends import retry
from scimform.engine.plan import Plan
from scimform.model import Group, User
from scimform.server.knobs import Knobs
from scimform.store import Store
from scimform.store.seed import load_org

ALICE = User(
    "alice@corp.example",
    "Alice",
    "Liddell",
    "Alice Liddell",
    external_id="e-alice",
    title="Engineer",
    email="alice@corp.example",
)
BOB = User(
    "bob@corp.example", "Bob", "Stone", "Bob Stone", external_id="e-bob", email="bob@corp.example"
)
ADMINS = Group("admins", "g-admins", frozenset({ALICE.user_name, BOB.user_name}))

USERS = [
    User(
        f"u{n:02}@corp.example",
        "U",
        "Ser",
        f"U Ser {n}",
        external_id=f"e-{n}",
        email=f"u{n:02}@corp.example",
    )
    for n in range(60)
]
# 30 groups of one member each: the read per group (30 requests) is cheaper than per user.
GROUPS = [Group(f"team-{n:02}", members=frozenset({USERS[n].user_name})) for n in range(30)]
# The store's configuration, a page of users, a page of groups, one member page per group.
LEAST = 1 + 1 + 1 + 30


@dataclass
class Target:
    """A config directory pointing at a live store, and a way to seed that store."""

    root: Path
    url: str
    token: str = field(repr=False)  # never in a failing test's report
    server: Any = None

    def write(self, users: list[User], groups: list[Group], **settings: Any) -> None:
        write_config(
            self.root,
            url=self.url,
            token=None if self.server is None else "env:SCIM_TOKEN",
            users=[entry_of(u) for u in users],
            groups=[entry_of(g) for g in groups],
            **{"ownership": {"prune": True}, **settings},
        )

    def seed(self, users: list[User], groups: list[Group]) -> None:
        if self.server is not None:
            load_org(self.server.store, users, groups)
            return
        with Store.open(self.root / "store.db") as store:
            load_org(store, users, groups)

    def plan(self, *args: str, token: str | None = None) -> Result:
        env = {"SCIM_TOKEN": token or self.token}
        result = cli("plan", str(self.root), *args, env=env, secrets=[self.token])
        assert "Traceback" not in result.stderr
        return result


@pytest.fixture(params=["http", "local"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    root = tmp_path / "config"
    root.mkdir()
    if request.param == "local":
        return Target(root, "local:store.db", "")
    server = request.getfixturevalue("scim_server")
    return Target(root, server.url, server.token, server)


@pytest.fixture
def http_target(scim_server_factory: Any, tmp_path: Path) -> Iterator[Any]:
    """`http_target(knobs)`: a Target on a server with realism knobs."""

    def make(knobs: Knobs | None = None) -> Target:
        server = scim_server_factory(knobs=knobs)
        root = tmp_path / f"config-{id(server)}"
        root.mkdir()
        return Target(root, server.url, server.token, server)

    yield make


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without the waits between them, so that failing reads fail fast."""
    monkeypatch.setattr(retry, "backoff", lambda attempt, rng: 0.0)


def test_plan_from_empty_shows_creates(target: Target) -> None:
    target.write([ALICE, BOB], [ADMINS])
    result = target.plan()
    assert result.exit_code == 2, result.output
    assert '+ user "alice@corp.example" {' in result.stdout
    assert "Plan: 3 to add, 0 to change, 0 to destroy; 2 members to add" in result.stdout
    assert "Reading the live state from" in result.stderr


def test_no_changes_when_the_store_holds_the_desired_state(target: Target) -> None:
    target.write([ALICE, BOB], [ADMINS])
    target.seed([ALICE, BOB], [ADMINS])
    result = target.plan()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("No changes.")


def test_an_attribute_change_is_an_update(target: Target) -> None:
    target.seed([ALICE, BOB], [ADMINS])
    promoted = User(**{**_fields(ALICE), "title": "Staff Engineer"})
    target.write([promoted, BOB], [ADMINS])
    result = target.plan("--summary")
    assert result.exit_code == 2, result.output
    assert '~ user "alice@corp.example"' in result.stdout
    assert "0 to add, 1 to change, 0 to destroy" in result.stdout


def test_a_rename_matched_by_external_id_is_an_update(target: Target) -> None:
    target.seed([ALICE, BOB], [ADMINS])
    renamed = User(**{**_fields(ALICE), "user_name": "alice.liddell@corp.example"})
    group = Group("admins", "g-admins", frozenset({renamed.user_name, BOB.user_name}))
    target.write([renamed, BOB], [group])
    result = target.plan()
    assert result.exit_code == 2, result.output
    assert '"alice@corp.example" -> "alice.liddell@corp.example"' in result.stdout
    assert "0 to add, 1 to change, 0 to destroy; 0 members to add, 0 to remove" in result.stdout


def test_json_is_deterministic_and_out_saves_it(target: Target, tmp_path: Path) -> None:
    target.seed([ALICE], [])
    target.write([ALICE, BOB], [ADMINS])
    saved = tmp_path / "plan.json"
    first = target.plan("--json", "--out", str(saved))
    second = target.plan("--format", "json")
    assert first.exit_code == second.exit_code == 2
    assert first.stdout == second.stdout
    assert saved.read_text(encoding="utf-8") == first.stdout
    plan = Plan.from_json(first.stdout)
    assert plan.summary.add == 2 and plan.created_from
    assert f"scimform apply --plan {saved}" in first.stderr


def test_markdown(target: Target) -> None:
    target.write([ALICE], [])
    result = target.plan("--format", "markdown")
    assert result.exit_code == 2
    assert "alice@corp.example" in result.stdout and "<details>" in result.stdout


def test_unsafe_plan_exits_3_and_says_how_to_override(target: Target) -> None:
    crowd = [_someone(f"u{n}@corp.example") for n in range(20)]
    target.seed(crowd, [])
    target.write(crowd[:10], [])
    result = target.plan()
    assert result.exit_code == 3, result.output
    assert "Unsafe plan: it deletes 10 of 20 live users (50%)" in result.stdout
    assert "--force" in result.stdout
    as_json = target.plan("--json")
    assert as_json.exit_code == 3 and "--force" in as_json.stderr


def test_every_user_is_read_past_a_legacy_capped_list(http_target: Any) -> None:
    target = http_target(Knobs(classic_cap=50))
    crowd = [_someone(f"u{n:03d}@corp.example") for n in range(120)]
    target.seed(crowd, [])
    target.write(crowd, [])
    result = target.plan()
    assert result.exit_code == 0, result.output
    # The store's configuration, 2 user pages, 1 group page.
    assert "Read the live state in 4 requests." in result.stderr


def test_a_failed_read_makes_no_plan(http_target: Any, no_backoff: None, tmp_path: Path) -> None:
    target = http_target(Knobs(faults={"500": 1.0}))
    target.write([ALICE], [])
    saved = tmp_path / "never.json"
    result = target.plan("--out", str(saved))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "could not read the live store, so no plan was made" in result.stderr
    assert "500 The server encountered an internal error" in result.stderr
    assert not saved.exists()


def test_a_wrong_token_is_one_clear_line(http_target: Any) -> None:
    target = http_target()
    target.write([ALICE], [])
    wrong = "w" * 550
    result = target.plan(token=wrong)
    assert result.exit_code == 1
    assert "the SCIM token was refused: it is expired, deleted or wrong" in result.stderr
    assert result.stderr.count("Error:") == 1


def test_an_unreachable_target(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = Target(tmp_path, f"http://127.0.0.1:{port}/scim/v2", "t0ken-value", server=True)
    target.write([ALICE], [])
    result = target.plan()
    assert result.exit_code == 1
    assert "could not connect to the target" in result.stderr


def test_an_unusable_token_reference(tmp_path: Path) -> None:
    target = Target(tmp_path, "https://scim.example.com/t/scim/v2", "unused", server=True)
    target.write([ALICE], [])
    result = cli("plan", str(tmp_path), env={"SCIM_TOKEN": None})
    assert result.exit_code == 1
    assert "SCIM_TOKEN, which is not set" in result.stderr


def test_config_errors_are_shown_and_nothing_is_read(tmp_path: Path) -> None:
    people = "users:\n  - userName: a\n    givenNme: A\n"
    write_files(
        tmp_path, {"scimform.yaml": "target: {url: local:store.db}\n", "people.yaml": people}
    )
    result = cli("plan", str(tmp_path))
    assert result.exit_code == 1
    assert "people.yaml:3:5" in result.stderr
    assert not (tmp_path / "store.db").exists()


def test_rate_limit_keeps_the_read_under_the_stores_rate(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    server = scim_server_factory(knobs=Knobs(rate_limit=20))
    load_org(server.store, USERS, GROUPS)
    target = Target(tmp_path, server.url, server.token, server)
    target.write(USERS, GROUPS, ownership={"prune": False})  # the default
    paced = target.plan("--rate-limit", "12")
    assert paced.exit_code == 0, paced.output
    assert f"Read the live state in {LEAST} requests." in paced.stderr
    # Without it, eight reads at once drain the bucket and some are answered 429 and retried.
    unpaced = target.plan()
    assert unpaced.exit_code == 0, unpaced.output
    assert f"Read the live state in {LEAST} requests." not in unpaced.stderr
    assert "Read the live state in" in unpaced.stderr


def test_usage_errors_exit_1_never_2_which_means_changes(tmp_path: Path) -> None:
    for args, said in (
        (["--rate-limit", "0"], "Invalid value for '--rate-limit'"),
        (["--fromat", "json"], "No such option '--fromat'"),
        (["--format", "yaml"], "Invalid value for '--format'"),
    ):
        result = cli("plan", str(tmp_path), *args)
        assert result.exit_code == 1, args
        assert said in result.output and "Traceback" not in result.output


def _fields(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in User.__dataclass_fields__}


def _someone(user_name: str) -> User:
    return user(user_name, external_id=f"e-{user_name}", email=user_name)
