"""The non-pytest runners' parsers on outputs in the exact formats their runners print.

The unittest samples are what `python -m unittest -v` printed (stdout and stderr together) for a
small package of our own under Python 3.10 and 3.11 (tracebacks shortened). The Django and SymPy
samples are our own tests written in the formats of Django's `runtests.py --verbosity 2` (unittest's
text runner) and SymPy's `bin/test --verbose` (its PyTestReporter). A `$` marks where a line ends
in a space (kept out of the source so that no editor strips it).
"""

from __future__ import annotations

import sys
from types import ModuleType

import pytest

from srl_swe.errors import TaskError
from srl_swe.tasks.runners import get_runner
from srl_swe.tasks.runners.base import ERROR, FAILED, PASSED, SKIPPED, XFAIL, XPASS, RunPaths
from srl_swe.tasks.spec import TaskSpec

PATHS = RunPaths(dir="/tmp/srl_swe/run", report="/tmp/srl_swe/run/report.jsonl", ids="/tmp/srl_swe/run/ids.txt")


def text(sample: str) -> str:
    return sample.replace("$\n", "\n")


# -- unittest -----------------------------------------------------------------------------------

UNITTEST_PY310 = text('''\
test_doc (pkg.tests.test_a.Alpha)
First line of docstring. ... ok
test_error (pkg.tests.test_a.Alpha) ... ERROR
test_fail (pkg.tests.test_a.Alpha) ... FAIL
test_ok (pkg.tests.test_a.Alpha) ... ok
test_print (pkg.tests.test_a.Alpha) ... noise ... ok
ok
test_skip (pkg.tests.test_a.Alpha) ... skipped 'not today'
test_sub (pkg.tests.test_a.Alpha) ... test_sub_ok (pkg.tests.test_a.Alpha) ... ok
test_xfail (pkg.tests.test_a.Alpha) ... expected failure
test_xpass (pkg.tests.test_a.Alpha) ... unexpected success
test_doc_fail (pkg.tests.test_a.Beta)
Doc of a failing test. ... FAIL
ERROR
test_broken (unittest.loader._FailedTest) ... ERROR
test_missing (unittest.loader._FailedTest) ... ERROR

======================================================================
ERROR: test_error (pkg.tests.test_a.Alpha)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_a.py", line 17, in test_error
    raise RuntimeError("boom")
RuntimeError: boom

======================================================================
ERROR: setUpClass (pkg.tests.test_a.Gamma)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_a.py", line 58, in setUpClass
    raise ValueError("class setup broke")
ValueError: class setup broke

======================================================================
ERROR: test_broken (unittest.loader._FailedTest)
----------------------------------------------------------------------
ImportError: Failed to import test module: test_broken
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_broken.py", line 1, in <module>
    import does_not_exist  # noqa
ModuleNotFoundError: No module named 'does_not_exist'


======================================================================
ERROR: test_missing (unittest.loader._FailedTest)
----------------------------------------------------------------------
AttributeError: type object 'Alpha' has no attribute 'test_missing'

======================================================================
FAIL: test_fail (pkg.tests.test_a.Alpha)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_a.py", line 14, in test_fail
    self.assertEqual(1, 2)
AssertionError: 1 != 2

======================================================================
FAIL: test_sub (pkg.tests.test_a.Alpha) (i=1)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_a.py", line 34, in test_sub
    self.assertNotEqual(i, 1)
AssertionError: 1 == 1

======================================================================
FAIL: test_doc_fail (pkg.tests.test_a.Beta)
Doc of a failing test.
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_a.py", line 48, in test_doc_fail
    self.fail("nope")
AssertionError: nope

----------------------------------------------------------------------
Ran 13 tests in 0.004s

FAILED (failures=3, errors=4, skipped=1, expected failures=1, unexpected successes=1)
''')

UNITTEST_PY311 = text('''\
test_doc (pkg.tests.test_a.Alpha.test_doc)
First line of docstring. ... ok
test_error (pkg.tests.test_a.Alpha.test_error) ... ERROR
test_fail (pkg.tests.test_a.Alpha.test_fail) ... FAIL
test_ok (pkg.tests.test_a.Alpha.test_ok) ... ok
test_print (pkg.tests.test_a.Alpha.test_print) ... noise ... ok
ok
test_skip (pkg.tests.test_a.Alpha.test_skip) ... skipped 'not today'
test_sub (pkg.tests.test_a.Alpha.test_sub) ... $
  test_sub (pkg.tests.test_a.Alpha.test_sub) (i=1) ... FAIL
test_sub_ok (pkg.tests.test_a.Alpha.test_sub_ok) ... ok
test_xfail (pkg.tests.test_a.Alpha.test_xfail) ... expected failure
test_xpass (pkg.tests.test_a.Alpha.test_xpass) ... unexpected success
test_doc_fail (pkg.tests.test_a.Beta.test_doc_fail)
Doc of a failing test. ... FAIL
setUpClass (pkg.tests.test_a.Gamma) ... ERROR
test_broken (unittest.loader._FailedTest.test_broken) ... ERROR
test_missing (unittest.loader._FailedTest.test_missing) ... ERROR

======================================================================
ERROR: test_error (pkg.tests.test_a.Alpha.test_error)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_a.py", line 17, in test_error
    raise RuntimeError("boom")
RuntimeError: boom

======================================================================
ERROR: setUpClass (pkg.tests.test_a.Gamma)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_a.py", line 58, in setUpClass
    raise ValueError("class setup broke")
ValueError: class setup broke

======================================================================
ERROR: test_broken (unittest.loader._FailedTest.test_broken)
----------------------------------------------------------------------
ImportError: Failed to import test module: test_broken
Traceback (most recent call last):
  File "/usr/lib/python3.11/unittest/loader.py", line 162, in loadTestsFromName
    module = __import__(module_name)
             ^^^^^^^^^^^^^^^^^^^^^^^
  File "/tmp/ut/pkg/tests/test_broken.py", line 1, in <module>
    import does_not_exist  # noqa
    ^^^^^^^^^^^^^^^^^^^^^
ModuleNotFoundError: No module named 'does_not_exist'


======================================================================
ERROR: test_missing (unittest.loader._FailedTest.test_missing)
----------------------------------------------------------------------
AttributeError: type object 'Alpha' has no attribute 'test_missing'

======================================================================
FAIL: test_fail (pkg.tests.test_a.Alpha.test_fail)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_a.py", line 14, in test_fail
    self.assertEqual(1, 2)
AssertionError: 1 != 2

======================================================================
FAIL: test_sub (pkg.tests.test_a.Alpha.test_sub) (i=1)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_a.py", line 34, in test_sub
    self.assertNotEqual(i, 1)
AssertionError: 1 == 1

======================================================================
FAIL: test_doc_fail (pkg.tests.test_a.Beta.test_doc_fail)
Doc of a failing test.
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_a.py", line 48, in test_doc_fail
    self.fail("nope")
AssertionError: nope

======================================================================
UNEXPECTED SUCCESS: test_xpass (pkg.tests.test_a.Alpha.test_xpass)
----------------------------------------------------------------------
Ran 13 tests in 0.004s

FAILED (failures=3, errors=4, skipped=1, expected failures=1, unexpected successes=1)
''')

# Discovery (`python -m unittest -v` with no names) under 3.11: a module that does not import is
# named in full, and a failing setUpModule stands for the module's tests.
UNITTEST_DISCOVERY = text('''\
test_ok (pkg.tests.test_a.Alpha.test_ok) ... ok
pkg.tests.test_broken (unittest.loader._FailedTest.pkg.tests.test_broken) ... ERROR
setUpModule (pkg.tests.test_mod) ... ERROR

======================================================================
ERROR: pkg.tests.test_broken (unittest.loader._FailedTest.pkg.tests.test_broken)
----------------------------------------------------------------------
ImportError: Failed to import test module: pkg.tests.test_broken
Traceback (most recent call last):
  File "/usr/lib/python3.11/unittest/loader.py", line 419, in _find_test_path
    module = self._get_module_from_name(name)
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
ModuleNotFoundError: No module named 'does_not_exist'


======================================================================
ERROR: setUpModule (pkg.tests.test_mod)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ut/pkg/tests/test_mod.py", line 4, in setUpModule
    raise RuntimeError("module setup broke")
RuntimeError: module setup broke

----------------------------------------------------------------------
Ran 2 tests in 0.001s

FAILED (errors=2)
''')

UNITTEST_STATUSES = {
    "pkg.tests.test_a.Alpha.test_doc": PASSED,
    "pkg.tests.test_a.Alpha.test_error": ERROR,
    "pkg.tests.test_a.Alpha.test_fail": FAILED,
    "pkg.tests.test_a.Alpha.test_ok": PASSED,
    "pkg.tests.test_a.Alpha.test_print": PASSED,
    "pkg.tests.test_a.Alpha.test_skip": SKIPPED,
    "pkg.tests.test_a.Alpha.test_sub": FAILED,
    "pkg.tests.test_a.Alpha.test_sub_ok": PASSED,
    "pkg.tests.test_a.Alpha.test_xfail": XFAIL,
    "pkg.tests.test_a.Alpha.test_xpass": XPASS,
    "pkg.tests.test_a.Beta.test_doc_fail": FAILED,
}


@pytest.mark.parametrize("output", [UNITTEST_PY310, UNITTEST_PY311], ids=["py310", "py311"])
def test_unittest_reads_both_verbose_styles(output):
    parsed = get_runner("unittest").parse(output, None)
    assert parsed.statuses == UNITTEST_STATUSES
    errors = {error.where: error.message for error in parsed.collection_errors}
    assert errors == {
        "pkg.tests.test_a.Gamma": "setUpClass: ValueError: class setup broke",
        "test_broken": "ImportError: Failed to import test module: test_broken\n"
                       "ModuleNotFoundError: No module named 'does_not_exist'",
        "test_missing": "AttributeError: type object 'Alpha' has no attribute 'test_missing'",
    }
    assert parsed.not_found == []


def test_unittest_discovery_names_failed_modules_in_full():
    parsed = get_runner("unittest").parse(UNITTEST_DISCOVERY, None)
    assert parsed.statuses == {"pkg.tests.test_a.Alpha.test_ok": PASSED}
    assert [(e.where, e.message) for e in parsed.collection_errors] == [
        ("pkg.tests.test_broken", "ImportError: Failed to import test module: pkg.tests.test_broken\n"
                                  "ModuleNotFoundError: No module named 'does_not_exist'"),
        ("pkg.tests.test_mod", "setUpModule: RuntimeError: module setup broke"),
    ]


def test_unittest_failure_block_overrides_a_garbled_result_line():
    # The test printed a lone "ok" before failing: the failure block has the last word.
    output = text('''\
test_loud (pkg.test_x.T.test_loud) ... $
ok
FAIL

======================================================================
FAIL: test_loud (pkg.test_x.T.test_loud)
----------------------------------------------------------------------
AssertionError: no

----------------------------------------------------------------------
Ran 1 test in 0.001s
''')
    assert get_runner("unittest").parse(output, None).statuses == {"pkg.test_x.T.test_loud": FAILED}


def test_unittest_output_cut_short_leaves_the_test_out():
    output = "test_a (pkg.test_x.T.test_a) ... ok\ntest_b (pkg.test_x.T.test_b) ... "
    assert get_runner("unittest").parse(output, None).statuses == {"pkg.test_x.T.test_a": PASSED}


def test_unittest_targets_and_command():
    runner = get_runner("unittest")
    spec = TaskSpec(instance_id="t")
    assert runner.file_targets(spec, ["tests/test_a.py", "tests/helpers.py", "src/mod.py", "tests/data/test.json",
                                      "pkg/tests.py"]) == ["tests.test_a", "pkg.tests"]
    assert runner.targets(spec, ["a.test_x.T.test_1", "a.test_x.T.test_2", "a.test_x.T.test_1"]) == [
        "a.test_x.T.test_1", "a.test_x.T.test_2"]
    assert runner.command(spec, PATHS) == "python -m unittest -v"  # the task set no command: the runner's
    assert (
        runner.command(TaskSpec(instance_id="t", test_command="python -m unittest"), PATHS) == "python -m unittest -v"
    )
    assert runner.command(TaskSpec(instance_id="t", test_command="python3 -m unittest --verbose"), PATHS) == (
        "python3 -m unittest --verbose")


# -- Django -------------------------------------------------------------------------------------

DJANGO_PY311 = text('''\
Testing against Django installed in '/testbed/django'
Importing application shelf
Skipping setup of unused database(s): other.
Operations to perform:
  Synchronize unmigrated apps: auth, contenttypes, messages, sessions, shelf, staticfiles
  Apply all migrations: admin, sites
Synchronizing apps without migrations:
  Creating tables...
    Creating table shelf_book
    Running deferred SQL...
Running migrations:
  Applying admin.0001_initial... OK
  Applying sites.0001_initial... OK
System check identified no issues (0 silenced).
test_lookup (shelf.tests.BookTests.test_lookup) ... ok
test_ordering (shelf.tests.BookTests.test_ordering) ... FAIL
test_title_error (shelf.tests.BookTests.test_title_error) ... ERROR
test_sqlite_only (shelf.tests.BookTests.test_sqlite_only) ... skipped 'Database has feature(s) supports_foo'
test_known_bug (shelf.tests.BookTests.test_known_bug) ... expected failure
test_pages (shelf.tests.BookTests.test_pages) ... $
  test_pages (shelf.tests.BookTests.test_pages) (pages=0) ... FAIL
test_documented (shelf.tests.ShelfTests.test_documented)
A book put on a shelf is found on it. ... ok
test_documented_failing (shelf.tests.ShelfTests.test_documented_failing)
Removing a book empties the shelf. ... FAIL
test_chatty (shelf.tests.ShelfTests.test_chatty) ... Book saved: Dune
ok
shelf.test_missing (unittest.loader._FailedTest.shelf.test_missing) ... ERROR

======================================================================
ERROR: test_title_error (shelf.tests.BookTests.test_title_error)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/testbed/tests/shelf/tests.py", line 30, in test_title_error
    raise KeyError("title")
KeyError: 'title'

======================================================================
ERROR: shelf.test_missing (unittest.loader._FailedTest.shelf.test_missing)
----------------------------------------------------------------------
ImportError: Failed to import test module: shelf.test_missing
Traceback (most recent call last):
  File "/usr/lib/python3.11/unittest/loader.py", line 162, in loadTestsFromName
    module = __import__(module_name)
             ^^^^^^^^^^^^^^^^^^^^^^^
ModuleNotFoundError: No module named 'shelf.test_missing'


======================================================================
FAIL: test_ordering (shelf.tests.BookTests.test_ordering)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/testbed/tests/shelf/tests.py", line 20, in test_ordering
    self.assertEqual(titles, ["A", "B"])
AssertionError: Lists differ: ['B', 'A'] != ['A', 'B']

======================================================================
FAIL: test_pages (shelf.tests.BookTests.test_pages) (pages=0)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/testbed/tests/shelf/tests.py", line 40, in test_pages
    self.assertGreater(pages, 0)
AssertionError: 0 not greater than 0

======================================================================
FAIL: test_documented_failing (shelf.tests.ShelfTests.test_documented_failing)
Removing a book empties the shelf.
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/testbed/tests/shelf/tests.py", line 60, in test_documented_failing
    self.assertEqual(len(shelf), 0)
AssertionError: 1 != 0

----------------------------------------------------------------------
Ran 10 tests in 0.021s

FAILED (failures=3, errors=2, skipped=1, expected failures=1)
Destroying test database for alias 'default'...
''')

# Before 3.11 a description names the class only; a test that wrote to stdout without a newline
# puts that text before its description.
DJANGO_PY36 = text('''\
Creating test database for alias 'default'...
System check identified no issues (0 silenced).
test_lookup (shelf.tests.BookTests) ... ok
test_ordering (shelf.tests.BookTests) ... FAIL
test_documented (shelf.tests.ShelfTests)
A book put on a shelf is found on it. ... ok
Applying sites.0002_alter_domain_unique...test_no_migrations (shelf.tests.MigrationTests) ... ok
test_unexpected (shelf.tests.ShelfTests) ... unexpected success

======================================================================
FAIL: test_ordering (shelf.tests.BookTests)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/testbed/tests/shelf/tests.py", line 20, in test_ordering
    self.assertEqual(titles, ["A", "B"])
AssertionError: Lists differ: ['B', 'A'] != ['A', 'B']

----------------------------------------------------------------------
Ran 5 tests in 0.011s

FAILED (failures=1, unexpected successes=1)
''')


def test_django_ids_are_swebench_s():
    parsed = get_runner("django").parse(DJANGO_PY311, None)
    assert parsed.statuses == {
        "test_lookup (shelf.tests.BookTests.test_lookup)": PASSED,
        "test_ordering (shelf.tests.BookTests.test_ordering)": FAILED,
        "test_title_error (shelf.tests.BookTests.test_title_error)": ERROR,
        "test_sqlite_only (shelf.tests.BookTests.test_sqlite_only)": SKIPPED,
        "test_known_bug (shelf.tests.BookTests.test_known_bug)": XFAIL,
        "test_pages (shelf.tests.BookTests.test_pages) (pages=0)": FAILED,
        "test_pages (shelf.tests.BookTests.test_pages)": FAILED,
        "A book put on a shelf is found on it.": PASSED,
        "Removing a book empties the shelf.": FAILED,
        "test_chatty (shelf.tests.ShelfTests.test_chatty)": PASSED,
    }
    assert [(e.where, e.message) for e in parsed.collection_errors] == [
        ("shelf.test_missing", "ImportError: Failed to import test module: shelf.test_missing\n"
                               "ModuleNotFoundError: No module named 'shelf.test_missing'")]


def test_django_before_python_311():
    assert get_runner("django").parse(DJANGO_PY36, None).statuses == {
        "test_lookup (shelf.tests.BookTests)": PASSED,
        "test_ordering (shelf.tests.BookTests)": FAILED,
        "A book put on a shelf is found on it.": PASSED,
        "test_no_migrations (shelf.tests.MigrationTests)": PASSED,
        "test_unexpected (shelf.tests.ShelfTests)": XPASS,
    }


def test_django_agrees_with_swebench_s_parser_where_installed():
    parsers = pytest.importorskip("swebench.harness.log_parsers")
    theirs = parsers.MAP_REPO_TO_PARSER["django/django"]
    for log in (DJANGO_PY311, DJANGO_PY36):
        ours = get_runner("django").parse(log, None).statuses
        swebench = theirs(log) if theirs.__code__.co_argcount == 1 else theirs(log, None)
        # Every test SWE-bench reports passing, we report passing under the same id.
        assert {k for k, v in swebench.items() if v == PASSED} == {k for k, v in ours.items() if v == PASSED}


def test_django_targets_follow_swebench_s_directives():
    runner = get_runner("django")
    patch = ("diff --git a/tests/shelf/tests.py b/tests/shelf/tests.py\n--- a/tests/shelf/tests.py\n"
             "diff --git a/tests/shelf/fixtures/books.json b/tests/shelf/fixtures/books.json\n"
             "diff --git a/tests/shelf/models/base.py b/tests/shelf/models/base.py\n")
    spec = TaskSpec(instance_id="t", test_patch=patch, test_scope="files")
    assert runner.file_targets(spec, ["tests/foo/test_bar.py", "tests/foo/data.json"]) == ["foo.test_bar"]
    # An id from another module adds that module; docstring ids say no module.
    assert runner.targets(spec, ["test_x (shelf.tests.BookTests)", "test_y (other.tests.Y.test_y)",
                                 "A book put on a shelf is found on it."]) == [
        "shelf.tests", "shelf.models.base", "other.tests"]
    whole = TaskSpec(instance_id="t", test_patch=patch, test_scope="all")
    assert runner.targets(whole, ["A book put on a shelf is found on it."]) == []
    assert runner.command(spec, PATHS) == "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1"
    assert runner.command(TaskSpec(instance_id="t", test_command="./tests/runtests.py"), PATHS) == (
        "./tests/runtests.py --verbosity 2")


# -- SymPy --------------------------------------------------------------------------------------

SYMPY = text('''\
============================= test process starts ==============================
executable:         /opt/miniconda3/envs/testbed/bin/python  (3.9.20-final-0) [CPython]
architecture:       64-bit
cache:              no
ground types:       python $
numpy:              None
random seed:        20467718
hash randomization: on (PYTHONHASHSEED=3386343425)

sympy/core/tests/test_things.py[6] $
test_plain ok
test_wrong F
test_raises E
test_known_bug f
test_fixed_bug X
test_chatty printing as it goes
ok                                                                          [FAIL]

sympy/core/tests/test_broken.py[?]   Failed to import                       [FAIL]
sympy/core/tests/test_more.py[3] $
test_slow_one Slow w
test_needs_numpy numpy not installed s
test_plain ok                                                               [OK]


________________________________ xpassed tests _________________________________
sympy/core/tests/test_things.py: test_fixed_bug

________________________________________________________________________________
_______________________ sympy/core/tests/test_broken.py ________________________
Traceback (most recent call last):
  File "/testbed/sympy/core/tests/test_broken.py", line 1, in <module>
    from sympy.nothing import here
ImportError: cannot import name 'here' from 'sympy.nothing'
________________________________________________________________________________
_____________ sympy/core/tests/test_things.py:test_raises ______________________
Traceback (most recent call last):
  File "/testbed/sympy/core/tests/test_things.py", line 9, in test_raises
    1/0
ZeroDivisionError: division by zero
________________________________________________________________________________
_____________ sympy/core/tests/test_things.py:test_wrong _______________________
Traceback (most recent call last):
  File "/testbed/sympy/core/tests/test_things.py", line 5, in test_wrong
    assert 1 == 2
AssertionError

 tests finished: 3 passed, 1 failed, 2 skipped, 1 expected to fail, $
1 expected to fail but passed, 2 exceptions, in 0.41 seconds $
DO *NOT* COMMIT!
''')


def test_sympy_reads_each_result_and_the_file_verdicts():
    parsed = get_runner("sympy").parse(SYMPY, None)
    assert parsed.statuses == {
        "test_plain": PASSED, "test_wrong": FAILED, "test_raises": ERROR, "test_known_bug": XFAIL,
        "test_fixed_bug": XPASS, "test_chatty": PASSED, "test_slow_one": SKIPPED, "test_needs_numpy": SKIPPED,
    }
    assert [(e.where, e.message) for e in parsed.collection_errors] == [
        ("sympy/core/tests/test_broken.py",
         "Failed to import: ImportError: cannot import name 'here' from 'sympy.nothing'")]


def test_sympy_one_name_in_two_files_keeps_the_worse():
    output = "sympy/a/tests/test_x.py[1] \ntest_same ok\n\nsympy/b/tests/test_y.py[1] \ntest_same F\n"
    assert get_runner("sympy").parse(output, None).statuses == {"test_same": FAILED}


def test_sympy_targets_are_the_test_patch_s_test_files():
    runner = get_runner("sympy")
    patch = ("diff --git a/sympy/core/tests/test_basic.py b/sympy/core/tests/test_basic.py\n"
             "diff --git a/sympy/core/basic.py b/sympy/core/basic.py\n")
    spec = TaskSpec(instance_id="t", test_patch=patch, test_scope="files")
    assert runner.targets(spec, ["test_a"]) == ["sympy/core/tests/test_basic.py"]
    assert runner.targets(TaskSpec(instance_id="t", test_patch=patch, test_scope="all"), ["test_a"]) == []
    assert runner.command(spec, PATHS) == (
        "PYTHONWARNINGS='ignore::UserWarning,ignore::SyntaxWarning' bin/test -C --verbose")
    assert runner.command(TaskSpec(instance_id="t", test_command="bin/test"), PATHS) == "bin/test --verbose"


# -- swebench -----------------------------------------------------------------------------------

def fake_swebench(monkeypatch, parser) -> None:
    """A stand-in swebench (3.x layout) with one repo, for the runner's own logic."""
    package, harness = ModuleType("swebench"), ModuleType("swebench.harness")
    constants = ModuleType("swebench.harness.constants")
    constants.MAP_REPO_VERSION_TO_SPECS = {"acme/lib": {"1.0": {
        "test_cmd": "pytest -rA", "eval_commands": ["export LANG=C.UTF-8", "locale-gen"]}}}
    parsers = ModuleType("swebench.harness.log_parsers")
    parsers.MAP_REPO_TO_PARSER = {"acme/lib": parser}
    directives = ModuleType("swebench.harness.test_spec.python")
    directives.get_test_directives = lambda instance: ["directive-of-" + instance["repo"]]
    for module in (package, harness, constants, parsers, ModuleType("swebench.harness.test_spec"), directives):
        monkeypatch.setitem(sys.modules, module.__name__, module)


@pytest.mark.parametrize("takes_spec", [False, True], ids=["swebench2", "swebench3"])
def test_swebench_runner_calls_parsers_of_either_signature(monkeypatch, takes_spec):
    seen = {}

    def old_parser(log):
        return {line: PASSED for line in log.split()}

    def new_parser(log, test_spec):
        seen["spec"] = (test_spec.instance_id, test_spec.repo, test_spec.version)
        return old_parser(log)

    fake_swebench(monkeypatch, new_parser if takes_spec else old_parser)
    runner = get_runner("swebench")
    spec = TaskSpec(instance_id="acme__lib-1", repo="acme/lib", version="1.0")
    assert runner.command(spec, PATHS) == (
        "printf '%s\\n' acme__lib-1 acme/lib 1.0 > /tmp/srl_swe/run/report.jsonl; "
        "if [ -f /opt/miniconda3/bin/activate ]; then source /opt/miniconda3/bin/activate && conda activate testbed; "
        "fi; "
        "export LANG=C.UTF-8; pytest -rA"
    )
    assert runner.targets(spec, ["x"]) == ["directive-of-acme/lib"]
    parsed = runner.parse("t1 t2", "acme__lib-1\nacme/lib\n1.0\n")
    assert parsed.statuses == {"t1": PASSED, "t2": PASSED}
    if takes_spec:
        assert seen["spec"] == ("acme__lib-1", "acme/lib", "1.0")


def test_swebench_runner_errors_say_what_to_do(monkeypatch):
    fake_swebench(monkeypatch, lambda log: {"t": "WEIRD"})
    runner = get_runner("swebench")
    with pytest.raises(TaskError, match="no version '2.0' of acme/lib: use one of 1.0"):
        runner.command(TaskSpec(instance_id="a", repo="acme/lib", version="2.0"), PATHS)
    with pytest.raises(TaskError, match="knows no repo 'other/x'"):
        runner.command(TaskSpec(instance_id="a", repo="other/x", version="1.0"), PATHS)
    with pytest.raises(TaskError, match="statuses srl-swe does not know: WEIRD"):
        runner.parse("", "a\nacme/lib\n1.0\n")
    with pytest.raises(TaskError, match="report .* was not written"):
        runner.parse("", None)


def test_swebench_runner_without_the_package(monkeypatch):
    for name in [name for name in sys.modules if name.split(".")[0] == "swebench"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "swebench", None)  # a blocked import: ModuleNotFoundError
    with pytest.raises(TaskError, match=r"pip install 'srl-swe\[swebench\]'"):
        get_runner("swebench").command(TaskSpec(instance_id="a", repo="django/django", version="3.0"), PATHS)


def test_swebench_runner_with_the_real_package():
    pytest.importorskip("swebench.harness.log_parsers")
    runner = get_runner("swebench")
    patch = "diff --git a/tests/shelf/tests.py b/tests/shelf/tests.py\n"
    spec = TaskSpec(instance_id="django__django-1", repo="django/django", version="3.0", test_patch=patch)
    assert runner.command(spec, PATHS).endswith(
        "; ./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1"
    )
    assert runner.targets(spec, []) == ["shelf.tests"]
    assert runner.file_targets(spec, ["tests/foo/test_bar.py"]) == ["foo.test_bar"]
    statuses = runner.parse(DJANGO_PY311, "django__django-1\ndjango/django\n3.0\n").statuses
    assert statuses["A book put on a shelf is found on it."] == PASSED
    assert statuses["test_ordering (shelf.tests.BookTests.test_ordering)"] == FAILED
