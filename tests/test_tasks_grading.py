"""Grading diffs in fresh containers, SWE-bench style (real containers)."""

from __future__ import annotations

import pytest

from srl_swe.tasks.grading import grade
from tests.task_repos import CORE, F2P, P2P, TESTS, edit_diff, make_textstat, save_textstat_task

# Edits the lines that the test patch changes (a test fudged to pass): grading must put the
# task's test files back before applying its test patch, or the test patch would not apply.
CHEAT = edit_diff("tests/test_core.py", TESTS, '[("a b", 2)]', '[("a b", 2), ("", 1)]')
HALF_FIX = edit_diff("textstat/core.py", CORE, 'return len(text.split(" "))',
                     'return len([w for w in text.split(" ") if w]) if text else 1')


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    tasks_dir = tmp_path_factory.mktemp("tasks")
    return save_textstat_task(make_textstat(tmp_path_factory.mktemp("repos")), tasks_dir), tasks_dir


def test_gold_patch_resolves(task):
    spec, tasks_dir = task
    result = grade(spec, spec.patch, tasks_dir, timeout=60)
    assert (result.patch_exists, result.patch_applied, result.resolved, result.status) == (True, True, True, "FULL")
    assert (
        result.tests_status["FAIL_TO_PASS"]["success"] == F2P and result.tests_status["PASS_TO_PASS"]["success"] == P2P
    )
    assert result.error is None and "passed" in result.test_output


def test_empty_diff_is_graded_as_the_noop_baseline(task):
    spec, tasks_dir = task
    result = grade(spec, "", tasks_dir, timeout=60)
    assert (result.patch_exists, result.patch_applied, result.resolved, result.status) == (False, True, False, "NO")
    assert (
        result.tests_status["FAIL_TO_PASS"]["failure"] == F2P and result.tests_status["PASS_TO_PASS"]["success"] == P2P
    )


def test_partial_fix_and_edited_tests(task):
    spec, tasks_dir = task
    result = grade(spec, HALF_FIX + CHEAT, tasks_dir, timeout=60)
    assert result.patch_applied and not result.resolved and result.status == "PARTIAL"
    assert result.tests_status["FAIL_TO_PASS"]["success"] == [F2P[1]]
    assert result.tests_status["FAIL_TO_PASS"]["failure"] == [F2P[0]]


def test_diff_that_does_not_apply(task):
    spec, tasks_dir = task
    result = grade(spec, HALF_FIX.replace('text.split(" ")', "text.nothing()"), tasks_dir, timeout=60)
    assert (result.patch_exists, result.patch_applied, result.resolved, result.status) == (True, False, False, "NO")
    assert "does not apply" in result.error


def test_deleted_test_file_counts_as_failing_not_as_a_crash(task):
    spec, tasks_dir = task
    deletion = ("diff --git a/tests/test_other.py b/tests/test_other.py\ndeleted file mode 100644\n"
                "--- a/tests/test_other.py\n+++ /dev/null\n@@ -1,5 +0,0 @@\n-from textstat.core import longest_word\n"
                "-\n-\n-def test_single_word():\n-    assert longest_word(\"hello\") == \"hello\"\n")
    result = grade(spec, spec.patch + deletion, tasks_dir, timeout=60)
    assert result.patch_applied and result.status == "NO"
    assert result.tests_status["PASS_TO_PASS"]["failure"] == ["tests/test_other.py::test_single_word"]
    assert result.tests_status["FAIL_TO_PASS"]["success"] == F2P
