"""The embedded SCIM store: SQLite persistence for users, groups, memberships, tokens and
the provisioning switch, plus bulk seeding. It stores SCIM documents that the service layer
has already validated; SCIM's request rules live in `scimform.server`."""

from scimform.store.db import Store
from scimform.store.tokens import Provisioning, TokenInfo

__all__ = ["Provisioning", "Store", "TokenInfo"]
