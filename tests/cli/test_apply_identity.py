"""A create answered 409 takes over the live object only when it is the declared identity:
a concurrent writer that creates the same userName (or displayName) with another
externalId just before scimform's POST is someone else, and apply says so instead of
handing that person's id, and with it their AWS permission sets, to the config's user.
Through the real CLI against a real server; the concurrent writer acts in the server
just before the POST reaches it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from scimform.cli import main
from scimform.wire import GROUP_SCHEMA, USER_SCHEMA

Asgi = Callable[..., Any]


def bob(external_id: str) -> dict[str, Any]:
    return {
        "userName": "bob@corp.example",
        "externalId": external_id,
        "givenName": "Bob",
        "familyName": "Builder",
        "displayName": "Bob Builder",
        "email": "bob@corp.example",
    }


def user_doc(external_id: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "userName": "bob@corp.example",
        "name": {"givenName": "Robert", "familyName": "Other"},
        "displayName": "Robert Other",
    }
    if external_id is not None:
        doc["externalId"] = external_id
    return doc


def racing(path: str, act: Callable[[], None]) -> Callable[[Asgi], Asgi]:
    """An app that runs `act` (the other writer) once, just before the first POST to
    `path` reaches the SCIM app."""

    def wrap(app: Asgi) -> Asgi:
        done: list[bool] = []

        async def racing_app(scope: Any, receive: Asgi, send: Asgi) -> None:
            if scope.get("method") == "POST" and scope["path"].endswith(path) and not done:
                done.append(True)
                act()
            await app(scope, receive, send)

        return racing_app

    return wrap


def config(root: Path, url: str, users: list[dict[str, Any]], groups: list[Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    settings = {"target": {"url": url, "token": "env:SCIM_TOKEN"}}
    (root / "scimform.yaml").write_text(yaml.safe_dump(settings))
    (root / "people.yaml").write_text(yaml.safe_dump({"users": users, "groups": groups}))
    return root


def apply(server: Any, root: Path) -> Result:
    env = {"SCIM_TOKEN": server.token, "NO_COLOR": "1"}
    result = CliRunner().invoke(main, ["apply", str(root), "--auto-approve"], env=env)
    assert server.token not in result.output
    return result


def test_a_409_from_someone_else_with_the_same_user_name_is_not_adopted(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    holder: dict[str, Any] = {}

    def other_writer() -> None:
        holder.update(server.store.create_user(user_doc("SOMEONE-ELSE")))

    server = scim_server_factory(wrap=racing("/Users", other_writer))
    groups = [{"displayName": "admins", "members": ["bob@corp.example"]}]
    root = config(tmp_path / "config", server.url, [bob("e-bob")], groups)
    result = apply(server, root)
    assert result.exit_code == 1, result.output
    assert "is a different identity from the declared user" in result.output
    assert "externalId SOMEONE-ELSE" in result.output and "externalId e-bob" in result.output
    assert "adopted" not in result.output.split("Apply")[-1]
    (live,) = server.store.list_users()[0]
    # The other person's account is untouched, and nobody added it to admins.
    assert live["id"] == holder["id"] and live["externalId"] == "SOMEONE-ELSE"
    assert live["name"]["givenName"] == "Robert"
    (group,) = server.store.list_groups(limit=10)[0]
    assert server.store.list_users(group_id=group["id"])[0] == []
    # The next plan sees the same thing: a different identity holds the name.
    plan = CliRunner().invoke(
        main, ["plan", str(root)], env={"SCIM_TOKEN": server.token, "NO_COLOR": "1"}
    )
    assert "a different identity holds this userName" in plan.output or "left alone" in plan.output


def test_a_409_from_the_declared_identity_is_adopted_and_corrected(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    # A create whose first response was lost, or a twin run: same externalId, same person.
    def same_person() -> None:
        server.store.create_user(user_doc("e-bob"))

    server = scim_server_factory(wrap=racing("/Users", same_person))
    root = config(tmp_path / "config", server.url, [bob("e-bob")], [])
    result = apply(server, root)
    assert result.exit_code == 0, result.output
    assert "adopted" in result.output
    (live,) = server.store.list_users()[0]
    assert live["name"]["givenName"] == "Bob"  # the config's values were put on it


def test_a_409_from_an_object_without_external_id_follows_the_plan_s_rule(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    # No externalId on the live object: the plan would match it by userName, so apply does.
    server = scim_server_factory(
        wrap=racing("/Users", lambda: server.store.create_user(user_doc(None)))
    )
    root = config(tmp_path / "config", server.url, [bob("e-bob")], [])
    result = apply(server, root)
    assert result.exit_code == 0, result.output
    (live,) = server.store.list_users()[0]
    assert live["externalId"] == "e-bob"


def test_a_409_from_another_group_with_the_same_name_is_not_adopted(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    def other_writer() -> None:
        doc = {"schemas": [GROUP_SCHEMA], "displayName": "admins", "externalId": "THEIRS"}
        server.store.create_group(doc)

    server = scim_server_factory(wrap=racing("/Groups", other_writer))
    groups = [{"displayName": "admins", "externalId": "OURS", "members": ["bob@corp.example"]}]
    root = config(tmp_path / "config", server.url, [bob("e-bob")], groups)
    result = apply(server, root)
    assert result.exit_code == 1, result.output
    assert 'the group "admins"' in result.output and "externalId THEIRS" in result.output
    (group,) = server.store.list_groups(limit=10)[0]
    assert group["externalId"] == "THEIRS"
    assert server.store.list_users(group_id=group["id"])[0] == []


def test_a_concurrent_apply_of_other_identities_keeps_every_user_to_its_owner(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    # Two applies plan against the same empty store; the other one creates its 20 users
    # (same userNames, other externalIds) just before this one's first POST. Before, this
    # apply adopted all 20 and rewrote their externalIds.
    names = [f"u{n:02}@corp.example" for n in range(20)]

    def other_apply() -> None:
        for n, name in enumerate(names):
            server.store.create_user(dict(user_doc(f"theirs-{n}"), userName=name))

    server = scim_server_factory(wrap=racing("/Users", other_apply))
    ours = [dict(bob(f"ours-{n}"), userName=name, email=name) for n, name in enumerate(names)]
    root = config(tmp_path / "config", server.url, ours, [])
    result = apply(server, root)
    assert result.exit_code == 1, result.output
    assert "Apply finished with failures: 20 failed." in result.output
    live = {u["userName"]: u["externalId"] for u in server.store.list_users()[0]}
    assert live == {name: f"theirs-{n}" for n, name in enumerate(names)}
