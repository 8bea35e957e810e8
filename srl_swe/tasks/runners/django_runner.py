"""Django's own suite, run as SWE-bench's harness runs it (`./tests/runtests.py --verbosity 2
--settings=test_sqlite --parallel 1` and test labels).

Ids are those SWE-bench lists (its `parse_log_django`): the text before ` ... ` on a test's
result line, so `test_x (app.tests.Class)` before Python 3.11, `test_x (app.tests.Class.test_x)`
since, and, for a test with a docstring, the docstring's first line. Where SWE-bench's parser
records nothing this runner adds: expected failures (XFAIL), unexpected successes (XPASS), the
parent of a failing subtest (FAILED), and modules that did not import (collection errors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from srl_swe.tasks.runners import unittest_text
from srl_swe.tasks.runners.base import FAILED, PASSED, Parsed, RunPaths, worse
from srl_swe.tasks.runners.commands import task_command, with_option
from srl_swe.tasks.runners.unittest_text import Description
from srl_swe.tasks.spec import TaskSpec

# SWE-bench's get_test_directives: files of the test patch, except these endings, become labels.
NON_TEST_ENDINGS = (".json", ".png", "csv", ".txt", ".md", ".jpg", ".jpeg", ".pkl", ".yml", ".yaml", ".toml")
_PATCHED = re.compile(r"^diff --git a/.* b/(.*)$", re.M)  # SWE-bench reads the new side's path
_PLAIN_ID = re.compile(r"^(?P<name>test\w*) \((?P<where>\w+(?:\.\w+)+)\)$")  # no docstring, no subtest


def label(path: str) -> str:
    """A repo file as a runtests.py label: tests/foo/test_bar.py -> foo.test_bar."""
    path = path.removesuffix(".py")
    return path.removeprefix("tests/").replace("/", ".")


def labels(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(label(path) for path in paths if not path.endswith(NON_TEST_ENDINGS)))


def module_of(test_id: str) -> str | None:
    """The module an id without a docstring names: `test_x (app.tests.Class)` -> app.tests."""
    match = _PLAIN_ID.match(test_id)
    if not match:
        return None
    parts = match["where"].split(".")
    parts = parts[:-2] if parts[-1] == match["name"] else parts[:-1]  # Python >= 3.11 adds the method
    return ".".join(parts) or None


def test_id(test: Description) -> str:
    """SWE-bench's id of a test: its docstring's first line if it has one, else its description."""
    return test.doc or test.text


def covered(module: str, by: list[str]) -> bool:
    return any(module == label or module.startswith(label + ".") for label in by)


@dataclass(frozen=True)
class DjangoRunner:
    name: str = "django"
    default_command: str = "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1"
    targets_are_paths: bool = False  # dotted labels

    def targets(self, spec: TaskSpec, test_ids: list[str]) -> list[str]:
        found = labels(_PATCHED.findall(spec.test_patch))
        modules = [module_of(test_id) for test_id in test_ids]
        if spec.test_scope == "all" and None in modules:
            return []  # an id that names no module (a docstring) came from a whole-suite run
        extra = [module for module in modules if module and not covered(module, found)]
        return found + list(dict.fromkeys(extra))

    def file_targets(self, spec: TaskSpec, paths: list[str]) -> list[str]:
        return labels(paths)

    def support_files(self, paths: RunPaths) -> dict[str, bytes]:
        return {}

    def command(self, spec: TaskSpec, paths: RunPaths) -> str:
        return with_option(task_command(spec, self.default_command), "--verbosity 2", "-v")

    def parse(self, output: str, report: str | None) -> Parsed:
        parsed = Parsed()
        for test, status in unittest_text.results(output):
            if test.dotted_id is not None:  # not a module that failed to load, nor a fixture
                parsed.statuses[test_id(test)] = status  # the last result wins, as in SWE-bench's parser
        blocks = unittest_text.blocks(output)
        for block in blocks:  # failures whose result line was garbled by the test's own output
            if block.test and block.test.dotted_id is not None:
                _mark(parsed.statuses, test_id(block.test), block.status)
                if block.test.params and not block.test.doc:  # a subtest: its test did not pass
                    _mark(parsed.statuses, Description(block.test.name, block.test.where).text, FAILED)
        parsed.collection_errors = unittest_text.collection_errors(blocks)
        return parsed


def _mark(statuses: dict[str, str], key: str, status: str) -> None:
    statuses[key] = worse(statuses.get(key, PASSED), status)


RUNNER = DjangoRunner()
