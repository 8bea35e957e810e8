"""Test ids are pytest's own: the harness's plugin records exactly the node ids that pytest prints
(`--collect-only -q`) for every awkward style, reports each outcome, takes any number of
requested ids through a file, and names requested ids that pytest does not know. Real containers,
the base image's pytest."""

from __future__ import annotations

import shlex

import pytest

from srl_swe.tasks.runners.base import MISSING
from srl_swe.tasks.spec import TaskSpec
from srl_swe.tasks.testrun import run_scope, run_tests
from tests.id_styles import DOCTEST_ID, FILES, FIXED, OUTCOMES

pytestmark = pytest.mark.docker
COMMAND = "python -m pytest --doctest-modules"
SPEC = TaskSpec(instance_id="ids", test_command=COMMAND)


def write_tree(sandbox, tree: dict[str, str]) -> None:
    for path, text in tree.items():
        sandbox.write_file(f"/testbed/{path}", text)


def collected(sandbox) -> list[str]:
    """The node ids pytest itself prints for the tree, one per line before the summary."""
    output = sandbox.run(f"cd /testbed && {COMMAND} --collect-only -q -p no:cacheprovider").output
    return [line for line in output.splitlines() if "::" in line]


@pytest.fixture
def tree(sandbox):
    write_tree(sandbox, FILES)
    return sandbox


def test_recorded_ids_are_the_ids_pytest_prints(tree):
    run = run_scope(tree, SPEC, [], timeout=120)
    ids = collected(tree)
    assert len(ids) > 300 and sorted(run.statuses) == sorted(ids)
    assert "tests/test_inherit.py::TestAdd::test_adds" in ids  # not tests/base_checks.py, where the method lives
    assert "tests/test_unittest.py::AddCase::test_add" in ids and DOCTEST_ID in ids
    assert "tests/deep/nested/test_nested.py::test_sep_from_conftest" in ids
    assert any("two::three [x]" in test_id for test_id in ids) and any("p::q" in test_id for test_id in ids)
    assert run.collection_errors == [] and run.not_found == []


def test_each_outcome_has_its_status(tree):
    statuses = run_scope(tree, SPEC, [], timeout=120).statuses
    assert {t: statuses[t] for t in OUTCOMES} == OUTCOMES
    assert statuses["tests/test_inherit.py::TestAdd::test_adds"] == "FAILED"  # the bug: add subtracts
    assert statuses["tests/test_inherit.py::TestAdd::test_zero"] == "PASSED"
    assert statuses[DOCTEST_ID] == "FAILED"


def test_requested_ids_through_a_file_and_unknown_ids_named(tree):
    ids = collected(tree)
    write_tree(tree, FIXED)
    unknown = ["tests/test_params.py::test_nope", "tests/gone.py::test_x"]
    run = run_tests(tree, SPEC, ids + unknown, timeout=120)
    assert list(run.statuses) == ids + unknown  # one status per requested id, in order
    assert run.statuses[DOCTEST_ID] == run.statuses["tests/test_inherit.py::TestAdd::test_adds"] == "PASSED"
    assert [t for t in ids if run.statuses[t] == MISSING] == []
    assert run.statuses["tests/test_params.py::test_nope"] == run.statuses["tests/gone.py::test_x"] == MISSING
    assert run.not_found == unknown  # pytest collected neither (gone.py is not even there)


def test_ids_are_accepted_back_by_pytest(tree):
    ids = [t for t in collected(tree) if "[" in t][:8] + ["tests/test_inherit.py::TestAdd::test_zero"]
    for test_id in ids:
        output = tree.run(f"cd /testbed && python -m pytest -q -p no:cacheprovider {shlex.quote(test_id)}").output
        ran = [line for line in output.splitlines() if " passed" in line or " failed" in line or " error" in line]
        assert ran and ran[-1].split()[0] == "1", (test_id, output[-400:])


def test_collection_errors_are_reported_with_the_exception(tree):
    tree.write_file("/testbed/tests/test_broken.py", "import not_installed_anywhere\n\ndef test_x():\n    pass\n")
    run = run_scope(tree, SPEC, ["tests/test_broken.py", "tests/test_inherit.py"], timeout=120)
    [error] = run.collection_errors
    assert error.where == "tests/test_broken.py" and "No module named 'not_installed_anywhere'" in error.message
    assert set(run.statuses) == {
        "tests/test_inherit.py::TestAdd::test_adds",
        "tests/test_inherit.py::TestAdd::test_zero",
    }
