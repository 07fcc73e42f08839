"""Several named targets in scimform.yaml: each target's settings and desired state, and
every mistake about targets reported at file:line with a fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

from scimform.config.loader import LoadedConfig, load_config
from scimform.diagnostics import Diagnostic, Severity

SETTINGS = """\
    ownership: {prune: true}
    safety: {max_delete_pct: 10}
    targets:
      sandbox:
        url: local:sandbox.db
      production:
        url: local:production.db
        token: env:SCIM_TOKEN_PRODUCTION
        safety: {max_delete_pct: 50, min_existing: 0}
        scope: {groups: [admins]}
"""

PEOPLE = """\
    users:
      - {userName: alice@corp.example, givenName: A, familyName: L, displayName: A L,
         email: alice@corp.example}
      - userName: sam@corp.example
        givenName: S
        familyName: B
        displayName: S B
        email: sam@corp.example
        targets: [sandbox]
    groups:
      - {displayName: admins, members: [alice@corp.example]}
      - {displayName: testers, members: [sam@corp.example], targets: [sandbox]}
"""


def load(root: Path, settings: str = SETTINGS, people: str = PEOPLE) -> LoadedConfig:
    (root / "scimform.yaml").write_text(textwrap.dedent(settings), encoding="utf-8")
    (root / "people.yaml").write_text(textwrap.dedent(people), encoding="utf-8")
    return load_config(root)


def errors(config: LoadedConfig) -> list[Diagnostic]:
    return [d for d in config.diagnostics if d.severity is Severity.ERROR]


def test_each_target_gets_its_own_settings_and_only_what_goes_to_it(tmp_path: Path) -> None:
    config = load(tmp_path)
    assert errors(config) == []
    assert config.target_names == ("sandbox", "production")
    sandbox, production = config.for_target("sandbox"), config.for_target("production")
    assert sandbox.settings.target.url == "local:sandbox.db"
    assert sandbox.settings.safety.max_delete_pct == 10  # the top-level one
    assert sandbox.settings.ownership.prune is True
    assert production.settings.target.token == "env:SCIM_TOKEN_PRODUCTION"
    assert production.settings.safety.max_delete_pct == 50
    assert [u.user_name for u in sandbox.desired.users] == [
        "alice@corp.example",
        "sam@corp.example",
    ]
    assert [g.display_name for g in sandbox.desired.groups] == ["admins", "testers"]
    # production: sam goes to sandbox only; scope admins keeps alice.
    assert [u.user_name for u in production.desired.users] == ["alice@corp.example"]
    assert [g.display_name for g in production.desired.groups] == ["admins"]


def test_a_single_target_config_is_its_own_default_target(tmp_path: Path) -> None:
    config = load(tmp_path, "target: {url: local:store.db}\n", PEOPLE.replace("sandbox", "default"))
    assert errors(config) == []
    assert config.target_names == ("default",)
    assert config.for_target("default") is config
    assert not config.several_targets


def test_target_and_targets_together_is_an_error_at_target(tmp_path: Path) -> None:
    config = load(tmp_path, "target: {url: local:x.db}\n" + textwrap.dedent(SETTINGS))
    [found] = errors(config)
    assert found.code == "targets.both"
    assert (found.location.file, found.location.line) == (str(tmp_path / "scimform.yaml"), 1)


def test_an_unknown_target_name_is_an_error_with_did_you_mean(tmp_path: Path) -> None:
    people = PEOPLE.replace("targets: [sandbox]\n", "targets: [sandbx]\n", 1)
    config = load(tmp_path, people=people)
    found = [d for d in errors(config) if d.code == "targets.unknown"]
    assert len(found) == 1
    assert found[0].location.line == 9
    assert found[0].location.file == str(tmp_path / "people.yaml")
    assert 'did you mean "sandbox"' in (found[0].hint or "")


def test_an_unknown_target_in_a_single_target_config_lists_default(tmp_path: Path) -> None:
    config = load(tmp_path, "target: {url: local:store.db}\n")
    found = {d.code for d in errors(config)}
    assert found == {"targets.unknown"}
    assert "the targets are: default" in (errors(config)[0].hint or "")


def test_a_group_may_not_go_where_a_member_does_not(tmp_path: Path) -> None:
    people = PEOPLE.replace(
        "members: [alice@corp.example]", "members: [alice@corp.example, sam@corp.example]"
    )
    config = load(tmp_path, people=people)
    [found] = errors(config)
    assert found.code == "targets.member-not-sent"
    assert found.location.line == 11
    assert '"admins" goes to target production' in found.message
    assert "sam@corp.example" in found.message


def test_a_users_groups_entry_is_held_to_the_same_rule(tmp_path: Path) -> None:
    people = PEOPLE.replace(
        "targets: [sandbox]\n", "targets: [sandbox]\n        groups: [admins]\n", 1
    )
    config = load(tmp_path, people=people)
    [found] = errors(config)
    assert found.code == "targets.member-not-sent"
    assert found.location.line == 10


def test_target_names_are_a_small_safe_alphabet(tmp_path: Path) -> None:
    settings = "targets:\n  Prod EU: {url: local:p.db}\n"
    config = load(tmp_path, settings, "users: []\n")
    [found] = errors(config)
    assert found.code == "targets.bad-name"
    assert found.location.line == 2


def test_every_targets_url_and_token_are_checked(tmp_path: Path) -> None:
    settings = """\
        targets:
          sandbox: {url: "local:s.db"}
          production:
            url: https://scim.example.com/abc/scim/v2
            token: env:SCIM_TOKEN_PRODUCTION
    """
    (tmp_path / "scimform.yaml").write_text(textwrap.dedent(settings), encoding="utf-8")
    (tmp_path / "people.yaml").write_text("users: []\n", encoding="utf-8")
    config = load_config(tmp_path, allowed_hosts=())
    [found] = errors(config)
    assert found.location.line == 4
    assert "targets.production.url names a host" in found.message


def test_each_target_has_its_own_tokens_block(tmp_path: Path) -> None:
    settings = "targets:\n  sandbox: {url: local:s.db}\n  production: {url: local:p.db}\n"
    tokens = """\
        tokens:
          target: production
          expected:
            - {id: prod-1, created: 2026-01-01, expires: 2027-01-01}
    """
    config = load(tmp_path, settings, "users: []\n")
    (tmp_path / "tokens.yaml").write_text(textwrap.dedent(tokens), encoding="utf-8")
    config = load_config(tmp_path)
    assert errors(config) == []
    assert [t.id for t in config.for_target("production").desired.tokens] == ["prod-1"]
    assert config.for_target("sandbox").desired.tokens == ()


def test_a_tokens_block_naming_an_unknown_target_is_an_error(tmp_path: Path) -> None:
    settings = "targets:\n  sandbox: {url: local:s.db}\n"
    load(tmp_path, settings, "users: []\n")
    (tmp_path / "tokens.yaml").write_text("tokens:\n  target: prod\n", encoding="utf-8")
    [found] = errors(load_config(tmp_path))
    assert (found.code, found.location.line) == ("targets.unknown", 2)
