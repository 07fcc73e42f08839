"""`scimform import` through the real CLI: the config it writes validates, is fmt-clean and
plans to no changes against the store it came from, over HTTP and `local:`; given the token
itself where a reference belongs it refuses without ever echoing it and writes nothing; an
--out that cannot be written is a clear error; and every message about the target speaks
of import's options, not of a scimform.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from builders import group_doc, patch_doc
from scimform_cli import cli

from scimform.model import Address, User
from scimform.store import Store
from scimform.wire import user_to_scim

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def seed(server: Any) -> None:
    """A varied org, made through the SCIM API as any other client would make it."""
    client = server.client()
    boss = User(
        "boss@corp.example", "Big", "Boss", "Big Boss", email="boss@corp.example", external_id="e"
    )
    made = client.post("/Users", json=user_to_scim(boss)).json()
    rich = User(
        "ana@corp.example",
        "Ana",
        "Lopes",
        "Ana Lopes",
        external_id="e-ana",
        title="Engineer",
        email="ana@corp.example",
        email_type="work",
        phone="+1 555 0100",
        address=Address(street_address="1 Main St", locality="Springfield", country="US"),
        department="Platform",
        cost_center="0042",
        active=False,
    )
    ana = client.post("/Users", json=user_to_scim(rich, manager_id=made["id"])).json()
    plain = [
        client.post("/Users", json=user_to_scim(User(name, "U", "N", "U N", email=name))).json()
        for name in (f"u{n:03}@corp.example" for n in range(120))
    ]
    groups = {
        "big": [u["id"] for u in plain],
        "leads": [made["id"], ana["id"]],
        "empty": [],
        "AWSControlTowerAdmins": [made["id"]],
    }
    for name, ids in groups.items():
        group = client.post("/Groups", json=group_doc(name))
        group_id = group.json()["id"]
        for start in range(0, len(ids), 100):
            values = [{"value": id} for id in ids[start : start + 100]]
            body = patch_doc({"op": "add", "path": "members", "value": values})
            assert client.patch(f"/Groups/{group_id}", json=body).status_code == 204
    client.close()


def test_import_over_http_round_trips(scim_server: Any, tmp_path: Path) -> None:
    seed(scim_server)
    out = tmp_path / "imported"
    args = ["import", "--out", str(out), "--target", scim_server.url, "--token", "env:SCIM_TOKEN"]
    imported = cli(*args, env={"SCIM_TOKEN": scim_server.token})
    assert imported.exit_code == 0, imported.output
    assert "Imported 122 users and 3 groups, left out 1 ignored (AWS*)" in imported.output
    assert sorted(p.name for p in out.iterdir()) == ["groups.yaml", "scimform.yaml", "users.yaml"]
    for path in out.iterdir():
        assert scim_server.token not in path.read_text()
    assert "AWSControlTowerAdmins" not in (out / "groups.yaml").read_text()
    assert "token: env:SCIM_TOKEN" in (out / "scimform.yaml").read_text()
    validated = cli("validate", str(out))
    assert validated.exit_code == 0 and "valid: 0 errors" in validated.output, validated.output
    assert cli("fmt", "--check", str(out)).exit_code == 0
    planned = cli("plan", str(out), env={"SCIM_TOKEN": scim_server.token})
    assert planned.exit_code == 0, planned.output
    assert "No changes." in planned.output


def test_import_from_a_local_store_writes_paths_relative_to_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES / "quickstart", "qs")
    assert cli("apply", "qs", "--auto-approve").exit_code == 0
    imported = cli("import", "--out", "copy", "--target", "local:qs/.scimform/store.db")
    assert imported.exit_code == 0, imported.output
    assert "url: local:../qs/.scimform/store.db" in Path("copy/scimform.yaml").read_text()
    assert cli("validate", "copy").exit_code == 0
    assert cli("fmt", "--check", "copy").exit_code == 0
    planned = cli("plan", "copy")
    assert planned.exit_code == 0, planned.output


def test_import_refuses_a_directory_that_is_not_empty(tmp_path: Path, scim_server: Any) -> None:
    out = tmp_path / "config"
    (out / ".git").mkdir(parents=True)
    args = ["import", "--out", str(out), "--target", scim_server.url, "--token", "env:SCIM_TOKEN"]
    env = {"SCIM_TOKEN": scim_server.token}
    assert cli(*args, env=env).exit_code == 0  # hidden entries do not count
    refused = cli(*args, env=env)
    assert refused.exit_code == 1
    assert "is not empty (scimform.yaml)" in refused.output and "--force" in refused.output
    assert cli(*args, "--force", env=env).exit_code == 0


def test_import_from_a_missing_local_store_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("import", "--out", "config", "--target", "local:nowhere.db")
    assert result.exit_code == 1
    assert "there is no embedded store" in result.output
    assert not Path("nowhere.db").exists() and not Path("config").exists()


def test_import_says_when_the_store_holds_what_the_config_rules_refuse(
    scim_server: Any, tmp_path: Path
) -> None:
    client = scim_server.client()
    client.post("/Users", json=user_to_scim(User("nomail@corp.example", "No", "Mail", "No Mail")))
    client.close()
    out = tmp_path / "config"
    args = ["import", "--out", str(out), "--target", scim_server.url, "--token", "env:SCIM_TOKEN"]
    result = cli(*args, env={"SCIM_TOKEN": scim_server.token})
    assert result.exit_code == 1
    assert "The config written has 1 error:" in result.output
    assert f"scimform validate {out}" in result.output
    assert "nomail@corp.example" in (out / "users.yaml").read_text()


def test_a_pasted_token_is_refused_and_never_shown(scim_server: Any, tmp_path: Path) -> None:
    out = tmp_path / "imported"
    args = ["import", "--out", str(out), "--target", scim_server.url, "--token", scim_server.token]
    result = cli(*args, secrets=(scim_server.token,))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --token is neither env:NAME nor file:PATH; write env:NAME or file:PATH "
        "(never the token itself)\n"
    )
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_missing_token_or_bad_target_speaks_of_the_options(
    scim_server: Any, tmp_path: Path
) -> None:
    out = str(tmp_path / "imported")
    cases = {
        (scim_server.url,): f"Error: the target {scim_server.url} needs a SCIM token: pass "
        "--token env:NAME or file:PATH\n",
        (scim_server.url, "--token", "env:UNSET_HERE"): "Error: --token names the environment "
        "variable UNSET_HERE, which is not set or empty; export the SCIM token in it\n",
        ("htps://scim.example.com/scim/v2",): "Error: --target must be local:PATH or an "
        "https:// SCIM endpoint",
    }
    for (target, *token), expected in cases.items():
        args = ["import", "--out", out, "--target", target, *token]
        result = cli(*args, env={"UNSET_HERE": ""})
        assert result.exit_code == 1
        assert result.stderr.startswith(expected)
        assert result.stderr.count("\n") == 1
        assert "scimform.yaml" not in result.output


def test_an_out_directory_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory\n")
    out = tmp_path / "a-file" / "imported"
    args = ["import", "--out", str(out), "--target", f"local:{tmp_path / 'store.db'}"]
    Store.open(tmp_path / "store.db").close()
    result = cli(*args)
    assert result.exit_code == 1
    assert f"Error: cannot write the config to --out {out}: Not a directory" in result.output
