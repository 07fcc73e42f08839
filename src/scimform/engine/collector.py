"""The cyclic garbage collector's pace during the engine's large steps.

A plan at scale holds millions of long-lived objects (the desired state, the live state)
while it makes and drops millions more (each page of a read, each comparison). With
CPython's default thresholds, the objects alive at each young collection are promoted
wave after wave, and every few waves set off a full collection over the whole heap: a
fifth of a 100,000-user read went there. `few_collections` spaces the collections out for
one step and restores the previous thresholds after; young collections still run, so
reference cycles are freed as before and memory stays bounded.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# A young collection every 20,000 allocations instead of 700, and a full one only after
# 1,000 middle ones (in practice never within one step).
BULK_THRESHOLDS = (20_000, 20, 1_000)


@contextmanager
def few_collections() -> Iterator[None]:
    """Run the block with the collector's thresholds at `BULK_THRESHOLDS`."""
    before = gc.get_threshold()
    gc.set_threshold(*BULK_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
