"""Pure logic of test runs: how pytest's reports become statuses, how statuses split into
FAIL_TO_PASS and PASS_TO_PASS, and the one-line reasons a run could not decide anything."""

from __future__ import annotations

import json

import pytest

from srl_swe.errors import TaskCheckFailed, TaskError
from srl_swe.tasks.checks import check_collected, check_ran, first_error
from srl_swe.tasks.register import split_statuses
from srl_swe.tasks.runners.base import CollectionError
from srl_swe.tasks.runners.pytest_runner import RUNNER, is_test_module
from srl_swe.tasks.testrun import TestRun


def report(*records: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def test_report_lines_become_statuses_with_the_worse_phase_winning():
    text = report(
        {"collected": ["t.py::a", "t.py::b"]},
        {"id": "t.py::a", "when": "setup", "outcome": "passed", "xfail": False},
        {"id": "t.py::a", "when": "call", "outcome": "passed", "xfail": False},
        {"id": "t.py::a", "when": "teardown", "outcome": "failed", "xfail": False},
        {"id": "t.py::b", "when": "call", "outcome": "skipped", "xfail": True},
        {"id": "t.py::c", "when": "setup", "outcome": "skipped", "xfail": False},
        {"id": "t.py::d", "when": "call", "outcome": "passed", "xfail": True},
        {"collect_error": "u.py", "message": "E   ImportError: nope"},
        {"not_found": ["t.py::zz"]},
    ) + '{"id": "t.py::cut'  # a run killed mid-write
    parsed = RUNNER.parse("", text)
    assert parsed.statuses == {"t.py::a": "ERROR", "t.py::b": "XFAIL", "t.py::c": "SKIPPED", "t.py::d": "XPASS"}
    assert parsed.collection_errors == [CollectionError(where="u.py", message="E   ImportError: nope")]
    assert parsed.not_found == ["t.py::zz"]
    assert RUNNER.parse("output", None).statuses == {}


def run(**statuses: str) -> TestRun:
    return TestRun(statuses={k.replace("_", "::"): v for k, v in statuses.items()}, output="", exit_code=1)


def test_fail_to_pass_and_pass_to_pass_follow_swebench_counting():
    before = run(a_1="FAILED", a_2="ERROR", a_4="PASSED", a_5="SKIPPED", a_6="XFAIL", a_7="XPASS", a_8="PASSED")
    after = run(a_1="PASSED", a_2="XFAIL", a_3="PASSED", a_4="PASSED", a_5="PASSED", a_6="PASSED", a_7="PASSED",
                a_8="XPASS")
    f2p, p2p = split_statuses(before, after)
    assert f2p == ["a::1", "a::2", "a::3"]  # failed, erred, or absent before (a collection error)
    assert p2p == ["a::4", "a::6"]  # xfail passes; skipped and xpassed tests are in neither list


def test_a_run_that_decided_nothing_says_why():
    with pytest.raises(TaskCheckFailed) as nothing:
        check_ran(TestRun(statuses={}, output="usage: error: unrecognized arguments: --bad", exit_code=4), "before", 60)
    assert nothing.value.outcome == "run_error" and "unrecognized arguments" in nothing.value.detail
    with pytest.raises(TaskCheckFailed) as hung:
        check_ran(TestRun(statuses={}, output="", exit_code=-1, timed_out=True), "after", 60)
    assert hung.value.outcome == "error" and "60 s" in hung.value.detail
    broken = TestRun(
        statuses={},
        output="",
        exit_code=2,
        collection_errors=[
            CollectionError(
                where="tests/test_a.py",
                message="tests/test_a.py:1: in <module>\n    import mylib\nE   ModuleNotFoundError: No module named "
                        "'mylib'",
            )
        ],
    )
    assert check_ran(broken, "before", 60) is broken  # before a fix, a test may import what the fix adds
    with pytest.raises(TaskCheckFailed) as collected:
        check_collected(broken, "after")
    message = str(collected.value)
    assert collected.value.outcome == "collection_error" and "\n" not in message
    assert "tests/test_a.py: ModuleNotFoundError: No module named 'mylib'" in message and "--install" in message


def test_first_error_line():
    assert first_error("x\nE   AssertionError: boom\nE   assert 1 == 2") == "assert 1 == 2"
    assert first_error("Traceback\n  File 'x'\nValueError: bad value") == "ValueError: bad value"
    assert first_error("") == "no message"


@pytest.mark.parametrize("path,is_module", [("tests/test_a.py", True), ("tests/a_test.py", True), ("test_top.py", True),
                                            ("tests/conftest.py", False), ("tests/data/case.json", False),
                                            ("tests/helpers.py", False), ("src/test_utils.txt", False)])
def test_test_modules_of_a_test_patch(path, is_module):
    assert is_test_module(path) is is_module


def test_a_corrupt_report_line_before_the_last_is_an_error():
    text = report({"id": "t.py::a", "when": "call", "outcome": "passed", "xfail": False}) + "garbage\n" + report(
        {"id": "t.py::b", "when": "call", "outcome": "passed", "xfail": False})
    with pytest.raises(TaskError, match="line 2 of the pytest report is not JSON"):
        RUNNER.parse("", text)
