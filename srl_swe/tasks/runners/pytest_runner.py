"""pytest: ids are pytest's own node ids, recorded inside the container by `pytest_plugin.py`
(never rebuilt from a report file), so they are exactly what pytest prints and accepts back."""

from __future__ import annotations

import json
import posixpath
import shlex
from dataclasses import dataclass
from importlib.resources import files

from srl_swe.errors import TaskError
from srl_swe.tasks.patching import is_test_path
from srl_swe.tasks.runners.base import (
    ERROR,
    FAILED,
    PASSED,
    SKIPPED,
    XFAIL,
    XPASS,
    CollectionError,
    Parsed,
    RunPaths,
    worse,
)
from srl_swe.tasks.spec import TaskSpec

PLUGIN = "srl_swe_pytest_report"  # the module name the plugin is loaded under in the container
# No .pytest_cache written into the repo; and one file that cannot be collected (a test importing
# what the fix adds) must not stop the others from running, as pytest does by default. No -rA:
# statuses come from the plugin, and -rA's summary of every passing test doubles a large run.
OPTIONS = "-q -p no:cacheprovider --continue-on-collection-errors"


def status_of(when: str, outcome: str, xfail: bool) -> str:
    """One report's status: a failing setup or teardown is an ERROR, as SWE-bench counts it."""
    if outcome == "skipped":
        return XFAIL if xfail else SKIPPED
    if outcome == "failed":
        return FAILED if when == "call" else ERROR
    return XPASS if xfail else PASSED


def is_test_module(path: str) -> bool:
    """A file pytest collects with its default `python_files` (test_*.py, *_test.py)."""
    name = posixpath.basename(path)
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")) and is_test_path(path)


@dataclass(frozen=True)
class PytestRunner:
    name: str = "pytest"
    default_command: str = "python -m pytest"
    targets_are_paths: bool = True

    def targets(self, spec: TaskSpec, test_ids: list[str]) -> list[str]:
        # The files that hold the ids run whole (as SWE-bench's harness does): one unknown id then
        # cannot abort the run, and every test sees the same neighbours as when it was registered.
        return list(dict.fromkeys(test_id.split("::")[0] for test_id in test_ids))

    def file_targets(self, spec: TaskSpec, paths: list[str]) -> list[str]:
        return [path for path in paths if is_test_module(path)]

    def support_files(self, paths: RunPaths) -> dict[str, bytes]:
        plugin = files("srl_swe.tasks.runners").joinpath("pytest_plugin.py").read_bytes()
        return {posixpath.join(paths.dir, PLUGIN + ".py"): plugin}

    def command(self, spec: TaskSpec, paths: RunPaths) -> str:
        env = (f"export SRL_SWE_REPORT={shlex.quote(paths.report)} SRL_SWE_IDS={shlex.quote(paths.ids)} "
               f"PYTHONPATH={shlex.quote(paths.dir)}${{PYTHONPATH:+:$PYTHONPATH}}")
        return f"{env}; {spec.test_command} {OPTIONS} -p {PLUGIN}"

    def parse(self, output: str, report: str | None) -> Parsed:
        parsed = Parsed()
        lines = (report or "").splitlines()
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines):  # the last line of a run killed mid-write
                    continue
                raise TaskError(f"line {number} of the pytest report is not JSON: {line[:120]!r}; "
                                "a plugin of the repo may write to srl-swe's report file") from None
            if "id" in record:
                status = status_of(record["when"], record["outcome"], record["xfail"])
                parsed.statuses[record["id"]] = worse(parsed.statuses.get(record["id"], PASSED), status)
            elif "collect_error" in record:
                where = record["collect_error"] or "(session)"
                if where not in {error.where for error in parsed.collection_errors}:  # doctest and test collectors
                    parsed.collection_errors.append(CollectionError(where=where, message=record["message"]))
            elif "not_found" in record:
                parsed.not_found = record["not_found"]
        return parsed


RUNNER = PytestRunner()
