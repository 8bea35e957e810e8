"""TTLCache: an LRU cache whose entries also expire `ttl` seconds after they were written."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from lrukit.lru import EvictCallback, LRUCache

_MISSING = object()


class TTLCache(LRUCache):
    """Entries live for `ttl` seconds from their last write: one written at time t is expired
    from t + ttl on. Expired entries behave as absent everywhere (get, [], in, len, iteration)
    and are dropped lazily. `timer` returns seconds (monotonic by default); tests pass a fake."""

    def __init__(self, maxsize: int | None = 128, ttl: float = 600.0, timer: Callable[[], float] = time.monotonic,
                 on_evict: EvictCallback | None = None):
        if ttl <= 0:
            raise ValueError(f"ttl must be positive, got {ttl!r}")
        super().__init__(maxsize, on_evict)
        self.ttl = ttl
        self.timer = timer
        self._expires: dict[Hashable, float] = {}

    def get(self, key: Hashable, default: Any = None) -> Any:
        self._drop_if_expired(key)
        return super().get(key, default)

    def peek(self, key: Hashable, default: Any = None) -> Any:
        self._drop_if_expired(key)
        return super().peek(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        self.expire()
        super().put(key, value)
        self._expires[key] = self.timer() + self.ttl

    def __contains__(self, key: object) -> bool:
        self._drop_if_expired(key)
        return super().__contains__(key)

    def __len__(self) -> int:
        self.expire()
        return super().__len__()

    def __iter__(self) -> Iterator[Hashable]:
        self.expire()
        return super().__iter__()

    def __delitem__(self, key: Hashable) -> None:
        super().__delitem__(key)
        self._expires.pop(key, None)

    def pop(self, key: Hashable, default: Any = _MISSING) -> Any:
        self._drop_if_expired(key)
        self._expires.pop(key, None)
        return super().pop(key) if default is _MISSING else super().pop(key, default)

    def popitem(self) -> tuple[Hashable, Any]:
        self.expire()
        key, value = super().popitem()
        self._expires.pop(key, None)
        return key, value

    def clear(self) -> None:
        super().clear()
        self._expires.clear()

    def expire(self) -> int:
        """Drop every expired entry now; returns how many were dropped."""
        now = self.timer()
        dead = [key for key, deadline in self._expires.items() if now >= deadline]
        for key in dead:
            self._forget(key)
        return len(dead)

    def ttl_remaining(self, key: Hashable) -> float | None:
        """Seconds until `key` expires, or None when it is absent or expired."""
        deadline = self._expires.get(key)
        if deadline is None:
            return None
        remaining = deadline - self.timer()
        return remaining if remaining > 0 else None

    def _drop_if_expired(self, key: object) -> None:
        deadline = self._expires.get(key)  # type: ignore[arg-type]
        if deadline is not None and self.timer() >= deadline:
            self._forget(key)  # type: ignore[arg-type]

    def _forget(self, key: Hashable) -> None:
        self._data.pop(key, None)
        self._expires.pop(key, None)

    def _evict_oldest(self) -> None:
        oldest = next(iter(self._data))
        self._expires.pop(oldest, None)
        super()._evict_oldest()
