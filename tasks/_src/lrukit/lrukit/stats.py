"""Hit/miss accounting shared by the caches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class CacheInfo(NamedTuple):
    """A snapshot of a cache's counters (the shape of functools' cache_info, plus evictions)."""

    hits: int
    misses: int
    maxsize: int | None
    currsize: int
    evictions: int = 0

    @property
    def hit_rate(self) -> float:
        """Fraction of lookups that were hits; 0.0 before the first lookup."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0

    def reset(self) -> None:
        self.hits = self.misses = self.evictions = 0

    def snapshot(self, maxsize: int | None, currsize: int) -> CacheInfo:
        return CacheInfo(self.hits, self.misses, maxsize, currsize, self.evictions)
