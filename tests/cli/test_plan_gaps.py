"""Gaps of `scimform plan` closed after the fact: reading the live store under a rate limit,
and usage errors that must not look like "changes" (exit 2).

The server throttles as AWS does (a token bucket, 429 with Retry-After). Every 429 costs a
retried request, and the plan reports the requests it sent, retries included: so the
count shows whether the read stayed under the server's rate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from scimform.cli import main
from scimform.model import Group, User
from scimform.server.knobs import Knobs
from scimform.store.seed import load_org

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


def _write(root: Path, url: str) -> None:
    root.mkdir()
    settings = {"target": {"url": url, "token": "env:SCIM_TOKEN"}}
    (root / "scimform.yaml").write_text(json.dumps(settings), "utf-8")
    users = [
        {
            "userName": u.user_name,
            "externalId": u.external_id,
            "givenName": u.given_name,
            "familyName": u.family_name,
            "displayName": u.display_name,
            "email": u.email,
        }
        for u in USERS
    ]
    groups = [{"displayName": g.display_name, "members": sorted(g.members)} for g in GROUPS]
    (root / "people.yaml").write_text(json.dumps({"users": users, "groups": groups}), "utf-8")


def _plan(server: Any, root: Path, *args: str) -> Result:
    env = {"SCIM_TOKEN": server.token, "NO_COLOR": "1"}
    result = CliRunner().invoke(main, ["plan", str(root), *args], env=env)
    assert server.token not in result.output
    return result


def test_rate_limit_keeps_the_read_under_the_stores_rate(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    server = scim_server_factory(knobs=Knobs(rate_limit=20))
    load_org(server.store, USERS, GROUPS)
    root = tmp_path / "config"
    _write(root, server.url)
    paced = _plan(server, root, "--rate-limit", "12")
    assert paced.exit_code == 0, paced.output
    assert f"Read the live state in {LEAST} requests." in paced.stderr
    # Without it, eight reads at once drain the bucket and some are answered 429 and retried.
    unpaced = _plan(server, root)
    assert unpaced.exit_code == 0, unpaced.output
    assert f"Read the live state in {LEAST} requests." not in unpaced.stderr
    assert "Read the live state in" in unpaced.stderr


def test_usage_errors_exit_1_never_2_which_means_changes(tmp_path: Path) -> None:
    for args, said in (
        (["--rate-limit", "0"], "Invalid value for '--rate-limit'"),
        (["--fromat", "json"], "No such option '--fromat'"),
        (["--format", "yaml"], "Invalid value for '--format'"),
    ):
        result = CliRunner().invoke(main, ["plan", str(tmp_path), *args])
        assert result.exit_code == 1, args
        assert said in result.output and "Traceback" not in result.output
