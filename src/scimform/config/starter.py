"""The files of a new config, as `scimform init` writes them: settings, a starter users and
groups file (both with schema modelines, already in fmt's layout) and a .gitignore that
keeps the embedded store and the audit log out of git."""

from __future__ import annotations

from scimform.config.schema import SETTINGS_FILE

SCHEMAS = "schemas"
RESOURCES_FILE = "users.yaml"
GITIGNORE = ".gitignore"
# The embedded store, its audit log and saved plans live here: local state, never committed.
IGNORED = ".scimform/"

_SETTINGS = f"""\
# yaml-language-server: $schema={SCHEMAS}/scimform.schema.json
#
# scimform's settings; the README's "The config language" lists every key.
# The target below is the embedded store, for trying scimform out with no AWS account.
# For AWS IAM Identity Center, use the SCIM endpoint its console shows, and say where the
# token is (env:NAME or file:PATH, never the token itself):
#   url: https://scim.us-east-1.amazonaws.com/<tenant-id>/scim/v2
#   token: env:SCIM_TOKEN
target:
  url: local:.scimform/store.db
ownership:
  # true: delete live users and groups that this config does not declare.
  prune: false
  ignore:
    groups:
      - AWS*  # made by AWS Control Tower
safety:
  max_delete_pct: 10
  max_update_pct: 30
  min_existing: 10
"""

_RESOURCES = f"""\
# yaml-language-server: $schema={SCHEMAS}/resources.schema.json
#
# Users and groups; split them into as many *.yaml files as you like (one per team is
# common). Replace this example with your people, then `scimform plan`.
users:
  - userName: jane.doe@example.com
    externalId: 00000000-0000-0000-0000-000000000001  # the IdP's stable id for her
    givenName: Jane
    familyName: Doe
    displayName: Jane Doe
    email: jane.doe@example.com
groups:
  - displayName: aws-admins
    members:
      - jane.doe@example.com
"""

_GITIGNORE = f"""\
# scimform's local state: the embedded store, the audit log, saved plans.
{IGNORED}
"""


def starter_files() -> dict[str, str]:
    """The YAML files of a new config, by name."""
    return {SETTINGS_FILE: _SETTINGS, RESOURCES_FILE: _RESOURCES}


def gitignore(existing: str | None) -> str | None:
    """The .gitignore to write, given the one there is (None when absent); None when it
    already ignores the local state."""
    if existing is None:
        return _GITIGNORE
    if any(line.strip() in (IGNORED, IGNORED.rstrip("/")) for line in existing.splitlines()):
        return None
    return existing + ("" if existing.endswith("\n") or not existing else "\n") + _GITIGNORE
