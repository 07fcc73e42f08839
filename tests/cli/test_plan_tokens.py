"""Token state in `scimform plan`, through the real CLI against a `local:` store and a real
`scimform serve` app (admin API on) on 127.0.0.1. Tokens are the store's own, made with
dates the test controls (`now=`); no secret may appear in any output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from scimform.cli import main
from scimform.engine.plan import make_plan
from scimform.engine.policy import Ownership, Safety
from scimform.engine.token_plan import TokenOperation
from scimform.model import DesiredState, ExpectedToken, LiveState, TokenPolicy
from scimform.render.markdown import render_markdown
from scimform.render.text import render_text
from scimform.store import Store, TokenInfo
from scimform.tokens.plan import plan_tokens
from scimform.tokens.target import TargetKind

KEY = "admin-key-" + "k" * 30
NOW = datetime.now(UTC)
AWS = "https://scim.us-east-1.amazonaws.com/a1b2c3d4-tenant/scim/v2"


def ago(days: int) -> datetime:
    """A creation time that leaves a one-year token `365 - days` days to live."""
    return NOW - timedelta(days=days)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def declare(root: Path, tokens: list[TokenInfo], rotate: str = "30d") -> None:
    entries = "".join(
        f"    - {{id: {t.id}, created: {t.created.date()}, expires: {t.expires.date()}, "
        "used_by: github-actions}  # the CI token\n"
        for t in tokens
    )
    (root / "tokens.yaml").write_text(
        "# Our SCIM tokens.\ntokens:\n  warn_before_expiry: 60d\n"
        f"  rotate_before_expiry: {rotate}\n  expected:\n{entries}"
    )


def run(*args: str, secrets: tuple[str, ...] = (), env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env={"NO_COLOR": "1", **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    for secret in secrets:
        assert secret not in result.output
    return result


@pytest.fixture
def local(tmp_path: Path) -> Iterator[tuple[Path, Store]]:
    store = Store.open(tmp_path / "store.db")
    (tmp_path / "scimform.yaml").write_text("target:\n  url: local:store.db\n")
    yield tmp_path, store


def test_a_token_in_the_warning_window_is_a_warning_with_the_days_left(
    local: tuple[Path, Store],
) -> None:
    root, store = local
    made = store.enable_provisioning(now=ago(365 - 40))
    assert made is not None
    info, secret = made
    declare(root, [info])
    days = (info.expires.date() - NOW.date()).days
    assert 39 <= days <= 40
    text = run("plan", str(root), secrets=(secret,))
    assert text.exit_code == 0, text.output  # a warning changes nothing
    assert f"Token warning [tokens.expiring]: token {info.id}" in text.stdout
    assert f"in {days} days" in text.stdout
    as_json = run("plan", str(root), "--json")
    finding = json.loads(as_json.stdout)["tokens"]["findings"][0]
    assert finding["severity"] == "warning" and finding["days_left"] == days
    markdown = run("plan", str(root), "--format", "markdown")
    assert "#### SCIM tokens" in markdown.stdout and f"in {days} days" in markdown.stdout


def test_an_expired_token_is_an_error_and_plan_exits_1(local: tuple[Path, Store]) -> None:
    root, store = local
    made = store.enable_provisioning(now=ago(370))
    assert made is not None
    declare(root, [made[0]])
    result = run("plan", str(root))
    assert result.exit_code == 1, result.output
    assert f"Token error [tokens.expired]: token {made[0].id}" in result.stdout
    assert "5 days ago; rotate it now" in result.stdout
    as_json = run("plan", str(root), "--json")
    assert as_json.exit_code == 1
    assert "Token error [tokens.expired]" in as_json.stderr  # beside the JSON, not in it
    json.loads(as_json.stdout)


def test_more_than_two_declared_tokens_is_an_error(local: tuple[Path, Store]) -> None:
    root, store = local
    store.enable_provisioning()
    fake = [TokenInfo(f"t-{n}", NOW, NOW + timedelta(days=300), None) for n in range(3)]
    declare(root, fake)
    result = run("plan", str(root))
    assert result.exit_code == 1
    # The config check finds it first, and points at the file and line.
    assert "3 tokens are expected; AWS allows 2" in result.stderr
    assert "tokens.yaml:" in result.stderr


def test_no_tokens_declared_checks_nothing_but_authentication(local: tuple[Path, Store]) -> None:
    root, store = local
    store.enable_provisioning(now=ago(370))  # expired, undeclared: not managed, not touched
    result = run("plan", str(root), "--json")
    assert result.exit_code == 0, result.output
    tokens = json.loads(result.stdout)["tokens"]
    assert tokens == {
        "managed": False,
        "live_compared": False,
        "findings": [],
        "changes": [],
        "notes": [],
        "console_steps": [],
    }


@pytest.fixture
def served(scim_server_factory: Any, tmp_path: Path) -> tuple[Path, Any, Path]:
    server = scim_server_factory(admin_key=KEY)
    config = tmp_path / "config"
    config.mkdir()
    (config / "scim.token").write_text(server.token + "\n")
    (config / "scimform.yaml").write_text(
        f"target:\n  url: {server.url}\n  token: file:scim.token\n"
    )
    key_file = tmp_path / "admin.key"
    key_file.write_text(KEY + "\n")
    return config, server, key_file


def test_a_deleted_token_is_the_one_clear_401_error(served: tuple[Path, Any, Path]) -> None:
    config, server, _ = served
    (info,) = server.store.list_tokens()
    declare(config, [info])
    server.store.delete_token(info.id)
    result = run("plan", str(config), secrets=(server.token,))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "the SCIM token was refused: it is expired, deleted or wrong" in result.stderr
    assert "target.token (file:scim.token)" in result.stderr
    assert result.stderr.count("Error:") == 1 and "Traceback" not in result.output


def test_an_undeclared_token_is_a_planned_delete(served: tuple[Path, Any, Path]) -> None:
    config, server, key_file = served
    (in_use,) = server.store.list_tokens()
    extra, extra_secret = server.store.create_token(now=ago(3))
    declare(config, [in_use])
    args = ("plan", str(config), "--admin-key-file", str(key_file))
    result = run(*args, secrets=(server.token, extra_secret, KEY))
    assert result.exit_code == 2, result.output
    assert f"  - token {extra.id} will be deleted (not declared; created " in result.stdout
    assert "Tokens: 1 to delete, 0 to rotate." in result.stdout
    plan = json.loads(run(*args, "--json").stdout)
    (change,) = plan["tokens"]["changes"]
    assert change["operation"] == "delete" and change["token_id"] == extra.id
    # Without the admin key, live tokens are not compared and nothing is planned.
    plain = run("plan", str(config))
    assert plain.exit_code == 0 and extra.id not in plain.stdout


def test_the_token_in_use_is_never_planned_for_deletion(served: tuple[Path, Any, Path]) -> None:
    config, server, key_file = served
    (in_use,) = server.store.list_tokens()
    other, _ = server.store.create_token()
    declare(config, [other])  # the YAML forgot the token this very plan runs with
    result = run("plan", str(config), "--admin-key-file", str(key_file), secrets=(server.token,))
    assert result.exit_code == 0, result.output
    assert "will be deleted" not in result.stdout
    assert f"[tokens.undeclared-in-use]: token {in_use.id} is not declared, but it was used" in (
        result.stdout
    )


def test_a_due_rotation_is_planned_with_how_to_run_it(served: tuple[Path, Any, Path]) -> None:
    config, server, key_file = served
    (old,) = server.store.list_tokens()
    server.store.delete_token(old.id)
    made = server.store.create_token(now=ago(365 - 20))
    (config / "scim.token").write_text(made[1])
    declare(config, [made[0]])
    result = run("plan", str(config), "--admin-key-file", str(key_file), secrets=(made[1],))
    assert result.exit_code == 2, result.output
    assert f"-/+ token {made[0].id} will be rotated (rotation due: expires " in result.stdout
    assert "`scimform apply` runs it when given --token-sink file:PATH" in result.stdout
    # The same target without the admin key: the plan says how to get there.
    no_api = run("plan", str(config))
    assert no_api.exit_code == 0
    assert "plan and apply with --admin-key-file" in no_api.stdout


def test_the_plan_hash_does_not_change_with_the_days_left() -> None:
    # A plan reviewed yesterday and made again today must have the same hash when it does
    # the same thing: the days left are display-only.
    token = ExpectedToken("tok-1", date(2026, 1, 1), date(2027, 1, 1))
    desired = DesiredState(tokens=(token,))
    live = [
        TokenInfo("tok-1", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC), None)
    ]

    def plan_on(day: datetime) -> Any:
        tokens = plan_tokens(desired, live, TargetKind.LOCAL, day)
        return make_plan(desired, LiveState(), Ownership(), Safety(), tokens)

    first = plan_on(datetime(2026, 11, 20, tzinfo=UTC))
    second = plan_on(datetime(2026, 11, 21, tzinfo=UTC))
    assert first.tokens.findings != second.tokens.findings
    assert first.hash == second.hash
    rotating = plan_on(datetime(2026, 12, 10, tzinfo=UTC))  # inside the rotation window
    assert rotating.tokens.rotation is not None and rotating.hash != first.hash


def test_aws_targets_print_the_console_steps_with_the_token_ids() -> None:
    old = ExpectedToken("11111111-aaaa", date(2026, 1, 5), date(2026, 12, 20), "github-actions")
    other = ExpectedToken("22222222-bbbb", date(2026, 6, 1), date(2027, 6, 1))
    desired = DesiredState(tokens=(old, other), token_policy=TokenPolicy())
    tokens = plan_tokens(desired, None, TargetKind.AWS, datetime(2026, 12, 1, tzinfo=UTC))
    assert not tokens.changes  # AWS has no token API: nothing for apply to do
    plan = make_plan(desired, LiveState(), Ownership(), Safety(), tokens)
    text = render_text(plan)
    assert "Rotation of token 11111111-aaaa is due. AWS has no token API" in text
    assert "    1. In the IAM Identity Center console" in text
    assert "find token 11111111-aaaa (used by github-actions)" in text
    assert "22222222-bbbb is the other one" in text
    assert "--replaces 11111111-aaaa" in text
    markdown = render_markdown(plan)
    assert "#### SCIM tokens" in markdown and "11111111-aaaa" in markdown


def test_an_aws_url_is_recognised_without_the_network(tmp_path: Path) -> None:
    # No token is set, so plan stops before connecting, with the one clear line.
    (tmp_path / "scimform.yaml").write_text(f"target:\n  url: {AWS}\n  token: env:NO_SUCH_VAR\n")
    result = run("plan", str(tmp_path))
    assert result.exit_code == 1
    assert "environment variable NO_SUCH_VAR" in result.stderr


def test_rotation_without_a_live_token_is_not_planned() -> None:
    token = ExpectedToken("gone", date(2026, 1, 1), date(2026, 12, 10))
    desired = DesiredState(tokens=(token,))
    live = [
        TokenInfo(
            "other", datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC), None
        )
    ]
    tokens = plan_tokens(desired, live, TargetKind.LOCAL, datetime(2026, 12, 1, tzinfo=UTC))
    assert all(c.operation is not TokenOperation.ROTATE for c in tokens.changes)
    codes = {f.code for f in tokens.findings}
    # "other" is the only live token and is not declared: deleting it would lock everyone out.
    assert {"tokens.missing", "tokens.none-declared-live"} <= codes
    assert tokens.changes == ()
