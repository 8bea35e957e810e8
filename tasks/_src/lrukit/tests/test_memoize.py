import pytest

from lrukit import LRUCache, TTLCache, make_key, memoize


def test_caches_results():
    calls = []

    @memoize
    def square(x):
        calls.append(x)
        return x * x

    assert square(3) == 9
    assert square(3) == 9
    assert calls == [3]
    info = square.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 1, 1)


def test_keeps_metadata():
    @memoize(maxsize=4)
    def documented(x):
        """Docstring."""
        return x

    assert documented.__name__ == "documented"
    assert documented.__doc__ == "Docstring."
    assert isinstance(documented.cache, LRUCache)


def test_maxsize_bounds_the_cache():
    @memoize(maxsize=2)
    def ident(x):
        return x

    for i in range(5):
        ident(i)
    assert ident.cache_info().currsize == 2
    assert list(ident.cache) == [(3,), (4,)]


def test_keyword_arguments():
    calls = []

    @memoize
    def add(a, b=0):
        calls.append((a, b))
        return a + b

    assert add(1, b=2) == 3
    assert add(1, b=2) == 3
    assert add(b=2, a=1) == 3
    assert len(calls) == 2


def test_cache_clear():
    @memoize
    def f(x):
        return x

    f(1)
    f(1)
    f.cache_clear()
    assert f.cache_info().currsize == 0
    assert f.cache_info().hits == 0


def test_typed():
    @memoize(typed=True)
    def kind(x):
        return type(x).__name__

    assert kind(1) == "int"
    assert kind(1.0) == "float"


def test_untyped_treats_equal_values_alike():
    @memoize
    def kind(x):
        return type(x).__name__

    assert kind(1) == "int"
    assert kind(1.0) == "int"


def test_ttl(timer):
    calls = []

    @memoize(ttl=10, timer=timer)
    def now(label):
        calls.append(label)
        return len(calls)

    assert isinstance(now.cache, TTLCache)
    assert now("x") == 1
    assert now("x") == 1
    timer.advance(10)
    assert now("x") == 2


def test_unhashable_argument():
    @memoize
    def total(values):
        return sum(values)

    with pytest.raises(TypeError):
        total([1, 2])


def test_exceptions_are_not_cached():
    calls = []

    @memoize
    def flaky(x):
        calls.append(x)
        if len(calls) == 1:
            raise RuntimeError("first call fails")
        return x

    with pytest.raises(RuntimeError):
        flaky(1)
    assert flaky(1) == 1


def test_make_key():
    assert make_key((1, 2), {}) == (1, 2)
    assert make_key((1,), {"b": 2}) != make_key((1, 2), {})
    assert make_key((1,), {"a": 1, "b": 2}) == make_key((1,), {"b": 2, "a": 1})
    assert make_key((1,), {}, typed=True) != make_key((1.0,), {}, typed=True)
    assert hash(make_key((1, "x"), {"k": (2, 3)}))
