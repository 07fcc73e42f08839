"""A saved plan is a file anyone with write access to an artifact can edit, so apply
trusts nothing in it that can be recomputed: its counts and its safety verdict are judged
again from its changes and the live store, each change must describe the live store as it
is, and with SCIMFORM_PLAN_KEY it must carry that key's signature. Through the real CLI
against `local:` stores."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from scimform.cli import main
from scimform.engine.plan import Plan
from scimform.store import Store


def person(n: int) -> dict[str, Any]:
    return {
        "userName": f"p{n:03}@corp.example",
        "externalId": f"e-{n:03}",
        "givenName": f"Given{n}",
        "familyName": "Example",
        "displayName": f"Given{n} Example",
        "email": f"p{n:03}@corp.example",
    }


def write(root: Path, users: list[dict[str, Any]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    spec = {"target": {"url": "local:store.db"}, "ownership": {"prune": True}}
    (root / "scimform.yaml").write_text(yaml.safe_dump(spec))
    (root / "people.yaml").write_text(yaml.safe_dump({"users": users}))
    return root


def run(*args: str, key: str | None = None) -> Result:
    env = {"NO_COLOR": "1", "SCIMFORM_PLAN_KEY": key or ""}
    return CliRunner().invoke(main, list(args), env=env)


def rehashed(data: dict[str, Any]) -> str:
    """The plan JSON with its hash recomputed, as an attacker would."""
    plan = Plan.model_validate({**data, "hash": "", "signature": ""})
    return plan.model_copy(update={"hash": plan.computed_hash()}).to_json()


def live_users(root: Path) -> int:
    with Store.open(root / "store.db") as store:
        return len(store.list_users(limit=1000)[0])


def test_an_unsafe_plan_edited_to_look_safe_is_still_refused(tmp_path: Path) -> None:
    # The reproduction: 253 deletes, the file edited to say safe with 0 to destroy and
    # its (unkeyed) hash recomputed. Before, apply --plan deleted the 253 users.
    root = write(tmp_path / "c", [person(n) for n in range(300)])
    assert run("apply", str(root), "--auto-approve").exit_code == 0
    write(root, [person(n) for n in range(47)])
    saved = tmp_path / "plan.json"
    assert run("plan", str(root), "--out", str(saved)).exit_code == 3
    data = json.loads(saved.read_text())
    data["safety"] = {"safe": True, "breaches": []}
    data["summary"]["destroy"] = 0
    saved.write_text(rehashed(data))
    refused = run("apply", str(root), "--plan", str(saved))
    assert refused.exit_code == 1, refused.output
    assert "was edited: its summary does not count its changes" in refused.output
    assert live_users(root) == 300
    # With honest counts but the verdict still forged, safety is judged again: exit 3.
    data["summary"]["destroy"] = 253
    saved.write_text(rehashed(data))
    judged = run("apply", str(root), "--plan", str(saved))
    assert judged.exit_code == 3, judged.output
    assert "Unsafe plan: it deletes 253 of 300 live users" in judged.output
    assert live_users(root) == 300


def test_a_change_edited_into_a_saved_plan_is_refused(tmp_path: Path) -> None:
    root = write(tmp_path / "c", [person(n) for n in range(3)])
    assert run("apply", str(root), "--auto-approve").exit_code == 0
    write(root, [person(n) for n in range(4)])
    saved = tmp_path / "plan.json"
    assert run("plan", str(root), "--out", str(saved)).exit_code == 2
    data = json.loads(saved.read_text())
    with Store.open(root / "store.db") as store:
        victim = store.list_users(limit=10)[0][0]
    data["changes"].append(
        {
            "kind": "user",
            "key": victim["userName"],
            "action": "delete",
            "reason": "not in the config",
            "id": victim["id"],
            "before": {"userName": "someone-else@corp.example"},
        }
    )
    data["summary"]["destroy"] = 1
    saved.write_text(rehashed(data))
    refused = run("apply", str(root), "--plan", str(saved))
    assert refused.exit_code == 1
    assert "does not describe the live store it claims to be made from" in refused.output
    assert live_users(root) == 3


def test_with_a_plan_key_only_plans_signed_with_it_are_applied(tmp_path: Path) -> None:
    root = write(tmp_path / "c", [person(n) for n in range(3)])
    saved = tmp_path / "plan.json"
    assert run("plan", str(root), "--out", str(saved)).exit_code == 2  # no key: unsigned
    unsigned = run("apply", str(root), "--plan", str(saved), key="k" * 32)
    assert unsigned.exit_code == 1 and "is not signed" in unsigned.output
    assert run("plan", str(root), "--out", str(saved), key="k" * 32).exit_code == 2
    assert json.loads(saved.read_text())["signature"]
    other = run("apply", str(root), "--plan", str(saved), key="x" * 32)
    assert other.exit_code == 1 and "signed with another key" in other.output
    assert live_users(root) == 0
    applied = run("apply", str(root), "--plan", str(saved), key="k" * 32)
    assert applied.exit_code == 0, applied.output
    assert live_users(root) == 3


def test_a_signed_plan_edited_and_rehashed_fails_its_signature(tmp_path: Path) -> None:
    root = write(tmp_path / "c", [person(n) for n in range(3)])
    saved = tmp_path / "plan.json"
    assert run("plan", str(root), "--out", str(saved), key="k" * 32).exit_code == 2
    data = json.loads(saved.read_text())
    data["changes"][0]["after"]["title"] = "Chief"
    signature = data["signature"]
    text = json.loads(rehashed(data))
    text["signature"] = signature  # the old signature, over the old hash
    saved.write_text(json.dumps(text))
    refused = run("apply", str(root), "--plan", str(saved), key="k" * 32)
    assert refused.exit_code == 1 and "signed with another key" in refused.output
    assert hashlib.sha256(b"").hexdigest() not in refused.output
    assert live_users(root) == 0
