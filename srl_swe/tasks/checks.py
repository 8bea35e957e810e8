"""The checks that registering and validating a task share: a test run that could not decide
anything (it hung, crashed, or could not collect its tests) stops with a typed outcome, the first
lines of the real error, and the fix to try. Never "no test fails" when nothing was collected."""

from __future__ import annotations

import re

from srl_swe.errors import TaskCheckFailed
from srl_swe.tasks.runners.base import MISSING, CollectionError
from srl_swe.tasks.testrun import TestRun

_ERROR_LINE = re.compile(r"^E\s+(\S.*)$", re.M)
_EXCEPTION_LINE = re.compile(r"^(\w+(?:\.\w+)*(?:Error|Exception|Exit|Interrupt)\b.*)$", re.M)
_IMPORT = re.compile(r"(ModuleNotFoundError|ImportError)\b")


def first_error(message: str) -> str:
    """The line of a traceback that says what went wrong (pytest's `E   ...`, else the exception)."""
    for pattern in (_ERROR_LINE, _EXCEPTION_LINE):
        found = pattern.findall(message)
        if found:
            return found[-1].strip()
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def describe(errors: list[CollectionError], limit: int = 3) -> str:
    shown = "; ".join(f"{e.where}: {first_error(e.message)}" for e in errors[:limit])
    return shown + (f" (and {len(errors) - limit} more)" if len(errors) > limit else "")


def collection_hint(errors: list[CollectionError]) -> str:
    if any(_IMPORT.search(e.message) for e in errors):
        return ("The package or a dependency is not importable: let the repo be installed (the default), "
                "add its dependencies with --requirement REQ, pass --install CMD, or run the tests as "
                "--test-command 'python -m pytest' from the repo root")
    return "Fix the error in the repo at this commit, or narrow the run with --test-scope files"


def tail(output: str, lines: int = 3) -> str:
    kept = [line for line in output.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept)[-400:] or "no output"


def check_ran(run: TestRun, when: str, timeout: float) -> TestRun:
    """`run` if it finished and reported tests or collection errors; else TaskCheckFailed saying
    why not (`when`: before/after the fix). Collection errors before a fix are the bug showing
    (a test imports what the fix adds); after it, `check_collected` refuses them."""
    if run.timed_out:
        raise TaskCheckFailed("error", f"the tests {when} the fix did not finish within {timeout:g} s",
                              "Fix the hanging test or raise --timeout")
    if any(status != MISSING for status in run.statuses.values()) or run.collection_errors:
        return run
    raise TaskCheckFailed("run_error", f"the test command reported no tests {when} the fix "
                          f"(exit {run.exit_code}): {tail(run.output)}",
                          "Check --test-command and --test-runner; the command must run the repo's tests")


def check_collected(run: TestRun, when: str) -> None:
    """Collection errors `when` the fix is in mean some tests could not even be loaded."""
    if run.collection_errors:
        raise TaskCheckFailed("collection_error", f"{when} the fix, {describe(run.collection_errors)}",
                              collection_hint(run.collection_errors))
