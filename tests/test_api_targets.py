"""The Python front door with several targets: a session is per target, and a session over
the whole config is refused rather than pointed at a default store."""

from __future__ import annotations

from pathlib import Path

import pytest

import scimform
from scimform.errors import UnknownTarget

SETTINGS = 'targets:\n  sandbox: {url: "local:s.db"}\n  production: {url: "local:p.db"}\n'
PEOPLE = """\
users:
  - {userName: sam@corp.example, externalId: e-sam, givenName: S, familyName: B,
     displayName: S B, email: sam@corp.example, targets: [sandbox]}
"""


def test_a_session_is_opened_per_target(tmp_path: Path) -> None:
    (tmp_path / "scimform.yaml").write_text(SETTINGS, encoding="utf-8")
    (tmp_path / "people.yaml").write_text(PEOPLE, encoding="utf-8")
    config = scimform.load(tmp_path)
    with pytest.raises(UnknownTarget, match=r"config\.for_target"):
        scimform.Session(config, environ={})
    assert not (tmp_path / ".scimform").exists()
    plans = {}
    for name in config.target_names:
        with scimform.Session(config.for_target(name), target_name=name, environ={}) as s:
            plans[name] = s.apply(s.plan())
    assert plans["sandbox"].plan.summary.add == 1 and plans["production"].plan.summary.add == 0
    assert (tmp_path / "s.db").exists()
