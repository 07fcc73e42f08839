"""scimform against a SCIM server nobody here wrote: scim2-server (from the package index),
served in process on 127.0.0.1 and stopped after each test, with and without its cursor
paging.

scim2-server differs from AWS where it matters to a reader: it lists each group's members
in the group document and leaves `User.groups` empty (so `groups.value eq` answers
nothing), and by default it pages only by startIndex and refuses a cursor with 501. Each
scenario runs the real CLI (plan, apply, re-plan, a member removal, a rename, 260 users
across pages, an import round trip) and checks the store itself afterwards.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest
import yaml
from click.testing import Result
from scim2_models import ScimProvider, ServiceProviderConfig
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
from scim2_server.testserver.cli import ThreadingWSGIServer
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_json_resource,
)
from scimform_cli import cli

# Its own default configuration (every feature but cursors), cursors on when asked.
CURSOR_PAGING = {
    "cursor": True,
    "index": False,
    "defaultPaginationMethod": "cursor",
    "defaultPageSize": 100,
    "maxPageSize": 100,
}


@dataclass(frozen=True)
class Peer:
    url: str
    token: str
    cursor: bool

    def get(self, path: str, **params: str) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        response = httpx.get(self.url + path, params=params, headers=headers)
        response.raise_for_status()
        return response.json()

    def groups(self) -> dict[str, set[str]]:
        """displayName -> the userNames of its members, as the store's documents say."""
        names = {u["id"]: u["userName"] for u in self._all("/Users")}
        return {
            g["displayName"]: {names[m["value"]] for m in g.get("members") or []}
            for g in self._all("/Groups")
        }

    def group_ids(self) -> dict[str, str]:
        return {g["displayName"]: g["id"] for g in self._all("/Groups")}

    def _all(self, path: str) -> list[dict[str, Any]]:
        if not self.cursor:
            return list(self.get(path, startIndex="1", count="1000").get("Resources", []))
        found: list[dict[str, Any]] = []
        cursor: str | None = ""
        while cursor is not None:
            page = self.get(path, cursor=cursor, count="100")
            found += page.get("Resources", [])
            cursor = page.get("nextCursor")
        return found


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


def _serve(cursor: bool) -> Iterator[Peer]:
    config = load_json_resource("default-service-provider-config.json")
    if cursor:
        config = {**config, "pagination": CURSOR_PAGING}
    token = secrets.token_urlsafe(32)
    spc = ServiceProviderConfig.model_validate(config)
    spc.authentication_schemes = [BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=spc
    )
    service = ScimService(provider, secret=secrets.token_urlsafe(32))
    app = BearerTokenApplication(InMemoryStorage(), provider, service, bearer_tokens=[token])
    server = make_server(
        "127.0.0.1", 0, app, server_class=ThreadingWSGIServer, handler_class=_Quiet
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Peer(f"http://127.0.0.1:{server.server_port}/v2", token, cursor)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(params=[False, True], ids=["index-paging", "cursor-paging"])
def peer(request: pytest.FixtureRequest) -> Iterator[Peer]:
    yield from _serve(request.param)


def _user(n: int) -> dict[str, Any]:
    return {
        "userName": f"user{n:03d}@corp.example",
        "externalId": f"ext-{n:03d}",
        "givenName": "Given",
        "familyName": f"Family{n}",
        "displayName": f"Given Family{n}",
        "email": f"user{n:03d}@corp.example",
    }


def _write(root: Path, peer: Peer, users: int, groups: dict[str, Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    settings = {"target": {"url": peer.url, "token": "env:SCIM_TOKEN"}}
    (root / "scimform.yaml").write_text(yaml.safe_dump(settings))
    body = {"users": [_user(n) for n in range(users)], "groups": list(groups.values())}
    (root / "org.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
    return root


def _run(peer: Peer, *args: str) -> Result:
    env = {"SCIM_TOKEN": peer.token, "NO_COLOR": "1"}
    result = cli(*args, env=env)
    assert peer.token not in result.output
    assert "Traceback" not in result.output
    return result


def _names(numbers: range) -> list[str]:
    return [f"user{n:03d}@corp.example" for n in numbers]


def test_plan_apply_replan_remove_a_member_and_rename(peer: Peer, tmp_path: Path) -> None:
    groups = {
        "admins": {"displayName": "admins", "externalId": "g-admins", "members": _names(range(3))},
        "readers": {"displayName": "readers", "members": _names(range(1, 5))},
    }
    root = _write(tmp_path / "config", peer, 5, groups)
    assert _run(peer, "plan", str(root)).exit_code == 2
    applied = _run(peer, "apply", str(root), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert peer.groups() == {"admins": set(_names(range(3))), "readers": set(_names(range(1, 5)))}
    replanned = _run(peer, "plan", str(root))
    assert replanned.exit_code == 0, replanned.output
    assert "No changes." in replanned.output

    # A member removal: the store's group documents hold the member, its filters do not.
    groups["admins"]["members"] = _names(range(2))
    root = _write(root, peer, 5, groups)
    planned = _run(peer, "plan", str(root))
    assert planned.exit_code == 2 and "- member user002@corp.example" in planned.output
    removed = _run(peer, "apply", str(root), "--auto-approve")
    assert removed.exit_code == 0, removed.output
    assert peer.groups()["admins"] == set(_names(range(2)))
    assert _run(peer, "plan", str(root)).exit_code == 0

    # A rename keeps the group's id.
    before = peer.group_ids()["readers"]
    groups["readers"] = {**groups["readers"], "displayName": "viewers", "previously": ["readers"]}
    root = _write(root, peer, 5, groups)
    renamed = _run(peer, "apply", str(root), "--auto-approve")
    assert renamed.exit_code == 0, renamed.output
    assert peer.group_ids() == {"admins": peer.group_ids()["admins"], "viewers": before}
    assert peer.groups()["viewers"] == set(_names(range(1, 5)))
    assert _run(peer, "plan", str(root)).exit_code == 0


def test_260_users_across_pages_and_an_import_round_trip(peer: Peer, tmp_path: Path) -> None:
    groups = {
        "everyone": {"displayName": "everyone", "members": _names(range(260))},
        "few": {"displayName": "few", "externalId": "g-few", "members": _names(range(250, 255))},
    }
    root = _write(tmp_path / "config", peer, 260, groups)
    applied = _run(peer, "apply", str(root), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    live = peer.groups()
    assert len(live["everyone"]) == 260 and live["few"] == set(_names(range(250, 255)))
    replanned = _run(peer, "plan", str(root))
    assert replanned.exit_code == 0, replanned.output

    out = tmp_path / "imported"
    args = ["import", "--out", str(out), "--target", peer.url, "--token", "env:SCIM_TOKEN"]
    imported = _run(peer, *args)
    assert imported.exit_code == 0, imported.output
    assert "Imported 260 users and 2 groups" in imported.output
    written = yaml.safe_load((out / "groups.yaml").read_text())["groups"]
    assert {g["displayName"]: len(g.get("members", [])) for g in written} == {
        "everyone": 260,
        "few": 5,
    }
    planned = _run(peer, "plan", str(out))
    assert planned.exit_code == 0, planned.output
    assert "No changes." in planned.output
