"""The edit-time check of SWE-agent's windowed `edit` and `insert`: a Python file is linted before
and after the edit, and only errors the edit introduced refuse it.

SWE-agent runs `flake8 --isolated --select=F821,F822,F831,E111,E112,E113,E999,E902`. The check
runs inside the sandbox with the repository's own Python, so syntax is judged by the version the
code runs on: with flake8 when the image has it, else with the standard library, which finds
the same syntax errors (E999) and indentation that is not a multiple of four (E111) but not
undefined names (F821/F822/F831, which need pyflakes)."""

from __future__ import annotations

import re
import shlex
import uuid
from dataclasses import dataclass

from srl_swe.errors import SandboxError
from srl_swe.sandbox.protocol import Sandbox

SELECT = "F821,F822,F831,E111,E112,E113,E999,E902"
_LINE = re.compile(r"^(.*?):(\d+):(\d+): (.*)$")
_SEPARATOR = "=====srl-swe-lint-next-file====="

# Runs in the sandbox: one report per path, flake8's `path:row:col: CODE message` lines.
_CHECK = r"""
import io, subprocess, sys, tokenize
try:
    import flake8  # noqa: F401
except ImportError:
    flake8 = None

def indent(line):
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())

def builtin(path):
    try:
        source = open(path, "rb").read()
    except OSError as exc:
        return [f"{path}:1:1: E902 {type(exc).__name__}: {exc}"]
    try:
        compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        row, col = getattr(exc, "lineno", None) or 1, (getattr(exc, "offset", None) or 0) + 1
        return [f"{path}:{row}:{col}: E999 {type(exc).__name__}: {exc.args[0]}"]
    errors, start = [], True
    for tok in tokenize.tokenize(io.BytesIO(source).readline):
        if tok.type in (tokenize.NEWLINE, tokenize.ENCODING):
            start = True
        elif tok.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.COMMENT):
            continue
        elif start:
            start = False
            if indent(tok.line) % 4:
                errors.append(f"{path}:{tok.start[0]}:{indent(tok.line) + 1}: E111 indentation is not a multiple of 4")
    return errors

for path in sys.argv[2:]:
    if flake8 is not None:
        run = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select=" + sys.argv[1], path],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        print(run.stdout.rstrip("\n"))
    else:
        print("\n".join(builtin(path)))
    print("=====srl-swe-lint-next-file=====")
"""


@dataclass(frozen=True)
class LintError:
    line: int
    col: int
    problem: str  # "E999 SyntaxError: invalid syntax"


def parse_report(report: str) -> list[LintError]:
    errors = []
    for raw in report.splitlines():
        match = _LINE.match(raw.strip())
        if match:
            errors.append(LintError(int(match[2]), int(match[3]), match[4]))
    return errors


def lint_files(sandbox: Sandbox, paths: list[str]) -> list[list[LintError]]:
    """Lint each path in the sandbox; an empty list for a path that is not a `.py` file."""
    py = [p for p in paths if p.endswith(".py")]
    reports: dict[str, list[LintError]] = {}
    if py:
        command = (
            f'"$(command -v python3 || command -v python)" - {SELECT} {" ".join(map(shlex.quote, py))} '
            f"<<'SRL_SWE_LINT'\n{_CHECK}\nSRL_SWE_LINT"
        )
        result = sandbox.run(command, timeout=60)
        parts = result.output.split(_SEPARATOR + "\n")
        if result.exit_code != 0 or len(parts) != len(py) + 1:
            raise SandboxError(f"The edit check (Python lint) failed in the sandbox: {result.output.strip()[-300:]}")
        reports = {p: parse_report(part) for p, part in zip(py, parts[:-1], strict=True)}
    return [reports.get(p, []) for p in paths]


def lint_staged(sandbox: Sandbox, text: str, paths: list[str]) -> list[list[LintError]]:
    """Lint `paths` and, last, `text` as a `.py` file: the text an edit proposes is checked from a
    staged copy, so the file itself changes only if it passes."""
    staged = f"/tmp/.srl_swe_lint_{uuid.uuid4().hex}.py"
    sandbox.write_file(staged, text.encode("utf-8"))
    try:
        return lint_files(sandbox, [*paths, staged])
    finally:
        sandbox.run(f"rm -f -- {staged}", timeout=30)


def new_errors(before: list[LintError], after: list[LintError], window: tuple[int, int] | None,
               replacement_lines: int = 0) -> list[LintError]:
    """Errors after the edit that it introduced. `window`: the replaced lines (SWE-agent passes
    0-based numbers here and compares them with 1-based ones; kept, so the same edits pass);
    errors before it keep their number, errors in it are not forgiven, errors after it move by
    the lines added. Without a window (replace-all) every error counts."""
    if window is None:
        return list(after)
    start, end = window
    shift = replacement_lines - (end - start + 1)
    known = {(e.line if e.line < start else e.line + shift, e.col, e.problem)
             for e in before if not start <= e.line <= end}
    return [e for e in after if (e.line, e.col, e.problem) not in known and e.line >= start]


def format_errors(errors: list[LintError]) -> str:
    return "\n".join(f"- {e.problem}" for e in errors)
