"""The engine's policies: what a plan may delete (ownership) and how much it may change
without --force (safety). scimform.yaml's `ownership:` and `safety:` are read into these by
the front door (scimform.api); the engine never reads the config's own models."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True, slots=True)
class Ownership:
    """Live objects the config does not declare are deleted only with `prune`, and never
    when they match an ignore glob (on userName / displayName)."""

    prune: bool = False
    ignore_users: tuple[str, ...] = ()
    ignore_groups: tuple[str, ...] = ("AWS*",)

    def ignores_user(self, user_name: str) -> bool:
        """Whether a live user with this userName matches an ignore glob."""
        return any(fnmatchcase(user_name, glob) for glob in self.ignore_users)

    def ignores_group(self, display_name: str) -> bool:
        """Whether a live group with this displayName matches an ignore glob."""
        return any(fnmatchcase(display_name, glob) for glob in self.ignore_groups)


@dataclass(frozen=True, slots=True)
class Safety:
    """Shares of the live store above which a plan is unsafe, and the floor below which
    the shares do not apply (on a near-empty store every change is a large share)."""

    max_delete_pct: float = 10
    max_update_pct: float = 30
    min_existing: int = 10
