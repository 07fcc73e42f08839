"""AWS's identity store quotas: 100,000 users and 100,000 groups (2022 figures).

Counting a large table on every create would halve the create rate, so the count is kept
in memory, counted again every few seconds (other processes, such as seeding, may write to
the same store), and counted exactly on every create once it is near the quota.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from scimform.errors import ScimProblem

STORE_QUOTA = 100_000
_RECOUNT_SECONDS = 5.0
_EXACT_WITHIN = 1_000


class Quota:
    """How many `kind` objects a store may hold, checked before each create."""

    def __init__(
        self,
        kind: str,
        limit: int,
        count: Callable[[], int],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kind = kind
        self.limit = limit
        self._count = count
        self._clock = clock
        self._known: int | None = None
        self._counted_at = 0.0
        self._lock = threading.Lock()

    def check(self) -> None:
        """A 400 when the store already holds `limit` objects of this kind."""
        with self._lock:
            known = self._known
            stale = self._clock() - self._counted_at > _RECOUNT_SECONDS
            if known is None or stale or known >= self.limit - _EXACT_WITHIN:
                known = self._known = self._count()
                self._counted_at = self._clock()
        if known >= self.limit:
            raise ScimProblem(
                400,
                f"The identity store already holds {self.limit:,} {self.kind}s, the most "
                "AWS IAM Identity Center allows.",
            )

    def created(self) -> None:
        """Record one more object."""
        with self._lock:
            if self._known is not None:
                self._known += 1

    def deleted(self) -> None:
        """Record one object fewer."""
        with self._lock:
            if self._known is not None:
                self._known -= 1
