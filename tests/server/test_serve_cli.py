"""`scimform serve` as a user runs it: a real subprocess of the console script."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from scimform_cli import cli

from scimform.store import Store
from scimform.wire import PATCH_SCHEMA, USER_SCHEMA

ServeCli = Callable[..., AbstractContextManager[tuple[subprocess.Popen[str], str, list[str]]]]


def _enabled_store(db: Path) -> str:
    with Store.open(db) as store:
        made = store.enable_provisioning()
        assert made is not None
        return made[1]


def _user(i: int) -> dict[str, object]:
    return {
        "schemas": [USER_SCHEMA],
        "userName": f"user{i}@corp.example",
        "name": {"givenName": "U", "familyName": f"N{i}"},
        "displayName": f"U N{i}",
    }


def test_help_documents_the_endpoints_and_knobs() -> None:
    result = cli("serve", "--help")
    assert result.exit_code == 0
    for words in (
        "/<tenant>/scim/v2",
        "/_admin/v1",
        "POST tokens",
        "DELETE tokens/ID",
        "--fault",
        "--rate-limit",
        "--latency-ms",
        "--legacy-list-cap",
        "--admin-key-file",
        "127.0.0.1",
    ):
        assert words in result.output, words


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--fault", "bogus"], "KIND=RATE"),
        (["--fault", "503=0.1"], "unknown fault"),
        (["--fault", "500=2"], "between 0 and 1"),
        (["--admin-key-file", "/no/such/file"], "cannot read"),
        (["--port", "70000"], "70000"),
    ],
)
def test_bad_options_get_a_clear_message(tmp_path: Path, args: list[str], words: str) -> None:
    result = cli("serve", "--db", str(tmp_path / "s.db"), *args)
    assert result.exit_code == 1 and words in result.output
    assert "Traceback" not in result.output


def test_short_admin_key_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("short\n")
    result = cli("serve", "--db", str(tmp_path / "s.db"), "--admin-key-file", str(key))
    assert result.exit_code == 1 and "16 characters" in result.output


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = cli("serve", "--db", str(tmp_path / "s.db"), "--port", port)
    assert result.exit_code == 1 and f"cannot listen on 127.0.0.1:{port}" in result.output


def test_serve_without_provisioning_says_how_to_enable_and_answers_401(
    tmp_path: Path, serve_cli: ServeCli
) -> None:
    db = tmp_path / "store.db"
    with serve_cli("--db", str(db), "--tenant", "my-tenant-1") as (_, endpoint, printed):
        assert endpoint.startswith("http://127.0.0.1:") and "/my-tenant-1/scim/v2" in endpoint
        assert any(f"scimform server enable --db {db}" in line for line in printed)
        response = httpx.get(f"{endpoint}/Users", headers={"Authorization": "Bearer x"})
        assert response.status_code == 401 and "disabled" in response.json()["detail"]


def test_logs_never_hold_tokens_or_keys(tmp_path: Path, serve_cli: ServeCli) -> None:
    db = tmp_path / "store.db"
    token = _enabled_store(db)
    key = "k" * 40
    (tmp_path / "admin.key").write_text(key)
    args = (
        "--db",
        str(db),
        "--admin-key-file",
        str(tmp_path / "admin.key"),
        "--log-level",
        "debug",
    )
    with serve_cli(*args) as (process, endpoint, printed):
        with httpx.Client(base_url=endpoint) as client:
            ok = client.get(
                "/Users",
                headers={"Authorization": f"Bearer {token}"},
                params={"filter": 'userName eq "x"'},
            )
            bad = client.get("/Users", headers={"Authorization": f"Bearer {token[:-3]}xyz"})
            assert (ok.status_code, bad.status_code) == (200, 401)
        admin = endpoint.split("/scim/v2")[0].rsplit("/", 1)[0] + "/_admin/v1/tokens"
        made = httpx.post(admin, headers={"Authorization": f"Bearer {key}"})
        assert made.status_code == 201
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0
    output = stderr + "\n".join(printed)
    assert '"GET /' in stderr and "/scim/v2/Users" in stderr and " 401 " in stderr
    for secret in (token, token[:40], token[-40:], key, made.json()["secret"][:40]):
        assert secret not in output


def _every(client: httpx.Client, path: str, **params: str) -> set[str]:
    seen: set[str] = set()
    cursor: str | None = ""
    while cursor is not None:
        page = client.get(path, params={**params, "cursor": cursor}).json()
        seen |= {item["id"] for item in page["Resources"]}
        cursor = page.get("nextCursor")
    return seen


def _stream_writes(
    client: httpx.Client, group_id: str, kill: threading.Timer
) -> tuple[list[str], list[str]]:
    """Create users, adding every third to the group, until the connection fails; returns
    the acknowledged (2xx received) users and memberships."""
    users: list[str] = []
    members: list[str] = []
    for i in range(100_000):
        try:
            created = client.post("/Users", json=_user(i))
            assert created.status_code == 201
            users.append(created.json()["id"])
            if i % 3 == 0:
                value = [{"value": users[-1]}]
                body = {
                    "schemas": [PATCH_SCHEMA],
                    "Operations": [{"op": "add", "path": "members", "value": value}],
                }
                assert client.patch(f"/Groups/{group_id}", json=body).status_code == 204
                members.append(users[-1])
        except httpx.TransportError:
            return users, members
        if i == 50:
            kill.start()
    raise AssertionError("the server was never killed")


def test_acknowledged_writes_survive_sigkill(tmp_path: Path, serve_cli: ServeCli) -> None:
    db = tmp_path / "store.db"
    token = _enabled_store(db)
    headers = {"Authorization": f"Bearer {token}"}
    group_doc = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g"}
    with serve_cli("--db", str(db), "--log-level", "warning") as (process, endpoint, _):
        kill = threading.Timer(0.5, process.send_signal, (signal.SIGKILL,))
        with httpx.Client(base_url=endpoint, headers=headers, timeout=5) as client:
            group_id = client.post("/Groups", json=group_doc).json()["id"]
            users, members = _stream_writes(client, group_id, kill)
        process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL
    print(f"acknowledged before the kill: {len(users)} users, {len(members)} memberships")
    assert len(users) > 50 and members
    with (
        serve_cli("--db", str(db), "--log-level", "warning") as (_, endpoint, _),
        httpx.Client(base_url=endpoint, headers=headers) as client,
    ):
        stored_users = _every(client, "/Users")
        stored_members = _every(client, "/Users", filter=f'groups.value eq "{group_id}"')
    assert set(users) <= stored_users
    assert len(stored_users) - len(users) <= 1  # at most the write whose answer was cut off
    assert set(members) <= stored_members
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_bad_tenant_id_is_a_clear_error(tmp_path: Path) -> None:
    result = cli("serve", "--db", str(tmp_path / "s.db"), "--tenant", "no spaces!", "--port", "0")
    assert result.exit_code == 1 and "tenant id 'no spaces!' is not valid" in result.output
    assert "Traceback" not in result.output


def test_the_access_log_keeps_query_strings_but_never_a_token(
    tmp_path: Path, serve_cli: ServeCli
) -> None:
    db = tmp_path / "store.db"
    token = _enabled_store(db)
    with serve_cli("--db", str(db)) as (process, endpoint, _):
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=endpoint, headers=headers) as client:
            listed = client.get("/Users", params={"filter": 'userName eq "alice"', "cursor": ""})
            # RFC 6750 lets a client send its token in the query; the log must not keep it.
            sent = client.get("/Groups", params={"count": "5", "access_token": token})
            assert (listed.status_code, sent.status_code) == (200, 200)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=15)
    assert '/scim/v2/Users?filter=userName+eq+%22alice%22&cursor=" 200' in stderr
    assert '/scim/v2/Groups?count=5&access_token=***" 200' in stderr
    assert token not in stderr and token[:40] not in stderr
