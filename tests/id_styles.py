"""Test files in the styles whose pytest ids are easy to get wrong: a test class inherited from
another file, parametrized ids with `/`, `.`, `::`, spaces, brackets and non-ASCII, unittest
TestCase classes, doctests, nested folders with a conftest, and skip/xfail/xpass outcomes.

`FILES` is a tree (path -> text) with a bug in `pkg/calc.py`; `FIXED` is the fix. Container tests
compare the ids the harness records with what pytest itself prints for the same tree."""

from __future__ import annotations

CALC = '''\
"""Arithmetic with a bug: add subtracts."""


def add(a, b):
    """Add two numbers.

    >>> add(2, 3)
    5
    """
    return a - b


def slug(text):
    return text.strip().lower().replace(" ", "-")
'''

FIXED_CALC = CALC.replace("return a - b", "return a + b")

BASE_CHECKS = '''\
from pkg.calc import add


class AddChecks:
    """Inherited by test classes in other files: pytest names the test after the subclass's file."""

    def test_adds(self):
        assert add(2, 2) == 4

    def test_zero(self):
        assert add(0, 0) == 0
'''

TEST_INHERIT = '''\
from tests.base_checks import AddChecks


class TestAdd(AddChecks):
    pass
'''

AWKWARD = ["a/b", "x.y", "p::q", "with space", "[br]", "h\u00e9llo", "\u65e5\u672c", "tab\\t"]

TEST_PARAMS = f'''\
import pytest

from pkg.calc import add, slug


@pytest.mark.parametrize("text", {AWKWARD!r})
def test_slug_keeps_text(text):
    assert slug(text)


@pytest.mark.parametrize("a,b", [(1, 1), (2, 3)], ids=["one/one", "two::three [x]"])
def test_add_pairs(a, b):
    assert add(a, b) == a + b


@pytest.mark.parametrize("n", range(300))
def test_many(n):
    assert n >= 0
'''

TEST_UNITTEST = '''\
import unittest

from pkg.calc import add


class AddCase(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(1, 2), 3)

    def test_commutes(self):
        self.assertEqual(add(1, 2), add(2, 1))
'''

CONFTEST = '''\
import pytest


@pytest.fixture
def sep():
    return "-"
'''

TEST_NESTED = '''\
def test_sep_from_conftest(sep):
    assert sep == "-"
'''

TEST_OUTCOMES = '''\
import pytest


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown fails")


@pytest.fixture
def broken_setup():
    raise RuntimeError("setup fails")


def test_pass():
    pass


def test_fail():
    assert False


@pytest.mark.skip(reason="not here")
def test_skip():
    pass


@pytest.mark.xfail(reason="known")
def test_xfail():
    assert False


@pytest.mark.xfail(reason="known")
def test_xpass():
    pass


@pytest.mark.xfail(reason="known", strict=True)
def test_xpass_strict():
    pass


def test_teardown_error(broken_teardown):
    pass


def test_setup_error(broken_setup):
    pass
'''

OUTCOMES = {
    "tests/test_outcomes.py::test_pass": "PASSED",
    "tests/test_outcomes.py::test_fail": "FAILED",
    "tests/test_outcomes.py::test_skip": "SKIPPED",
    "tests/test_outcomes.py::test_xfail": "XFAIL",
    "tests/test_outcomes.py::test_xpass": "XPASS",
    "tests/test_outcomes.py::test_xpass_strict": "FAILED",
    "tests/test_outcomes.py::test_teardown_error": "ERROR",
    "tests/test_outcomes.py::test_setup_error": "ERROR",
}

FILES = {
    "pkg/__init__.py": "",
    "pkg/calc.py": CALC,
    "tests/__init__.py": "",
    "tests/base_checks.py": BASE_CHECKS,
    "tests/test_inherit.py": TEST_INHERIT,
    "tests/test_params.py": TEST_PARAMS,
    "tests/test_unittest.py": TEST_UNITTEST,
    "tests/test_outcomes.py": TEST_OUTCOMES,
    "tests/conftest.py": CONFTEST,
    "tests/deep/__init__.py": "",
    "tests/deep/nested/__init__.py": "",
    "tests/deep/nested/test_nested.py": TEST_NESTED,
}

FIXED = {**FILES, "pkg/calc.py": FIXED_CALC}
DOCTEST_ID = "pkg/calc.py::pkg.calc.add"
