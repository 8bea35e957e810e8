"""memoize: cache a function's results in an LRUCache (or a TTLCache when `ttl` is given)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any

from lrukit.lru import LRUCache
from lrukit.ttl import TTLCache

_MISSING = object()
_KWARGS_MARK = object()  # separates positional from keyword arguments in a key


def make_key(args: tuple, kwargs: dict[str, Any], typed: bool = False) -> Hashable:
    """A hashable key for a call. f(1, 2) and f(1, b=2) get different keys, as in functools;
    with `typed`, f(1) and f(1.0) do too."""
    key: tuple = args
    if kwargs:
        key += (_KWARGS_MARK,) + tuple(sorted(kwargs.items()))
    if typed:
        key += tuple(type(arg) for arg in args)
        key += tuple(type(value) for _, value in sorted(kwargs.items()))
    return key


def memoize(func: Callable | None = None, *, maxsize: int | None = 128, ttl: float | None = None,
            typed: bool = False, timer: Callable[[], float] | None = None) -> Callable:
    """Decorator: `@memoize` or `@memoize(maxsize=..., ttl=..., typed=...)`.

    The wrapper has `cache_info()`, `cache_clear()` and `cache` (the underlying cache).
    Arguments must be hashable; calls with unhashable arguments raise TypeError.
    """

    def decorate(function: Callable) -> Callable:
        if ttl is None:
            cache: LRUCache = LRUCache(maxsize)
        elif timer is None:
            cache = TTLCache(maxsize, ttl)
        else:
            cache = TTLCache(maxsize, ttl, timer=timer)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = make_key(args, kwargs, typed)
            result = cache.get(key, _MISSING)
            if result is not _MISSING:
                return result
            result = function(*args, **kwargs)
            cache.put(key, result)
            return result

        wrapper.cache = cache  # type: ignore[attr-defined]
        wrapper.cache_info = cache.info  # type: ignore[attr-defined]
        wrapper.cache_clear = lambda: (cache.clear(), cache.reset_stats())  # type: ignore[attr-defined]
        return wrapper

    if func is not None:
        return decorate(func)
    return decorate
