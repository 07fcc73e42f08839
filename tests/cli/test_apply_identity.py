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

from builders import group_doc, person, team, user_doc, write_config
from click.testing import Result
from scimform_cli import cli

Asgi = Callable[..., Any]
TOKEN = "env:SCIM_TOKEN"


def bob(external_id: str) -> dict[str, Any]:
    return person("bob", externalId=external_id, familyName="Builder", displayName="Bob Builder")


def robert(external_id: str | None) -> dict[str, Any]:
    """The other writer's bob@corp.example: another person, Robert Other."""
    name = {"givenName": "Robert", "familyName": "Other"}
    doc = user_doc("bob@corp.example", name=name, displayName="Robert Other")
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


def apply(server: Any, root: Path) -> Result:
    return cli("apply", str(root), "--auto-approve", env={"SCIM_TOKEN": server.token})


def test_a_409_from_someone_else_with_the_same_user_name_is_not_adopted(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    holder: dict[str, Any] = {}

    def other_writer() -> None:
        holder.update(server.store.create_user(robert("SOMEONE-ELSE")))

    server = scim_server_factory(wrap=racing("/Users", other_writer))
    groups = [team("admins", ["bob@corp.example"])]
    root = write_config(
        tmp_path / "config", url=server.url, token=TOKEN, users=[bob("e-bob")], groups=groups
    )
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
    plan = cli("plan", str(root), env={"SCIM_TOKEN": server.token})
    assert "a different identity holds this userName" in plan.output or "left alone" in plan.output


def test_a_409_from_the_declared_identity_is_adopted_and_corrected(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    # A create whose first response was lost, or a twin run: same externalId, same person.
    def same_person() -> None:
        server.store.create_user(robert("e-bob"))

    server = scim_server_factory(wrap=racing("/Users", same_person))
    root = write_config(tmp_path / "config", url=server.url, token=TOKEN, users=[bob("e-bob")])
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
        wrap=racing("/Users", lambda: server.store.create_user(robert(None)))
    )
    root = write_config(tmp_path / "config", url=server.url, token=TOKEN, users=[bob("e-bob")])
    result = apply(server, root)
    assert result.exit_code == 0, result.output
    (live,) = server.store.list_users()[0]
    assert live["externalId"] == "e-bob"


def test_a_409_from_another_group_with_the_same_name_is_not_adopted(
    scim_server_factory: Any, tmp_path: Path
) -> None:
    def other_writer() -> None:
        server.store.create_group(group_doc("admins", externalId="THEIRS"))

    server = scim_server_factory(wrap=racing("/Groups", other_writer))
    groups = [team("admins", ["bob@corp.example"], externalId="OURS")]
    root = write_config(
        tmp_path / "config", url=server.url, token=TOKEN, users=[bob("e-bob")], groups=groups
    )
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
            server.store.create_user(dict(robert(f"theirs-{n}"), userName=name))

    server = scim_server_factory(wrap=racing("/Users", other_apply))
    ours = [dict(bob(f"ours-{n}"), userName=name, email=name) for n, name in enumerate(names)]
    root = write_config(tmp_path / "config", url=server.url, token=TOKEN, users=ours)
    result = apply(server, root)
    assert result.exit_code == 1, result.output
    assert "Apply finished with failures: 20 failed." in result.output
    live = {u["userName"]: u["externalId"] for u in server.store.list_users()[0]}
    assert live == {name: f"theirs-{n}" for n, name in enumerate(names)}
