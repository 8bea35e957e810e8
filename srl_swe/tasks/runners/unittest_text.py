"""Reading what unittest's text runner prints at verbosity 2 (`python -m unittest -v`, Django's
`runtests.py --verbosity 2`): one result per test, then a block per failure.

A test's line is its description, `test_x (pkg.mod.Class)` before Python 3.11 and
`test_x (pkg.mod.Class.test_x)` since, then ` ... ` and the result. A test with a docstring
prints the description alone, then the docstring's first line, ` ... ` and the result. What
the test itself prints can land between ` ... ` and the result (stdout and stderr interleave), so
a result may come on a later line of its own. Failure blocks (`FAIL: <description>` under a rule
of `=`) name every failing test again, subtests (`... (i=1)`) and class or module fixtures too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from srl_swe.tasks.runners.base import ERROR, FAILED, PASSED, SKIPPED, XFAIL, XPASS, CollectionError

RESULTS = {"ok": PASSED, "FAIL": FAILED, "ERROR": ERROR, "expected failure": XFAIL, "unexpected success": XPASS}
BLOCK_STATUS = {"FAIL": FAILED, "ERROR": ERROR, "UNEXPECTED SUCCESS": XPASS}
FIXTURES = frozenset({"setUpClass", "tearDownClass", "setUpModule", "tearDownModule"})
FAILED_TEST = "unittest.loader._FailedTest"  # what unittest loads in place of a module or name it cannot import

_SEP = " ... "
_RULE = "=" * 70
_DASHES = "-" * 70
# `name (where)` then subtest parameters; searched at the end of the text before ` ... `, since
# output the test wrote to stdout without a newline can come first.
_DESCRIPTION = re.compile(
    r"(?P<name>[A-Za-z_]\w*) \((?P<where>[A-Za-z_][\w.]*)\)(?P<params>(?: \[.*?\])?(?: \(.*\))?)$"
)
# A block's header holds the description alone (a module that failed to import is named dotted).
_HEADER = re.compile(r"^(?P<name>[A-Za-z_][\w.]*) \((?P<where>[A-Za-z_][\w.]*)\)(?P<params>.*)$")
_RESULT = re.compile(r"^(ok|FAIL|ERROR|expected failure|unexpected success|skipped\b.*)$")
_BLOCK_HEAD = re.compile(r"^(FAIL|ERROR|UNEXPECTED SUCCESS): (.+)$")
_IMPORT_FAILED = re.compile(r"^ImportError: Failed to import test module: (\S+)", re.M)


@dataclass(frozen=True)
class Description:
    """One test as unittest printed it: `name (where)params`, and the docstring line if any."""

    name: str
    where: str
    params: str = ""  # a subtest's ` [msg] (i=1)`
    doc: str = ""

    @property
    def text(self) -> str:
        return f"{self.name} ({self.where}){self.params}"

    @property
    def dotted_id(self) -> str | None:
        """The name `python -m unittest` accepts back, or None for what is not a test method
        (a module that failed to import, a class or module fixture)."""
        if self.where == FAILED_TEST or self.where.startswith(FAILED_TEST + "."):
            return None
        if self.where.endswith("." + self.name):  # Python >= 3.11 prints the full id
            return self.where
        if self.name in FIXTURES:
            return None
        return f"{self.where}.{self.name}"


@dataclass(frozen=True)
class Block:
    """One failure block after the run."""

    status: str
    test: Description | None  # None when the header is not a test description
    body: str  # the traceback and message


def result_status(text: str) -> str | None:
    """The status of a result word unittest prints after ` ... `, None if `text` is none."""
    if not _RESULT.match(text):
        return None
    return SKIPPED if text.startswith("skipped") else RESULTS[text]


def find_description(text: str) -> tuple[Description, int] | None:
    """The test description that ends `text`, and where it starts in it."""
    match = _DESCRIPTION.search(text)
    if not match:
        return None
    return Description(match["name"], match["where"], match["params"]), match.start()


def results(output: str) -> Iterator[tuple[Description, str]]:
    """(test, status) for each result printed, in order; a test whose result never came (its run
    was cut short, or only its subtests reported) is left out."""
    pending: Description | None = None  # printed, its result not seen yet
    awaiting_doc = False  # the description stood alone on its line: the docstring line comes next
    for line in normalise(output).split("\n"):
        if awaiting_doc:
            awaiting_doc = False
            doc, sep, tail = line.rpartition(_SEP)  # the docstring's first line may hold ` ... ` too
            if pending and sep:
                pending = replace(pending, doc=doc.strip())
                if status := result_status(tail.strip()):
                    yield pending, status
                    pending = None
                continue
        if pending and (status := result_status(line.strip())):  # after output the test printed
            yield pending, status
            pending = None
            continue
        for test, tail in _started(line):
            pending, awaiting_doc = test, tail is None
            if tail is not None and (status := result_status(tail.strip())):
                yield test, status
                pending = None


def _started(line: str) -> Iterator[tuple[Description, str | None]]:
    """The tests whose description is on this line, each with what follows its ` ... ` (None when
    the description stands alone: its docstring line comes next). Before Python 3.11 a test whose
    subtests failed prints no result, so the next test's line continues its line."""
    text = line
    while True:
        head, sep, tail = text.partition(_SEP)
        found = find_description(head.rstrip())
        if not found:
            return
        test, start = found
        if not sep:
            if not head[:start].strip():
                yield test, None
            return
        yield test, tail
        if result_status(tail.strip()):
            return
        text = tail


def blocks(output: str) -> list[Block]:
    """The failure blocks printed after the run."""
    found = []
    for chunk in normalise(output).split("\n" + _RULE + "\n")[1:]:
        lines = chunk.split("\n")
        head = _BLOCK_HEAD.match(lines[0])
        if not head or _DASHES not in lines:
            continue  # a run cut short, or a rule the tests printed
        dashes = lines.index(_DASHES)
        body_end = lines.index(_DASHES, dashes + 1) if _DASHES in lines[dashes + 1:] else len(lines)
        described = _HEADER.match(head[2])
        test = Description(described["name"], described["where"], described["params"]) if described else None
        if test and dashes == 2:
            test = replace(test, doc=lines[1].strip())
        found.append(Block(BLOCK_STATUS[head[1]], test, "\n".join(lines[dashes + 1:body_end]).strip()))
    return found


def collection_errors(found: list[Block]) -> list[CollectionError]:
    """Modules that did not import and class or module fixtures that failed: their tests have no
    result of their own."""
    errors = []
    for block in found:
        if block.test is None or block.test.dotted_id is not None:
            continue
        imported = _IMPORT_FAILED.search(block.body)
        # A name that did not load is unittest's test name; a fixture's is its class or module.
        where = imported[1] if imported else block.test.where if block.test.name in FIXTURES else block.test.name
        message = block.body.split("\n", 1)[0]
        last = exception_line(block.body)
        if last and last != message:
            message = f"{message}\n{last}"
        if block.test.name in FIXTURES:
            message = f"{block.test.name}: {last or message}"
        errors.append(CollectionError(where=where, message=message))
    return errors


def exception_line(body: str) -> str:
    """The last line of a traceback that is not a frame: the exception and its message."""
    lines = [line for line in body.split("\n") if line.strip() and not line.startswith(" ")]
    return lines[-1].strip() if lines else ""


def normalise(output: str) -> str:
    """Output as unittest wrote it: a terminal's carriage returns dropped."""
    return output.replace("\r\n", "\n")
