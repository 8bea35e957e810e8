"""Validating a task: in a fresh sandbox, with the same image, runner and ids as registration,
FAIL_TO_PASS must fail before the gold patch and pass after it, PASS_TO_PASS must pass both
times, and every listed id must have run: `ok` only then.

Outcomes, checked in this order: `install_error` (the image cannot be built, or the package
imported is not the repo's), `test_apply_failed`, `run_error` (the runner reported nothing),
`f2p_passed_before`, `gold_apply_failed`, `collection_error` (tests that cannot be loaded with
the fix), `missing_tests` (listed ids that did not run, or that the runner does not know),
`f2p_failed_after`, `p2p_failed`, `ok`; `error` when the check itself could not finish (a test
run past the timeout) with the reason as detail.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import docker.errors
from pydantic import BaseModel, ConfigDict

from srl_swe.errors import EngineUnreachable, SrlSweError, TaskCheckFailed
from srl_swe.tasks.checks import check_collected, check_ran
from srl_swe.tasks.install import check_import_origin
from srl_swe.tasks.patching import apply_patch
from srl_swe.tasks.runners.base import MISSING
from srl_swe.tasks.sandbox import task_sandbox
from srl_swe.tasks.spec import TaskSpec
from srl_swe.tasks.testrun import TestRun, run_tests

Outcome = Literal["ok", "install_error", "test_apply_failed", "run_error", "f2p_passed_before", "gold_apply_failed",
                  "collection_error", "missing_tests", "f2p_failed_after", "p2p_failed", "error"]
OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]


class Validation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: str
    outcome: Outcome
    detail: str = ""
    hint: str = ""  # the fix to try, for outcomes that have one
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class _Stop(Exception):
    def __init__(self, outcome: str, detail: str):
        super().__init__(detail)
        self.outcome, self.detail = outcome, detail


def _not_passed(test_ids: list[str], run: TestRun) -> list[str]:
    return [f"{t} ({run.statuses.get(t, MISSING)})" for t in test_ids if not run.passed(t)]


def _run(sandbox, spec: TaskSpec, timeout: float, when: str) -> TestRun:
    return check_ran(run_tests(sandbox, spec, spec.FAIL_TO_PASS + spec.PASS_TO_PASS, timeout=timeout), when, timeout)


def _missing(spec: TaskSpec, run: TestRun) -> list[str]:
    listed = spec.FAIL_TO_PASS + spec.PASS_TO_PASS
    unknown = set(run.not_found)
    return [t for t in listed if t in unknown or run.statuses.get(t) == MISSING]


def _check(spec: TaskSpec, tasks_dir: Path | str | None, timeout: float) -> None:
    if not spec.FAIL_TO_PASS:
        raise _Stop("error", "the task has no FAIL_TO_PASS tests; it cannot tell a fix from no fix")
    with task_sandbox(spec, tasks_dir) as sandbox:
        if spec.environment == "venv":
            check_import_origin(sandbox, spec)
        applied, message = apply_patch(sandbox, spec.test_patch, spec.workdir, "test")
        if not applied:
            raise _Stop("test_apply_failed", message[:300])
        before = _run(sandbox, spec, timeout, "before")
        passed = [t for t in spec.FAIL_TO_PASS if before.passed(t)]
        if passed:
            raise _Stop("f2p_passed_before", "passes without the fix: " + ", ".join(passed[:5]))
        applied, message = apply_patch(sandbox, spec.patch, spec.workdir, "gold")
        if not applied:
            raise _Stop("gold_apply_failed", message[:300])
        after = _run(sandbox, spec, timeout, "after")
    check_collected(after, "after")
    missing = _missing(spec, after)
    if missing:
        raise _Stop(
            "missing_tests", f"{len(missing)} listed test(s) did not run with the fix: " + ", ".join(missing[:5])
        )
    failing = _not_passed(spec.FAIL_TO_PASS, after)
    if failing:
        raise _Stop("f2p_failed_after", "still failing with the fix: " + ", ".join(failing[:5]))
    broken = [f"{t} before" for t in _not_passed(spec.PASS_TO_PASS, before)]
    broken += [f"{t} after" for t in _not_passed(spec.PASS_TO_PASS, after)]
    if broken:
        raise _Stop("p2p_failed", "not passing: " + ", ".join(broken[:5]))


def validate_task(spec: TaskSpec, tasks_dir: Path | str | None = None, timeout: float = 600) -> Validation:
    """Validate one task in a fresh sandbox. A missing Docker engine raises; everything that is
    about the task itself becomes an outcome with its detail."""
    start = time.monotonic()
    try:
        _check(spec, tasks_dir, timeout)
        outcome, detail = "ok", ""
    except _Stop as stop:
        outcome, detail = stop.outcome, stop.detail
    except TaskCheckFailed as failed:
        return _failed(spec, failed, time.monotonic() - start)
    except EngineUnreachable:
        raise
    except SrlSweError as exc:
        outcome, detail = "error", str(exc).splitlines()[0]
    except docker.errors.APIError as exc:  # e.g. the engine refused a container: this task could not be checked
        outcome, detail = "error", f"docker: {exc.explanation or exc}"
    return Validation(task_id=spec.instance_id, outcome=outcome, detail=detail, duration=time.monotonic() - start)


def _failed(spec: TaskSpec, failed: TaskCheckFailed, duration: float = 0.0) -> Validation:
    outcome = failed.outcome if failed.outcome in OUTCOMES else "error"
    return Validation(
        task_id=spec.instance_id, outcome=outcome, detail=failed.detail, hint=failed.hint, duration=duration
    )


def validate_tasks(
    specs: list[TaskSpec], tasks_dir: Path | str | None = None, workers: int = 1, timeout: float = 600,
    on_done: Callable[[Validation], None] | None = None, ray: str | None = None,
) -> list[Validation]:
    """Validate many tasks with `workers` sandboxes at once (local threads, or Ray workers at the
    address `ray`); results in the order of `specs`. Task images are built one at a time first, so
    parallel workers never build the same image."""
    from srl_swe.executors import ExecutorSettings, open_executor
    from srl_swe.sandbox.nodes import node_hooks
    from srl_swe.tasks.images import ensure_task_image
    from srl_swe.tasks.registry import absolute_tasks_dir

    prebuilt: dict[str, Validation] = {}
    for spec in specs:
        try:
            ensure_task_image(spec, tasks_dir, log=lambda _m: None)
        except EngineUnreachable:
            raise
        except TaskCheckFailed as failed:
            prebuilt[spec.instance_id] = _failed(spec, failed)
        except SrlSweError as exc:
            prebuilt[spec.instance_id] = Validation(
                task_id=spec.instance_id, outcome="error", detail=str(exc).splitlines()[0]
            )
    results: dict[str, Validation] = dict(prebuilt)
    for failed in prebuilt.values():
        if on_done:
            on_done(failed)
    registry = absolute_tasks_dir(tasks_dir)
    check = functools.partial(validate_task, tasks_dir=registry, timeout=timeout)
    todo = {s.instance_id: s for s in specs if s.instance_id not in prebuilt}
    with open_executor(ExecutorSettings(workers=workers, ray=ray), node_hooks(ray, [registry])) as executor:
        for _task_id, result in executor.map(check, todo):
            results[result.task_id] = result
            if on_done:
                on_done(result)
    return [results[s.instance_id] for s in specs]
