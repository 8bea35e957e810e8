"""Grading a candidate diff the way SWE-bench does, in a fresh container from the task image.

The diff is applied, the task's test files are put back to base_commit and the test_patch is
applied on top, then FAIL_TO_PASS and PASS_TO_PASS run. `resolved` needs every one of them to
pass. The report has SWE-bench's per-instance shape. An empty diff is graded too: it is the
noop baseline (nothing to apply, so `patch_applied` is True and `patch_exists` False).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from srl_swe.tasks.patching import apply_patch, diff_paths, restore_files
from srl_swe.tasks.sandbox import task_sandbox
from srl_swe.tasks.spec import TaskSpec
from srl_swe.tasks.testrun import TestRun, run_tests

Status = Literal["FULL", "PARTIAL", "NO"]


TestGroup = dict[str, list[str]]  # {"success": [...], "failure": [...]}
GROUPS = ("FAIL_TO_PASS", "PASS_TO_PASS", "FAIL_TO_FAIL", "PASS_TO_FAIL")


def _empty_report() -> dict[str, TestGroup]:
    return {key: {"success": [], "failure": []} for key in GROUPS}


class GradeResult(BaseModel):
    """One graded diff. `error` says why tests could not decide (diff did not apply, timeout)."""

    model_config = ConfigDict(extra="forbid")

    instance_id: str
    patch_exists: bool
    patch_applied: bool
    resolved: bool
    status: Status
    tests_status: dict[str, TestGroup] = Field(default_factory=_empty_report)
    test_output: str = ""
    error: str | None = None


def split(test_ids: list[str], run: TestRun) -> TestGroup:
    return {
        "success": [t for t in test_ids if run.passed(t)],
        "failure": [t for t in test_ids if not run.passed(t)],
    }


def resolution(report: dict[str, TestGroup]) -> Status:
    """SWE-bench's rule: FULL if every F2P and P2P passes; PARTIAL if some F2P pass and all P2P."""

    def rate(group: TestGroup) -> float:
        total = len(group["success"]) + len(group["failure"])
        return 1.0 if total == 0 else len(group["success"]) / total

    f2p, p2p = rate(report["FAIL_TO_PASS"]), rate(report["PASS_TO_PASS"])
    if f2p == 1 and p2p == 1:
        return "FULL"
    if 0 < f2p < 1 and p2p == 1:
        return "PARTIAL"
    return "NO"


def grade(spec: TaskSpec, diff: str, tasks_dir: Path | str | None = None, timeout: float = 600) -> GradeResult:
    """Grade `diff` against `spec` in a fresh container. Infrastructure failures (no engine, no
    image) raise; what the diff causes (does not apply, tests hang) is reported in the result."""
    exists = bool(diff.strip())
    failed = dict(instance_id=spec.instance_id, patch_exists=exists, resolved=False, status="NO")
    with task_sandbox(spec, tasks_dir) as sandbox:
        applied, message = apply_patch(sandbox, diff, spec.workdir, "candidate")
        if not applied:
            return GradeResult(**failed, patch_applied=False, error=f"the diff does not apply: {message[:500]}")
        restore_files(sandbox, diff_paths(spec.test_patch), spec.workdir, spec.base_commit or "HEAD")
        test_ok, message = apply_patch(sandbox, spec.test_patch, spec.workdir, "test")
        if not test_ok:
            return GradeResult(
                **failed, patch_applied=True, error=f"the task's test_patch does not apply: {message[:500]}"
            )
        run = run_tests(sandbox, spec, spec.FAIL_TO_PASS + spec.PASS_TO_PASS, timeout=timeout)
    report = _empty_report()
    report["FAIL_TO_PASS"] = split(spec.FAIL_TO_PASS, run)
    report["PASS_TO_PASS"] = split(spec.PASS_TO_PASS, run)
    if run.timed_out:
        return GradeResult(**failed, patch_applied=True, tests_status=report, test_output=run.output,
                           error=f"the tests did not finish within {timeout:g} s")
    status = resolution(report)
    return GradeResult(
        instance_id=spec.instance_id, patch_exists=exists, patch_applied=True, resolved=status == "FULL",
        status=status, tests_status=report, test_output=run.output,
    )
