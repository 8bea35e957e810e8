import pytest

from lrukit import TTLCache


def test_entry_expires(timer):
    cache = TTLCache(maxsize=10, ttl=30, timer=timer)
    cache["a"] = 1
    timer.advance(29)
    assert cache.get("a") == 1
    timer.advance(1)
    assert cache.get("a") is None
    with pytest.raises(KeyError):
        cache["a"]


def test_expired_entries_absent_everywhere(timer):
    cache = TTLCache(maxsize=10, ttl=5, timer=timer)
    cache["a"] = 1
    cache["b"] = 2
    timer.advance(3)
    cache["c"] = 3
    timer.advance(3)
    assert "a" not in cache
    assert "c" in cache
    assert len(cache) == 1
    assert list(cache) == ["c"]


def test_write_refreshes_deadline(timer):
    cache = TTLCache(ttl=10, timer=timer)
    cache["a"] = 1
    timer.advance(8)
    cache["a"] = 2
    timer.advance(8)
    assert cache["a"] == 2


def test_read_does_not_refresh_deadline(timer):
    cache = TTLCache(ttl=10, timer=timer)
    cache["a"] = 1
    timer.advance(8)
    cache.get("a")
    timer.advance(3)
    assert cache.get("a") is None


def test_expire_returns_count(timer):
    cache = TTLCache(ttl=10, timer=timer)
    cache["a"] = 1
    cache["b"] = 2
    timer.advance(10)
    assert cache.expire() == 2
    assert cache.expire() == 0


def test_ttl_remaining(timer):
    cache = TTLCache(ttl=10, timer=timer)
    cache["a"] = 1
    timer.advance(4)
    assert cache.ttl_remaining("a") == pytest.approx(6)
    assert cache.ttl_remaining("zzz") is None
    timer.advance(6)
    assert cache.ttl_remaining("a") is None


def test_capacity_still_applies(timer):
    dropped = []
    cache = TTLCache(maxsize=2, ttl=100, timer=timer, on_evict=lambda k, v: dropped.append(k))
    cache["a"] = 1
    cache["b"] = 2
    cache["c"] = 3
    assert list(cache) == ["b", "c"]
    assert dropped == ["a"]


def test_expired_entries_do_not_cause_evictions(timer):
    dropped = []
    cache = TTLCache(maxsize=2, ttl=5, timer=timer, on_evict=lambda k, v: dropped.append(k))
    cache["a"] = 1
    timer.advance(2)
    cache["b"] = 2
    timer.advance(4)
    cache["c"] = 3
    assert dropped == []
    assert list(cache) == ["b", "c"]


def test_pop_and_popitem(timer):
    cache = TTLCache(ttl=5, timer=timer)
    cache["a"] = 1
    cache["b"] = 2
    assert cache.pop("a") == 1
    assert cache.popitem() == ("b", 2)
    cache["c"] = 3
    timer.advance(5)
    assert cache.pop("c", "gone") == "gone"


@pytest.mark.parametrize("ttl", [0, -1])
def test_bad_ttl(ttl):
    with pytest.raises(ValueError):
        TTLCache(ttl=ttl)


def test_default_timer_is_real_clock():
    cache = TTLCache(ttl=60)
    cache["a"] = 1
    assert cache["a"] == 1
