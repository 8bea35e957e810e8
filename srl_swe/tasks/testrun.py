"""Running a task's tests in a sandbox and reading the result of each test.

Results come from pytest's junit XML (written outside the repo), with pytest's `-rA` summary as
the fallback when no XML was written; never from the exit code alone. Requested ids are pytest
node ids; the harness runs the files that hold them (as SWE-bench does, so that one missing id
does not abort the run) and reports each requested id. Statuses follow SWE-bench's grading: an
expected failure (xfail) counts as PASSED.
"""

from __future__ import annotations

import re
import shlex
import uuid
import xml.etree.ElementTree as ET

from pydantic import BaseModel, ConfigDict

from srl_swe.sandbox.protocol import Sandbox
from srl_swe.tasks.spec import TaskSpec

PASSED, FAILED, ERROR, SKIPPED, MISSING = "PASSED", "FAILED", "ERROR", "SKIPPED", "MISSING"
_WORST_FIRST = (ERROR, FAILED, SKIPPED, PASSED)
_RA_LINE = re.compile(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS) (\S+?)(?: - .*)?$", re.M)
_RA_STATUS = {"PASSED": PASSED, "FAILED": FAILED, "ERROR": ERROR, "XFAIL": PASSED, "XPASS": PASSED}


class TestRun(BaseModel):
    """Per-test statuses of one run. `report_found`: pytest wrote its junit XML (else -rA was parsed)."""

    __test__ = False  # not a pytest test class
    model_config = ConfigDict(extra="forbid")

    statuses: dict[str, str]
    output: str
    exit_code: int
    timed_out: bool = False
    report_found: bool = True
    duration: float = 0.0

    def passed(self, test_id: str) -> bool:
        return self.statuses.get(test_id) == PASSED


def pytest_command(spec: TaskSpec, report: str, targets: list[str]) -> str:
    """The shell command: the task's pytest invocation plus our options and the targets."""
    options = f"-rA -p no:cacheprovider -o junit_family=xunit1 --junitxml={shlex.quote(report)}"
    return f"{spec.test_command} {options} {' '.join(shlex.quote(t) for t in targets)}".rstrip()


def run_tests(sandbox: Sandbox, spec: TaskSpec, test_ids: list[str], timeout: float = 600) -> TestRun:
    """Run the files holding `test_ids` and return a status for each requested id."""
    files = list(dict.fromkeys(test_id.split("::")[0] for test_id in test_ids))
    if not files:
        return TestRun(statuses={}, output="", exit_code=0)
    # Files a diff deleted are left out (pytest would abort on them); their tests are MISSING.
    keep = (f"_t=(); for _f in {' '.join(shlex.quote(f) for f in files)}; do [ -e \"$_f\" ] && _t+=(\"$_f\"); done; "
            '[ ${#_t[@]} -gt 0 ] || { echo "none of the test files exist"; exit 5; }; ')
    run, by_mangled = _run(sandbox, spec, timeout, prefix=keep, targets='"${_t[@]}"')
    run.statuses = {
        test_id: run.statuses.get(test_id) or by_mangled.get(mangle(test_id)) or MISSING for test_id in test_ids
    }
    return run


def run_all_tests(sandbox: Sandbox, spec: TaskSpec, timeout: float = 600) -> TestRun:
    """Run the task's whole test command; statuses of every test pytest reported."""
    return _run(sandbox, spec, timeout, prefix="", targets="")[0]


def _run(sandbox: Sandbox, spec: TaskSpec, timeout: float, prefix: str, targets: str) -> tuple[TestRun, dict]:
    """One pytest run in a subshell (the sandbox's own cwd and variables stay as they were)."""
    report = f"/tmp/srl_swe/junit-{uuid.uuid4().hex[:12]}.xml"
    command = f"{pytest_command(spec, report, [])} {targets}".rstrip()  # targets: shell words, already quoted
    script = f"(mkdir -p /tmp/srl_swe && cd {shlex.quote(spec.workdir)} && {prefix}{command})"
    result = sandbox.run(script, timeout=timeout)
    try:
        cases, found = parse_junit_cases(sandbox.read_file(report).decode("utf-8", "replace")), True
        sandbox.run(f"rm -f {report}", timeout=30)
    except (FileNotFoundError, ET.ParseError):  # not written (or cut short by a kill): read -rA instead
        cases, found = [], False
    statuses = _merge((node_id(c, n, f), s) for c, n, f, s in cases) if found else parse_rA(result.output)
    by_mangled = _merge(((c, n), s) for c, n, _f, s in cases)
    run = TestRun(statuses=statuses, output=result.output, exit_code=result.exit_code,
                  timed_out=result.timed_out, report_found=found, duration=result.duration)
    return run, by_mangled


# -- reading pytest's reports ----------------------------------------------------------------------
def mangle(node_id: str) -> tuple[str, str]:
    """(classname, name) that pytest's junit XML writes for a node id (pytest's mangle_test_address)."""
    path, bracket, params = node_id.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


def node_id(classname: str, name: str, file: str | None) -> str:
    """The node id back from a junit testcase; `file` (xunit1) tells the module from the classes."""
    if file:
        module = re.sub(r"\.py$", "", file.replace("/", "."))
        if classname == module or classname.startswith(module + "."):
            classes = [c for c in classname[len(module) + 1:].split(".") if c]
            return "::".join([file, *classes, name])
    parts = classname.split(".")
    return "::".join(["/".join(parts) + ".py", name]) if classname else name


def parse_junit_cases(text: str) -> list[tuple[str, str, str | None, str]]:
    """(classname, name, file, status) for every testcase of a junit XML report."""
    cases = []
    for case in ET.fromstring(text).iter("testcase"):
        status = PASSED
        for child in case:
            if child.tag == "failure":
                status = _worse(status, FAILED)
            elif child.tag == "error":
                status = _worse(status, ERROR)
            elif child.tag == "skipped" and child.get("type") != "pytest.xfail":
                status = _worse(status, SKIPPED)
        cases.append((case.get("classname", ""), case.get("name", ""), case.get("file"), status))
    return cases


def parse_junit(text: str) -> dict[str, str]:
    """Node id -> status for every testcase of a junit XML report."""
    return _merge((node_id(c, n, f), s) for c, n, f, s in parse_junit_cases(text))


def _merge(pairs) -> dict:
    """A test reported twice (a failing call and a failing teardown) keeps its worse status."""
    merged: dict = {}
    for key, status in pairs:
        merged[key] = _worse(merged.get(key, PASSED), status)
    return merged


def parse_rA(output: str) -> dict[str, str]:
    """Node id -> status from pytest's `-rA` short summary (SKIPPED lines there carry no node id)."""
    return {match.group(2): _RA_STATUS[match.group(1)] for match in _RA_LINE.finditer(output)}


def _worse(a: str, b: str) -> str:
    return a if _WORST_FIRST.index(a) <= _WORST_FIRST.index(b) else b
