"""apply and plan against a store that throttles without Retry-After, and against one that
fails every write: the real CLI on the real embedded server.

The throttling store is `scimform serve`'s own rate limit (a token bucket, 429 with no
Retry-After, as AWS may answer); the store that answers reads but fails every write with
500 is the same server with its write path replaced, a fault its knobs cannot aim at
writes alone.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from scimform_cli import cli

from scimform.backends import retry
from scimform.server.knobs import Knobs
from scimform.server.problems import INTERNAL, error_response


def _person(n: int) -> dict[str, Any]:
    return {
        "userName": f"p{n:03}@corp.example",
        "externalId": f"e-{n:03}",
        "givenName": f"Given{n}",
        "familyName": "Example",
        "displayName": f"Given{n} Example",
        "email": f"p{n:03}@corp.example",
    }


def _config(root: Path, url: str, users: int, groups: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    target = {"url": url, "token": "env:SCIM_TOKEN"}
    (root / "scimform.yaml").write_text(yaml.safe_dump({"target": target}))
    people = [_person(n) for n in range(users)]
    teams = [
        {"displayName": f"team-{g}", "members": [p["userName"] for p in people[g::groups]]}
        for g in range(groups)
    ]
    (root / "org.yaml").write_text(yaml.safe_dump({"users": people, "groups": teams}))
    return root


def _run(server: Any, *args: str) -> Result:
    env = {"SCIM_TOKEN": server.token, "NO_COLOR": "1"}
    result = cli(*args, env=env)
    assert server.token not in result.output
    assert "Traceback" not in result.output
    return result


def test_throttling_without_retry_after_loses_no_change_and_the_plan_after_reads(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    server = scim_server_factory(knobs=Knobs(rate_limit=25, retry_after=False, latency_ms=20))
    root = _config(tmp_path / "config", server.url, 90, 6)
    applied = _run(server, "apply", str(root), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 102 done." in applied.output
    assert "failed" not in applied.output and "skipped" not in applied.output
    # Plain progress (not a terminal) says the store throttles and at what rate.
    assert "(throttled by the store: " in applied.stderr
    assert server.store.count_users() == 90
    planned = _run(server, "plan", str(root))
    assert planned.exit_code == 0, planned.output
    assert "No changes." in planned.output


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries after a tenth of the usual wait: the breaker, not the backoff, is tested."""
    usual = retry.backoff
    monkeypatch.setattr(retry, "backoff", lambda attempt, rng: usual(attempt, rng) / 10)


@pytest.mark.usefixtures("quick_backoff")
def test_a_store_that_fails_every_write_stops_the_apply_early(
    scim_server_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = scim_server_factory()
    answer = server.app._scim

    async def writes_fail(exchange: Any, path: str) -> None:
        if exchange.method == "GET":
            await answer(exchange, path)
        else:
            await exchange.respond(error_response(500, INTERNAL))

    monkeypatch.setattr(server.app, "_scim", writes_fail)
    root = _config(tmp_path / "config", server.url, 80, 8)
    started = time.monotonic()
    applied = _run(server, "apply", str(root), "--auto-approve")
    seconds = time.monotonic() - started
    assert applied.exit_code == 1
    assert "Apply stopped (8 of the last " in applied.output
    assert "failed with a server error or throttling" in applied.output
    # 96 steps: those in flight fail (each after its six retries), the rest never start.
    counted = re.search(r"\): (\d+) failed, (\d+) not started\.", applied.output)
    assert counted is not None, applied.output
    failed, not_started = int(counted[1]), int(counted[2])
    assert 8 <= failed <= 16 and failed + not_started == 96
    assert seconds < 20
