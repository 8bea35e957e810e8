"""SymPy's own runner, as SWE-bench runs it (`bin/test -C --verbose` and the test files).

Ids are test function names (`test_issue_1234`), as SWE-bench lists them. With --verbose each
test gets a line, its name, a space and a result: `ok`, `F` (failed), `E` (raised), `f`
(expected failure), `X` (passed though expected to fail), `s`, `w`, `K` (skipped: `reason s`,
`Slow w`, `KeyboardInterrupt K`) or `T` (timed out). The last test of a file also carries the
file's verdict, right-aligned (`[OK]`, `[FAIL]`). A file that did not import prints
`path[?]   Failed to import` instead of tests, and its traceback under a centred `path` header
after the run.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from srl_swe.tasks.patching import diff_paths
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
from srl_swe.tasks.runners.commands import task_command, with_option
from srl_swe.tasks.spec import TaskSpec

OUTCOMES = {"ok": PASSED, "F": FAILED, "E": ERROR, "T": ERROR, "f": XFAIL, "X": XPASS,
            "s": SKIPPED, "w": SKIPPED, "K": SKIPPED}
_TEST_LINE = re.compile(r"^(test_\w*)(?: (.*))?$")
_FILE_VERDICT = re.compile(r"\s*\[(?:OK|FAIL)\]$")
_IMPORT_FAILED = re.compile(r"^(\S+\.py)\[\?\]\s+Failed to import", re.M)
_SECTION = re.compile(r"^_+ (\S+) _+$", re.M)  # a centred header before a traceback after the run
_SECTION_END = re.compile(r"^[_=]{3,}", re.M)  # the next header, or the closing summary line


def is_test_file(path: str) -> bool:
    """A file bin/test collects: test_*.py."""
    name = posixpath.basename(path)
    return name.startswith("test_") and name.endswith(".py")


def outcome(text: str) -> str | None:
    """The status a result line ends with (`ok`, `F`, `reason s`, ...), None if it ends with none."""
    words = text.split()
    return OUTCOMES.get(words[-1]) if words else None


def test_statuses(output: str) -> dict[str, str]:
    statuses: dict[str, str] = {}
    pending: str | None = None  # a test whose result was pushed to a later line by its own output
    for raw in output.replace("\r\n", "\n").split("\n"):
        line = _FILE_VERDICT.sub("", raw).strip()
        match = _TEST_LINE.match(line)
        if match:
            pending, status = match[1], outcome(match[2] or "")
        elif pending and line in OUTCOMES:  # a bare result after the test's output
            status = OUTCOMES[line]
        else:
            continue
        if status:
            # One name in two files runs twice; SWE-bench keeps one status, the worse is the safe one.
            statuses[pending] = worse(statuses.get(pending, status), status)
            pending = None
    return statuses


def import_errors(output: str) -> list[CollectionError]:
    """Files that did not import, each with the last line of its traceback."""
    output = output.replace("\r\n", "\n")
    sections = {match[1]: match.end() for match in _SECTION.finditer(output)}
    errors = []
    for path in dict.fromkeys(_IMPORT_FAILED.findall(output)):
        message = "Failed to import"
        if path in sections:
            text = output[sections[path]:]
            end = _SECTION_END.search(text)
            lines = [line for line in text[: end.start() if end else None].split("\n")
                     if line.strip() and not line.startswith(" ")]
            if lines:
                message = f"Failed to import: {lines[-1].strip()}"
        errors.append(CollectionError(where=path, message=message))
    return errors


@dataclass(frozen=True)
class SympyRunner:
    name: str = "sympy"
    default_command: str = "PYTHONWARNINGS='ignore::UserWarning,ignore::SyntaxWarning' bin/test -C --verbose"
    targets_are_paths: bool = True

    def targets(self, spec: TaskSpec, test_ids: list[str]) -> list[str]:
        # A name does not say its file. With scope `files` the ids came from the test patch's
        # files; with scope `all` from the whole suite, which then runs again (no targets).
        if spec.test_scope == "all":
            return []
        return self.file_targets(spec, diff_paths(spec.test_patch))

    def file_targets(self, spec: TaskSpec, paths: list[str]) -> list[str]:
        return [path for path in paths if is_test_file(path)]

    def support_files(self, paths: RunPaths) -> dict[str, bytes]:
        return {}

    def command(self, spec: TaskSpec, paths: RunPaths) -> str:
        return with_option(task_command(spec, self.default_command), "--verbose", "-v")

    def parse(self, output: str, report: str | None) -> Parsed:
        return Parsed(statuses=test_statuses(output), collection_errors=import_errors(output))


RUNNER = SympyRunner()
