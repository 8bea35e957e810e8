import pytest

from lrukit import LRUCache


def test_get_and_put():
    cache = LRUCache(maxsize=3)
    cache.put("a", 1)
    cache["b"] = 2
    assert cache.get("a") == 1
    assert cache["b"] == 2
    assert cache.get("zzz") is None
    assert cache.get("zzz", "dflt") == "dflt"


def test_missing_item_raises_key_error():
    cache = LRUCache()
    with pytest.raises(KeyError):
        cache["nope"]


def test_evicts_least_recently_used():
    cache = LRUCache(maxsize=2)
    cache["a"] = 1
    cache["b"] = 2
    cache["c"] = 3
    assert "a" not in cache
    assert list(cache) == ["b", "c"]


def test_get_refreshes_recency():
    cache = LRUCache(maxsize=2)
    cache["a"] = 1
    cache["b"] = 2
    cache.get("a")
    cache["c"] = 3
    assert list(cache) == ["a", "c"]


def test_peek_and_contains_do_not_refresh():
    cache = LRUCache(maxsize=2)
    cache["a"] = 1
    cache["b"] = 2
    assert cache.peek("a") == 1
    assert "a" in cache
    cache["c"] = 3
    assert list(cache) == ["b", "c"]


def test_on_evict_called_with_dropped_entry():
    dropped = []
    cache = LRUCache(maxsize=1, on_evict=lambda k, v: dropped.append((k, v)))
    cache["a"] = 1
    cache["b"] = 2
    assert dropped == [("a", 1)]


def test_unbounded():
    cache = LRUCache(maxsize=None)
    for i in range(1000):
        cache[i] = i
    assert len(cache) == 1000


@pytest.mark.parametrize("maxsize", [0, -1, 2.5, "10"])
def test_bad_maxsize(maxsize):
    with pytest.raises(ValueError):
        LRUCache(maxsize=maxsize)


def test_pop_del_clear():
    cache = LRUCache()
    cache["a"] = 1
    cache["b"] = 2
    assert cache.pop("a") == 1
    assert cache.pop("a", None) is None
    with pytest.raises(KeyError):
        cache.pop("a")
    del cache["b"]
    cache["c"] = 3
    cache.clear()
    assert len(cache) == 0


def test_popitem_returns_oldest():
    cache = LRUCache()
    cache["a"] = 1
    cache["b"] = 2
    assert cache.popitem() == ("a", 1)
    cache.popitem()
    with pytest.raises(KeyError):
        cache.popitem()


def test_stats():
    cache = LRUCache(maxsize=1)
    cache["a"] = 1
    cache.get("a")
    cache.get("b")
    cache["b"] = 2
    info = cache.info()
    assert (info.hits, info.misses, info.maxsize, info.currsize, info.evictions) == (1, 1, 1, 1, 1)
    assert info.hit_rate == 0.5
    cache.reset_stats()
    assert cache.info().hits == 0


def test_hit_rate_before_any_lookup():
    assert LRUCache().info().hit_rate == 0.0


def test_resize_grow():
    cache = LRUCache(maxsize=2)
    cache["a"] = 1
    cache["b"] = 2
    cache.resize(3)
    cache["c"] = 3
    assert list(cache) == ["a", "b", "c"]


def test_resize_rejects_bad_size():
    with pytest.raises(ValueError):
        LRUCache().resize(0)


def test_repr():
    cache = LRUCache(maxsize=5)
    cache["a"] = 1
    assert repr(cache) == "LRUCache(maxsize=5, currsize=1)"
