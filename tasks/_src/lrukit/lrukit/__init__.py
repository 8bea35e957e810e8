"""lrukit: in-memory LRU and TTL caches, and a memoizing decorator built on them.

>>> from lrukit import LRUCache
>>> cache = LRUCache(maxsize=2)
>>> cache["a"] = 1; cache["b"] = 2; cache["c"] = 3
>>> list(cache)
['b', 'c']
"""

from lrukit.decorators import make_key, memoize
from lrukit.lru import LRUCache
from lrukit.stats import CacheInfo
from lrukit.ttl import TTLCache

__all__ = ["CacheInfo", "LRUCache", "TTLCache", "make_key", "memoize"]

__version__ = "2.1.0"
