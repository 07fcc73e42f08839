"""fmt's layout of the keys several targets add: each target's keys in the order of a
target (url, token, then its own scope, ownership and safety) with the targets in the
order written, and `targets:` last in a user and a group."""

from __future__ import annotations

from scimform.config.fmt import format_round_trip, format_text
from scimform.config.fmt_direct import DirectWriter
from scimform.config.fmt_layout import RESOURCES, SETTINGS


def fmt(text: str, settings: bool = False) -> str:
    """fmt's result: idempotent, and the direct path's (where it vouches) the round trip's."""
    out = format_text(text, settings, "t.yaml")
    assert format_text(out, settings, "t.yaml") == out
    for text_in in (text, out):
        direct = DirectWriter().format(text_in, SETTINGS if settings else RESOURCES)
        assert direct is None or direct == format_round_trip(text_in, settings, "t.yaml")
    return out


def test_each_target_is_laid_out_and_the_targets_keep_their_order() -> None:
    text = (
        "targets:\n"
        "  sandbox:\n"
        "    safety: {min_existing: 0}  # a small store\n"
        "    token: env:SCIM_TOKEN_SANDBOX\n"
        "    url: local:s.db\n"
        "  production: {token: env:SCIM_TOKEN_PRODUCTION, url: local:p.db}\n"
    )
    out = fmt(text, settings=True)
    assert out.index("sandbox:") < out.index("production:")
    sandbox = out[: out.index("production:")]
    assert sandbox.index("url:") < sandbox.index("token:") < sandbox.index("safety:")
    assert "# a small store" in out
    production = out[out.index("production:") :]
    assert production.index("url:") < production.index("token:")


def test_targets_go_last_in_users_and_groups() -> None:
    text = (
        "users:\n"
        "  - targets: [sandbox]\n"
        "    groups: [admins]\n"
        "    userName: bob@corp.example\n"
        "    givenName: Bob\n"
        "groups:\n"
        "  - targets: [sandbox]\n"
        "    members: [bob@corp.example]\n"
        "    displayName: admins\n"
    )
    out = fmt(text)
    user, group = out.split("groups:\n  - ")
    assert user.index("userName") < user.index("givenName") < user.index("groups:")
    assert user.index("groups:") < user.index("targets:")
    assert group.index("displayName") < group.index("members:") < group.index("targets:")
