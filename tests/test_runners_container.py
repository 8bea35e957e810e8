"""The unittest runner in a real container: its command and targets run a small unittest-only
package, and every id it reads back is one `python -m unittest` accepts and runs alone."""

from __future__ import annotations

import re
import shlex

from srl_swe.tasks.runners import get_runner
from srl_swe.tasks.runners.base import FAILED, PASSED, SKIPPED, XFAIL, RunPaths
from srl_swe.tasks.spec import TaskSpec

PACKAGE = {
    "calc/__init__.py": "def add(a, b):\n    return a + b\n",
    "tests/__init__.py": "",
    "tests/test_calc.py": '''\
import unittest

from calc import add


class AddTests(unittest.TestCase):
    def test_small(self):
        self.assertEqual(add(1, 2), 3)

    def test_documented(self):
        """Adding zero changes nothing."""
        self.assertEqual(add(5, 0), 5)

    def test_wrong(self):
        self.assertEqual(add(2, 2), 5)

    @unittest.skip("later")
    def test_later(self):
        pass

    @unittest.expectedFailure
    def test_known(self):
        self.assertEqual(add(1, 1), 3)

    def test_cases(self):
        for a in range(3):
            with self.subTest(a=a):
                self.assertEqual(add(a, 0), a)

    def test_talks(self):
        print("adding ... now")
        self.assertEqual(add(0, 0), 0)
''',
    "tests/test_broken.py": "import not_installed_anywhere\n",
}
PATHS = RunPaths(dir="/tmp/srl_swe/run", report="/tmp/srl_swe/run/report.jsonl", ids="/tmp/srl_swe/run/ids.txt")
_RAN = re.compile(r"^Ran (\d+) tests? in", re.M)


def run(sandbox, spec: TaskSpec, targets: list[str]) -> str:
    """As the harness runs it: the runner's command and the targets, in the workdir, in a subshell."""
    runner = get_runner(spec.test_runner)
    words = " ".join(shlex.quote(target) for target in targets)
    return sandbox.run(f"(cd {spec.workdir} && {runner.command(spec, PATHS)} {words}) 2>&1", timeout=120).output


def test_unittest_ids_run_back_one_by_one(sandbox):
    for path, text in PACKAGE.items():
        sandbox.write_file(f"/testbed/{path}", text)
    runner = get_runner("unittest")
    spec = TaskSpec(instance_id="calc-1", test_runner="unittest")
    targets = runner.file_targets(spec, list(PACKAGE))
    assert targets == ["tests.test_calc", "tests.test_broken"]

    parsed = runner.parse(run(sandbox, spec, targets), None)
    assert parsed.statuses == {
        "tests.test_calc.AddTests.test_small": PASSED,
        "tests.test_calc.AddTests.test_documented": PASSED,
        "tests.test_calc.AddTests.test_wrong": FAILED,
        "tests.test_calc.AddTests.test_later": SKIPPED,
        "tests.test_calc.AddTests.test_known": XFAIL,
        "tests.test_calc.AddTests.test_cases": PASSED,
        "tests.test_calc.AddTests.test_talks": PASSED,
    }
    assert [error.where for error in parsed.collection_errors] == ["test_broken"]
    assert "No module named 'not_installed_anywhere'" in parsed.collection_errors[0].message

    # Each id, given back as the runner's targets, runs exactly that one test with the same result.
    for test_id, status in parsed.statuses.items():
        output = run(sandbox, spec, runner.targets(spec, [test_id]))
        assert _RAN.search(output)[1] == "1", output
        assert runner.parse(output, None).statuses == {test_id: status}


def test_unittest_unknown_id_is_reported_not_passed(sandbox):
    for path, text in PACKAGE.items():
        sandbox.write_file(f"/testbed/{path}", text)
    runner = get_runner("unittest")
    spec = TaskSpec(instance_id="calc-1", test_runner="unittest")
    wanted = ["tests.test_calc.AddTests.test_small", "tests.test_calc.AddTests.test_gone"]
    parsed = runner.parse(run(sandbox, spec, runner.targets(spec, wanted)), None)
    assert parsed.statuses == {"tests.test_calc.AddTests.test_small": PASSED}
    assert [(e.where, e.message) for e in parsed.collection_errors] == [
        ("test_gone", "AttributeError: type object 'AddTests' has no attribute 'test_gone'")]
