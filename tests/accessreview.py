"""The repository of an access review, built by the tests, with an apply after each
landing (through `scimform apply --pull-requests` against the `local:` store), so that the
audit log holds who merged and who approved each pull request.

2026-01-05  direct push by Ops Bot: alice, bob, carol, mallory; platform-administrators
            [bob]; developers [alice, carol]
2026-07-01  PR #42 (merge commit by Max Merger; written by Jane Doe on 06-30): alice joins
            platform-administrators; approved by bob
2026-07-12  PR #43 (squash, written by Ann Other on 07-10): alice promoted; approved by bob
2026-08-03  PR #44 (merge; its branch holds a broken work-in-progress commit of 08-01 by
            Carol, fixed on 08-02): platform-administrators renamed platform-admins
            (`previously:`), carol renamed carol.smith (same externalId); approved by ann
2026-09-09  PR #45 (squash by Mallory on 09-09, landed 09-10): mallory adds herself to
            platform-admins; nobody approved
2026-09-28  direct push by Bob Builder: bob joins developers; applied without a pull request
2026-10-02  PR #46 (squash): alice leaves platform-admins; approved by bob
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gitrepo import Repo
from scimform_cli import cli

SETTINGS = "target:\n  url: local:.scimform/store.db\n"


def person(name: str, external_id: str, given: str, title: str = "Engineer") -> str:
    return (
        f"  - userName: {name}\n    externalId: {external_id}\n    givenName: {given}\n"
        f"    familyName: Example\n    displayName: {given} Example\n    email: {name}\n"
        f"    title: {title}\n"
    )


def users(alice_title: str = "Engineer", carol: str = "carol@corp.example") -> str:
    return "users:\n" + "".join(
        [
            person("alice@corp.example", "a-1", "Alice", alice_title),
            person("bob@corp.example", "b-2", "Bob"),
            person(carol, "c-3", "Carol"),
            person("mallory@corp.example", "m-4", "Mallory"),
        ]
    )


def groups(admins: str, developers: str, renamed: bool = False) -> str:
    name = "platform-admins" if renamed else "platform-administrators"
    was = "    previously: [platform-administrators]\n" if renamed else ""
    return (
        f"groups:\n  - displayName: {name}\n    members: [{admins}]\n{was}"
        f"  - displayName: developers\n    members: [{developers}]\n"
    )


def apply(root: Path, pulls: list[dict[str, Any]] | None) -> None:
    """`scimform apply` of the config as it is now, recording `pulls` (None: none)."""
    args = ["apply", str(root), "--auto-approve"]
    if pulls is not None:
        path = root.parent / "pulls.json"
        path.write_text(json.dumps(pulls))
        args += ["--pull-requests", str(path)]
    result = cli(*args, env={"GITHUB_ACTOR": "deploy-bot", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output


def pull(number: int, author: str, approvers: list[str], merged: str) -> dict[str, Any]:
    return {
        "number": number,
        "url": f"https://github.example/corp/identity/pull/{number}",
        "title": f"Pull request {number}",
        "author": author,
        "merged_by": "max",
        "merged_at": f"{merged}T15:00:00Z",
        "approvers": approvers,
    }


def build(top: Path) -> tuple[Repo, dict[str, str]]:
    """The story in the module doc, applied after each landing; the repository and the
    full shas by step. The config is in `identity/` below the repository's top."""
    repo, sha, root = Repo(top), {}, top / "identity"
    developers = "alice@corp.example, carol@corp.example"
    sha["start"] = repo.commit(
        "Start the identity config",
        {".gitignore": ".scimform/\npulls.json\n", "identity/scimform.yaml": SETTINGS,
         "identity/users.yaml": users(),
         "identity/groups.yaml": groups("bob@corp.example", developers)},
        "Ops Bot", "2026-01-05",
    )  # fmt: skip
    apply(root, None)
    repo.git("checkout", "-q", "-b", "add-alice")
    sha["add"] = repo.commit(
        "Give alice platform admin",
        {"identity/groups.yaml": groups("bob@corp.example, alice@corp.example", developers)},
        "Jane Doe", "2026-06-30",
    )  # fmt: skip
    repo.git("checkout", "-q", "main")
    sha["merge42"] = repo.merge_pull_request("add-alice", 42, "Max Merger", "2026-07-01")
    apply(root, [pull(42, "jane", ["bob"], "2026-07-01")])
    sha["promote"] = repo.commit(
        "Promote alice (#43)", {"identity/users.yaml": users("Senior Engineer")},
        "Ann Other", "2026-07-10", landed="2026-07-12",
    )  # fmt: skip
    apply(root, [pull(43, "ann", ["bob"], "2026-07-12")])
    repo.git("checkout", "-q", "-b", "rename")
    sha["wip"] = repo.commit(
        "WIP rename", {"identity/groups.yaml": "groups:\n  - displayName: [platform-admins\n"},
        "Carol", "2026-08-01",
    )  # fmt: skip
    sha["fix"] = repo.commit(
        "Rename platform-administrators and carol",
        {"identity/users.yaml": users("Senior Engineer", "carol.smith@corp.example"),
         "identity/groups.yaml": groups("bob@corp.example, alice@corp.example",
                                        "alice@corp.example, carol.smith@corp.example", True)},
        "Carol", "2026-08-02",
    )  # fmt: skip
    repo.git("checkout", "-q", "main")
    sha["merge44"] = repo.merge_pull_request("rename", 44, "Max Merger", "2026-08-03")
    apply(root, [pull(44, "carol", ["ann"], "2026-08-03")])
    admins = "bob@corp.example, alice@corp.example, mallory@corp.example"
    devs = "alice@corp.example, carol.smith@corp.example"
    sha["self"] = repo.commit(
        "Add me to platform-admins (#45)", {"identity/groups.yaml": groups(admins, devs, True)},
        "Mallory", "2026-09-09", landed="2026-09-10",
    )  # fmt: skip
    apply(root, [pull(45, "mallory", [], "2026-09-10")])
    sha["push"] = repo.commit(
        "Add bob to developers",
        {"identity/groups.yaml": groups(admins, devs + ", bob@corp.example", True)},
        "Bob Builder", "2026-09-28",
    )  # fmt: skip
    apply(root, None)
    sha["leave"] = repo.commit(
        "Take alice out of platform-admins (#46)",
        {"identity/groups.yaml": groups("bob@corp.example, mallory@corp.example",
                                        devs + ", bob@corp.example", True)},
        "Jane Doe", "2026-10-02",
    )  # fmt: skip
    apply(root, [pull(46, "jane", ["bob"], "2026-10-02")])
    return repo, sha
