"""What every test runner gives the harness: how to run a set of tests in a container, and how to
read back the status of each test, under the id that runner itself prints and accepts back.

Statuses: PASSED, FAILED, ERROR, SKIPPED, XFAIL, XPASS; MISSING is the harness's own word for a
requested id that no run reported. How they count follows SWE-bench's grading: a test passes
when it PASSED or XFAILed; XPASS and SKIPPED count as neither a pass nor a failure when tasks are
registered (such tests are left out of FAIL_TO_PASS and PASS_TO_PASS) and as not passing when a
listed test is graded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from srl_swe.tasks.spec import TaskSpec

PASSED, FAILED, ERROR, SKIPPED, XFAIL, XPASS, MISSING = (
    "PASSED",
    "FAILED",
    "ERROR",
    "SKIPPED",
    "XFAIL",
    "XPASS",
    "MISSING",
)
PASSING = frozenset({PASSED, XFAIL})
_WORST_FIRST = (ERROR, FAILED, XPASS, SKIPPED, XFAIL, PASSED)


def worse(a: str, b: str) -> str:
    """The worse of two statuses of one test (a passing call with an erroring teardown is ERROR)."""
    return a if _WORST_FIRST.index(a) <= _WORST_FIRST.index(b) else b


class CollectionError(BaseModel):
    """A file or module the runner could not load: where, and the first lines of the error."""

    model_config = ConfigDict(extra="forbid")

    where: str
    message: str


class Parsed(BaseModel):
    """What one run reported: a status per test id, what could not be collected, and the
    requested ids the runner said it does not know (never silently dropped)."""

    model_config = ConfigDict(extra="forbid")

    statuses: dict[str, str] = Field(default_factory=dict)
    collection_errors: list[CollectionError] = Field(default_factory=list)
    not_found: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class RunPaths:
    """Paths inside the container for one run, all in a scratch folder outside the repo."""

    dir: str  # the scratch folder (created before the run, removed after)
    report: str  # where a runner with a reporting plugin writes its results
    ids: str  # the requested ids, one per line (an empty file when a whole scope runs)


class TestRunner(Protocol):
    """One test runner. The harness writes `support_files` and the ids file, then runs
    `command(...)` followed by the targets (one shell word each) in the workdir, in a subshell."""

    name: str
    default_command: str  # the task's test_command when none is given
    targets_are_paths: bool  # targets are files: those missing from the tree are left out of the run

    def targets(self, spec: TaskSpec, test_ids: list[str]) -> list[str]:
        """What to name on the command line so that these ids run (files, modules, labels)."""
        ...

    def file_targets(self, spec: TaskSpec, paths: list[str]) -> list[str]:
        """What to name on the command line to run the tests of these repo files (test scope `files`)."""
        ...

    def support_files(self, paths: RunPaths) -> dict[str, bytes]:
        """Files (absolute container paths) written before the run, e.g. a reporting plugin."""
        ...

    def command(self, spec: TaskSpec, paths: RunPaths) -> str:
        """The shell command before the targets: the task's test_command and this runner's options."""
        ...

    def parse(self, output: str, report: str | None) -> Parsed:
        """Statuses from the run's combined output and its report file's text (None if not written)."""
        ...
