"""unittest: ids are the dotted names `python -m unittest` accepts back (`pkg.mod.Class.test_x`),
read from its verbose output (see `unittest_text` for the formats of each Python version)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from srl_swe.tasks.runners import unittest_text
from srl_swe.tasks.runners.base import PASSED, Parsed, RunPaths, worse
from srl_swe.tasks.runners.commands import task_command, with_option
from srl_swe.tasks.spec import TaskSpec


def module_name(path: str) -> str:
    """The module a repo file is imported as from the repo root: tests/test_a.py -> tests.test_a."""
    return path[: -len(".py")].replace("/", ".")


def is_test_module(path: str) -> bool:
    """A file unittest's discovery would load: its default pattern is test*.py."""
    name = posixpath.basename(path)
    return name.startswith("test") and name.endswith(".py")


@dataclass(frozen=True)
class UnittestRunner:
    name: str = "unittest"
    default_command: str = "python -m unittest -v"
    targets_are_paths: bool = False  # module names and ids

    def targets(self, spec: TaskSpec, test_ids: list[str]) -> list[str]:
        # unittest loads each name on its own: an unknown one fails alone, as a _FailedTest.
        return list(dict.fromkeys(test_ids))

    def file_targets(self, spec: TaskSpec, paths: list[str]) -> list[str]:
        return list(dict.fromkeys(module_name(path) for path in paths if is_test_module(path)))

    def support_files(self, paths: RunPaths) -> dict[str, bytes]:
        return {}

    def command(self, spec: TaskSpec, paths: RunPaths) -> str:
        return with_option(task_command(spec, self.default_command), "-v", "--verbose")

    def parse(self, output: str, report: str | None) -> Parsed:
        parsed = Parsed()
        for test, status in unittest_text.results(output):
            if test_id := test.dotted_id:
                parsed.statuses[test_id] = worse(parsed.statuses.get(test_id, status), status)
        blocks = unittest_text.blocks(output)
        for block in blocks:  # every failure is named here, subtests' and those whose line was garbled
            if block.test and (test_id := block.test.dotted_id):
                parsed.statuses[test_id] = worse(parsed.statuses.get(test_id, PASSED), block.status)
        parsed.collection_errors = unittest_text.collection_errors(blocks)
        return parsed


RUNNER = UnittestRunner()
