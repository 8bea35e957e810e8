"""Running a task's tests in a sandbox and reading the status of each test.

The task's runner (`spec.test_runner`, see `srl_swe.tasks.runners`) says how to run tests and how
to read results back under its own ids: for pytest, a plugin records each node id inside the
container. Requested ids are written to a file (any number of them); the runner's targets
(files, modules) go through a file too, so no command line grows with the task. A requested id
that no run reported is MISSING; one the runner says it does not know is listed in `not_found`.
"""

from __future__ import annotations

import posixpath
import shlex
import uuid

from pydantic import BaseModel, ConfigDict, Field

from srl_swe.sandbox.protocol import Sandbox
from srl_swe.tasks.patching import diff_paths
from srl_swe.tasks.runners import get_runner
from srl_swe.tasks.runners.base import MISSING, PASSING, CollectionError, RunPaths, TestRunner
from srl_swe.tasks.spec import TaskSpec

SCRATCH = "/tmp/srl_swe"


class TestRun(BaseModel):
    """Per-test statuses of one run, with what the runner could not collect or did not know."""

    __test__ = False  # not a pytest test class
    model_config = ConfigDict(extra="forbid")

    statuses: dict[str, str]
    output: str
    exit_code: int
    timed_out: bool = False
    duration: float = 0.0
    collection_errors: list[CollectionError] = Field(default_factory=list)
    not_found: list[str] = Field(default_factory=list)

    def passed(self, test_id: str) -> bool:
        return self.statuses.get(test_id) in PASSING


def run_tests(sandbox: Sandbox, spec: TaskSpec, test_ids: list[str], timeout: float = 600) -> TestRun:
    """Run what holds `test_ids` and return a status for each requested id (MISSING if none)."""
    if not test_ids:
        return TestRun(statuses={}, output="", exit_code=0)
    runner = get_runner(spec.test_runner)
    run = _run(sandbox, spec, runner, runner.targets(spec, test_ids), test_ids, timeout)
    run.statuses = {test_id: run.statuses.get(test_id, MISSING) for test_id in test_ids}
    return run


def scope_targets(spec: TaskSpec) -> list[str]:
    """What the task's scope runs: the runner's targets for the test patch's files (`files`), or
    nothing, which runs the whole suite (`all`)."""
    if spec.test_scope == "all":
        return []
    return get_runner(spec.test_runner).file_targets(spec, diff_paths(spec.test_patch))


def run_scope(sandbox: Sandbox, spec: TaskSpec, targets: list[str], timeout: float = 600) -> TestRun:
    """Run `targets` (see `scope_targets`; empty: the whole suite); the status of every test reported."""
    return _run(sandbox, spec, get_runner(spec.test_runner), targets, [], timeout)


def _run(sandbox: Sandbox, spec: TaskSpec, runner: TestRunner, targets: list[str], test_ids: list[str],
         timeout: float) -> TestRun:
    """One run in a subshell (the sandbox's own cwd and variables stay as they were)."""
    folder = posixpath.join(SCRATCH, uuid.uuid4().hex[:12])
    paths = RunPaths(dir=folder, report=f"{folder}/report.jsonl", ids=f"{folder}/ids.txt")
    for path, data in runner.support_files(paths).items():
        sandbox.write_file(path, data)
    sandbox.write_file(paths.ids, "".join(f"{test_id}\n" for test_id in test_ids))
    sandbox.write_file(f"{folder}/targets.txt", "".join(f"{target}\n" for target in targets))
    result = sandbox.run(_script(spec, runner, paths, folder, bool(targets)), timeout=timeout)
    try:
        report = sandbox.read_file(paths.report).decode("utf-8", "replace")
    except FileNotFoundError:
        report = None
    sandbox.run(f"rm -rf {shlex.quote(folder)}", timeout=30)
    parsed = runner.parse(result.output, report)
    return TestRun(statuses=parsed.statuses, output=result.output, exit_code=result.exit_code,
                   timed_out=result.timed_out, duration=result.duration,
                   collection_errors=parsed.collection_errors, not_found=parsed.not_found)


def _script(spec: TaskSpec, runner: TestRunner, paths: RunPaths, folder: str, has_targets: bool) -> str:
    read = f"mapfile -t _t < {shlex.quote(folder)}/targets.txt; "
    if runner.targets_are_paths and has_targets:
        # Files a diff deleted are left out (a runner would abort on them); their tests are MISSING.
        read += ('_k=(); for _f in "${_t[@]}"; do [ -e "$_f" ] && _k+=("$_f"); done; _t=("${_k[@]}"); '
                 '[ ${#_t[@]} -gt 0 ] || { echo "none of the test files exist"; exit 5; }; ')
    command = runner.command(spec, paths)
    return f'(cd {shlex.quote(spec.workdir)} || exit 2; {read}{command} "${{_t[@]}}")'
