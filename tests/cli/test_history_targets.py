"""history, access, import and targeted plans with several targets, through the real CLI
over a real git repository and two `local:` stores."""

from __future__ import annotations

import json
from pathlib import Path

from gitrepo import Repo
from scimform_cli import cli

SETTINGS = """\
targets:
  sandbox: {url: "local:sandbox.db"}
  production: {url: "local:production.db"}
"""


def people(*, sam_targets: str = "[sandbox]", sam_in_admins: bool = False) -> str:
    admins = "[alice@corp.example, sam@corp.example]" if sam_in_admins else "[alice@corp.example]"
    return (
        "users:\n"
        + Repo.user("alice@corp.example", "e-alice")
        + "\n"
        + Repo.user("sam@corp.example", "e-sam")
        + f"\n    targets: {sam_targets}\n"
        + f"groups:\n  - displayName: admins\n    members: {admins}\n"
        + "    targets: [sandbox]\n"
    )


def _repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.commit("Start", {"scimform.yaml": SETTINGS, "people.yaml": people()}, day="2026-02-01")
    return repo


def test_history_names_the_targets_a_change_reaches_when_not_all(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    repo.commit("Sam joins admins", {"people.yaml": people(sam_in_admins=True)}, day="2026-02-02")
    result = cli("history", str(repo.top))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    alice = [line for line in lines if "alice@corp.example: + user  [" in line]
    assert alice, result.stdout  # alice goes everywhere: no targets named
    assert any("sam@corp.example: + user (targets: sandbox)" in line for line in lines)
    assert any("admins: + member sam@corp.example (targets: sandbox)" in line for line in lines)
    document = json.loads(cli("history", "--format", "json", str(repo.top)).stdout)
    sam = [c for c in document["changes"] if c["name"] == "sam@corp.example"]
    assert sam[0]["targets"] == ["sandbox"]
    alice_created = next(c for c in document["changes"] if c["name"] == "alice@corp.example")
    assert "targets" not in alice_created
    only = cli("history", "--target", "production", str(repo.top))
    assert "sam@corp.example" not in only.stdout and "alice@corp.example" in only.stdout
    typo = cli("history", "--target", "prod", str(repo.top))
    assert typo.exit_code == 1 and 'did you mean "production"' in typo.stderr


def test_access_target_shows_only_what_goes_to_that_target(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    repo.commit("Sam joins admins", {"people.yaml": people(sam_in_admins=True)}, day="2026-02-02")
    everything = cli("access", "--at", "HEAD", "--format", "json", str(repo.top))
    assert everything.exit_code == 0, everything.output
    sandbox = cli("access", "--at", "HEAD", "--target", "sandbox", "--format", "csv", str(repo.top))
    assert "admins,sam@corp.example" in sandbox.stdout
    production = cli("access", "--at", "HEAD", "--target", "production", str(repo.top))
    assert production.exit_code == 0, production.output
    assert "no members in any group at that moment" in production.stdout
    unknown = cli("access", "--at", "HEAD", "--target", "prod", str(repo.top))
    assert unknown.exit_code == 1 and 'did you mean "production"' in unknown.stderr


def test_import_target_reads_that_targets_store(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    applied = cli("apply", "--auto-approve", str(repo.top))
    assert applied.exit_code == 0, applied.output
    out = tmp_path / "imported"
    result = cli("import", "--target", "production", "--config", str(repo.top), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Imported 1 users and 0 groups" in result.stdout
    users = (out / "users.yaml").read_text(encoding="utf-8")
    assert "alice@corp.example" in users and "sam@corp.example" not in users
    assert str(repo.top / "production.db") in (out / "scimform.yaml").read_text(encoding="utf-8")


def test_a_targeted_plan_compares_each_target_with_its_own_earlier_state(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert cli("apply", "--auto-approve", str(repo.top)).exit_code == 0
    repo.commit(
        "Sam goes to production too", {"people.yaml": people(sam_targets="[sandbox, production]")}
    )
    targeted = cli("plan", "--changed-since", "HEAD~1", "--json", str(repo.top))
    full = cli("plan", "--json", str(repo.top))
    assert targeted.exit_code == full.exit_code == 2, targeted.output
    plans, whole = json.loads(targeted.stdout), json.loads(full.stdout)
    for name in ("sandbox", "production"):
        keys = [c["key"] for c in plans["targets"][name]["changes"]]
        assert keys == [c["key"] for c in whole["targets"][name]["changes"]]
    assert plans["targets"]["sandbox"]["changes"] == []
    assert [c["action"] for c in plans["targets"]["production"]["changes"]] == ["create"]


def test_validate_says_what_goes_to_each_target(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    result = cli("validate", str(repo.top))
    assert result.exit_code == 0, result.output
    assert "; sandbox: 2 users, 1 group; production: 1 user, 0 groups" in result.stdout


def test_import_target_default_reads_the_single_target(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "scimform.yaml").write_text('target: {url: "local:store.db"}\n', encoding="utf-8")
    (config / "people.yaml").write_text(
        "users:\n" + Repo.user("alice@corp.example", "e-alice") + "\n", encoding="utf-8"
    )
    assert cli("apply", "--auto-approve", str(config)).exit_code == 0
    out = tmp_path / "imported"
    result = cli("import", "--target", "default", "--config", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "alice@corp.example" in (out / "users.yaml").read_text(encoding="utf-8")
    elsewhere = str(tmp_path / "elsewhere")
    wrong = cli("import", "--target", "production", "--config", str(config), "--out", elsewhere)
    assert wrong.exit_code == 1 and 'no target "production"' in wrong.stderr
