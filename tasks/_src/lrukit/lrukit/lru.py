"""LRUCache: a bounded mapping that forgets the least recently used entry first."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from lrukit.stats import CacheInfo, CacheStats

_MISSING = object()

EvictCallback = Callable[[Hashable, Any], None]


def _check_maxsize(maxsize: int | None) -> None:
    if maxsize is not None and (not isinstance(maxsize, int) or maxsize < 1):
        raise ValueError(f"maxsize must be a positive int or None (unbounded), got {maxsize!r}")


class LRUCache:
    """Up to `maxsize` entries (None: unbounded). Reading or writing an entry makes it the most
    recently used; `peek` and `in` do not. `on_evict(key, value)` is called for every entry
    dropped to make room (not for `pop`, `del` or `clear`)."""

    def __init__(self, maxsize: int | None = 128, on_evict: EvictCallback | None = None):
        _check_maxsize(maxsize)
        self.maxsize = maxsize
        self.on_evict = on_evict
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._stats = CacheStats()

    def get(self, key: Hashable, default: Any = None) -> Any:
        try:
            value = self._data[key]
        except KeyError:
            self._stats.misses += 1
            return default
        self._data.move_to_end(key)
        self._stats.hits += 1
        return value

    def peek(self, key: Hashable, default: Any = None) -> Any:
        """The value without touching recency or the counters."""
        return self._data.get(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        if key in self._data:
            self._data[key] = value
            self._data.move_to_end(key)
            return
        if self.maxsize is not None and len(self._data) >= self.maxsize:
            self._evict_oldest()
        self._data[key] = value

    def __getitem__(self, key: Hashable) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self.put(key, value)

    def __delitem__(self, key: Hashable) -> None:
        del self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[Hashable]:
        """Keys from least to most recently used."""
        return iter(list(self._data))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(maxsize={self.maxsize}, currsize={len(self)})"

    def pop(self, key: Hashable, default: Any = _MISSING) -> Any:
        if default is _MISSING:
            return self._data.pop(key)
        return self._data.pop(key, default)

    def popitem(self) -> tuple[Hashable, Any]:
        """Remove and return the least recently used entry."""
        if not self._data:
            raise KeyError("popitem(): cache is empty")
        return self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()

    def resize(self, maxsize: int | None) -> None:
        """Change the capacity; when shrinking, the least recently used entries are evicted."""
        _check_maxsize(maxsize)
        self.maxsize = maxsize
        while maxsize is not None and len(self._data) > maxsize:
            self._evict_oldest()

    def info(self) -> CacheInfo:
        return self._stats.snapshot(self.maxsize, len(self._data))

    def reset_stats(self) -> None:
        self._stats.reset()

    def _evict_oldest(self) -> None:
        key, value = self._data.popitem(last=False)
        self._stats.evictions += 1
        if self.on_evict is not None:
            self.on_evict(key, value)
