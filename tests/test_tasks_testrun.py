"""Reading pytest's reports: node ids from junit XML and -rA (pure logic, no containers)."""

from __future__ import annotations

import pytest

from srl_swe.tasks.testrun import mangle, node_id, parse_junit, parse_rA

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="1">
<testcase classname="tests.test_a" name="test_ok" file="tests/test_a.py" line="3" time="0.001" />
<testcase classname="tests.test_a.TestX.Inner" name="test_p[a b-1]" file="tests/test_a.py" line="9" time="0.001">
  <failure message="assert 1 == 2">boom</failure></testcase>
<testcase classname="tests.test_a" name="test_teardown" file="tests/test_a.py" line="12" time="0.001" />
<testcase classname="tests.test_a" name="test_teardown" file="tests/test_a.py" line="12" time="0.001">
  <error message="failed on teardown">x</error></testcase>
<testcase classname="tests.test_a" name="test_skip" file="tests/test_a.py" line="15" time="0">
  <skipped type="pytest.skip" message="no">skip</skipped></testcase>
<testcase classname="tests.test_a" name="test_xfail" file="tests/test_a.py" line="18" time="0">
  <skipped type="pytest.xfail" message="known" /></testcase>
<testcase classname="test_top" name="test_mod" file="test_top.py" line="1" time="0" />
</testsuite></testsuites>"""


def test_junit_statuses_by_node_id():
    assert parse_junit(JUNIT) == {
        "tests/test_a.py::test_ok": "PASSED",
        "tests/test_a.py::TestX::Inner::test_p[a b-1]": "FAILED",
        "tests/test_a.py::test_teardown": "ERROR",  # passed its call, failed its teardown: the worse wins
        "tests/test_a.py::test_skip": "SKIPPED",
        "tests/test_a.py::test_xfail": "PASSED",  # SWE-bench counts an expected failure as passing
        "test_top.py::test_mod": "PASSED",
    }


@pytest.mark.parametrize("nid", ["tests/test_a.py::test_ok", "tests/test_a.py::TestX::Inner::test_p[a.b::c-1]", "t.py::t"])
def test_mangle_matches_pytest_and_round_trips(nid):
    classname, name = mangle(nid)
    assert "/" not in classname and not classname.endswith(".py")
    assert node_id(classname, name, nid.split("::")[0]) == nid


def test_rA_summary():
    output = ("===== short test summary info =====\nPASSED tests/t.py::test_a\nFAILED tests/t.py::test_b - assert 0\n"
              "ERROR tests/t.py::test_c - fixture\nXFAIL tests/t.py::test_d - known\nSKIPPED [1] tests/t.py:3: no\n")
    assert parse_rA(output) == {"tests/t.py::test_a": "PASSED", "tests/t.py::test_b": "FAILED",
                                "tests/t.py::test_c": "ERROR", "tests/t.py::test_d": "PASSED"}
