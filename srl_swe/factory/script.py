"""The scripted expert's steps for one task: run the failing tests, search for the code, view it,
edit it with `str_replace_editor`, rerun the tests, submit. The gold patch decides what to edit;
everything else comes from what an agent can see in the container: the files of the base commit
(read here from the task's repo bundle, the same files /testbed holds) and the tests' output
(each thought is written from the previous step's observation). Tests that the task's hidden
test patch adds or changes are never run or named: only tests already in the repo are."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from srl_swe.errors import TaskError
from srl_swe.factory.hunks import FilePatch, Replacement, defining_symbol, file_replacements, new_file_text, parse_patch
from srl_swe.tasks.patching import diff_paths
from srl_swe.tasks.runners import get_runner
from srl_swe.tasks.runners.commands import task_command, with_option
from srl_swe.tasks.spec import TaskSpec
from srl_swe.tools.actions import Action, canonical, make_action, parse

MAX_IDS_RUN = 8  # failing tests named on one command line; more run as their files
MAX_STEPS = 150
VIEW_MARGIN = 3  # lines shown above and below a hunk
_DEFINITION = re.compile(r"^\s*((?:async\s+)?def|class|function|func|fn)\s+(\w+)")
_ERROR_LINE = re.compile(r"^(E\s+\S.*|(?:\w+\.)*\w*(?:Error|Exception)\b.*|AssertionError.*)$")

Thought = Callable[[str], str]  # the previous step's observation -> this step's thought


class BaseFiles(Protocol):
    """The repo's files at the base commit, as the agent finds them in the container."""

    def read(self, path: str) -> str | None: ...  # None: no such file

    def exists(self, path: str) -> bool: ...  # a file or a folder


@dataclass(frozen=True)
class PlannedStep:
    thought: Thought
    action: Action


def plan_steps(spec: TaskSpec, files: BaseFiles) -> list[PlannedStep]:
    """The whole script. TaskError (one line) when the task cannot be scripted: no patch, a binary
    or non-text change, a hunk that does not match the base files, an action that does not survive
    its own text form."""
    patches = parse_patch(spec.patch)
    if not patches:
        raise TaskError(f"{spec.instance_id}: the task has no gold patch to script an expert from.")
    wd = spec.workdir.rstrip("/") or "/"
    ids, test_files = _tests_to_run(spec, files)
    failing = _failing_run(spec, wd, ids, files)
    steps: list[PlannedStep] = []
    if ids:
        steps.append(_bash(lambda _: "Let me run the failing tests first, to see how they fail.", failing))
    elif test_files:
        steps.append(_bash(lambda _: f"Let me run the existing tests in {', '.join(test_files)} first, to see where "
                                     "things stand.", _run_files(spec, wd, test_files)))
    for number, patch in enumerate(patches):
        steps += _file_steps(patch, files, wd, _context(number, bool(ids), bool(test_files)), first=number == 0)
    if ids:
        steps.append(_bash(lambda _: "Now rerun the failing tests.", failing))
    if test_files:
        steps.append(_bash(lambda obs: f"{_verdict(obs)} Now the whole test file(s), to check that nothing else "
                                       "broke." if ids else "Rerun the existing tests, to check that nothing broke.",
                           _run_files(spec, wd, test_files)))
    last = bool(ids or test_files)
    steps.append(PlannedStep(lambda obs: f"{_verdict(obs)} Submitting." if last else "The edits are in. Submitting.",
                             make_action("submit", {})))
    if len(steps) > MAX_STEPS:
        raise TaskError(f"{spec.instance_id}: the script has {len(steps)} steps, more than {MAX_STEPS}.")
    for step in steps:
        if parse(canonical(step.action)).action != step.action:
            raise TaskError(f"{spec.instance_id}: a {step.action.name} action does not survive its text form "
                            "(the file holds tool-call markup); it cannot be scripted.")
    return steps


def _context(number: int, ran_ids: bool, ran_files: bool) -> Thought:
    """What the first step after the test run says about that run ("" where there is none)."""
    if number:
        return lambda _: ""
    if ran_ids:
        return _failure
    if ran_files:
        return lambda obs: f"{_verdict(obs)} The existing tests do not show the problem."
    return lambda _: ""


def _say(*sentences: str) -> str:
    return " ".join(s for s in sentences if s)


def _file_steps(patch: FilePatch, files: BaseFiles, wd: str, context: Thought, first: bool) -> list[PlannedStep]:
    path = patch.path
    absolute = posixpath.join(wd, path)
    if patch.binary:
        raise TaskError(f"{path}: the patch changes it as binary data; the editor handles text only.")
    if patch.new_path is None:
        return [_bash(lambda obs: _say(context(obs), f"{path} is not needed any more; remove it."),
                      f"rm {shlex.quote(absolute)}")]
    if patch.old_path is None:
        folder = posixpath.dirname(path)
        where = posixpath.join(wd, folder) if folder else wd
        look = f"ls {shlex.quote(where)}" if not folder or files.exists(folder) else f"mkdir -p {shlex.quote(where)}"
        return [
            _bash(lambda obs: _say(context(obs), f"The fix needs a new file, {path}; first a look at where it goes."),
                  look),
            PlannedStep(lambda _: f"Create {path}.", make_action(
                "str_replace_editor", {"command": "create", "path": absolute, "file_text": new_file_text(patch)})),
        ]
    text = files.read(patch.old_path)
    if text is None:
        raise TaskError(f"{patch.old_path}: the patch edits it but the base commit has no such file.")
    steps: list[PlannedStep] = []
    if patch.old_path != patch.new_path:
        steps.append(_bash(lambda obs: _say(context(obs), f"{patch.old_path} moves to {path}."),
                           f"mv {shlex.quote(posixpath.join(wd, patch.old_path))} {shlex.quote(absolute)}"))
        context, first = (lambda _: ""), False
    replacements, _ = file_replacements(path, text, patch.hunks)
    if not replacements:
        return steps
    steps.append(_search(replacements, text, path, wd, context, "Let me find" if first else "Next, let me find"))
    for number, replacement in enumerate(replacements):
        steps += _hunk_steps(replacement, absolute, path, first=number == 0)
    return steps


def _search(replacements: list[Replacement], text: str, path: str, wd: str, context: Thought,
            find: str) -> PlannedStep:
    """grep for the definition that holds a change (the first hunk inside one: an import added at
    the top says little), else for the first changed line, else find the file by name."""
    lines = text.split("\n")
    shift, found = 0, None
    for replacement in replacements:  # line numbers of later hunks are after the earlier edits
        found = defining_symbol(lines, replacement.changed_line - shift, _definition)
        if found:
            break
        shift += replacement.added - replacement.removed
    extension = posixpath.splitext(path)[1]
    include = f" --include={shlex.quote('*' + extension)}" if extension else ""
    grep = f"cd {shlex.quote(wd)} && grep -rn --exclude-dir=.git{include}"
    if found:
        return _bash(lambda obs: _say(context(obs), f"{find} where `{found.split()[-1]}` is defined."),
                     f"{grep} {shlex.quote(found)} .")
    at = replacements[0].changed_line
    anchor = next((line.strip() for line in lines[max(at - 2, 0):at + 2] if line.strip()), "")
    if anchor:
        return _bash(lambda obs: _say(context(obs), f"{find} the code this is about."),
                     f"{grep} -F -- {shlex.quote(anchor)} .")
    name = posixpath.basename(path)
    return _bash(lambda obs: _say(context(obs), f"{find} {name}."),
                 f"cd {shlex.quote(wd)} && find . -name {shlex.quote(name)}")


def _definition(line: str) -> str | None:
    match = _DEFINITION.match(line)
    return f"{match.group(1)} {match.group(2)}" if match else None


def _hunk_steps(replacement: Replacement, absolute: str, path: str, first: bool) -> list[PlannedStep]:
    low, high = replacement.view
    where = f"lines {low}-{high}" if high > low else f"line {low}"
    seen: Thought = ((lambda _: f"It is in {path}. Let me view {where}.") if first
                     else (lambda _: f"There is more to change further down in {path}; let me view {where}."))
    view = {"command": "view", "path": absolute, **({"view_range": [low, high]} if high >= low > 0 else {})}
    return [
        PlannedStep(seen, make_action("str_replace_editor", view)),
        PlannedStep(lambda _: _edit_thought(replacement), make_action("str_replace_editor", {
            "command": "str_replace", "path": absolute, "old_str": replacement.old_str,
            "new_str": replacement.new_str})),
    ]


def _edit_thought(r: Replacement) -> str:
    at = r.changed_line
    span = f"line {at}" if r.removed <= 1 else f"lines {at}-{at + r.removed - 1}"
    if not r.removed:
        return f"This is the place: I'll add {_count(r.added)} after line {at - 1}."
    if not r.added:
        return f"This is the problem: {span} must go. I'll remove {'it' if r.removed == 1 else 'them'}."
    if r.added == r.removed:
        return f"This is the problem: {span}. I'll correct {'it' if r.removed == 1 else 'them'}."
    return f"This is the problem: {span}. I'll replace {'it' if r.removed == 1 else 'them'} with {_count(r.added)}."


def _count(lines: int) -> str:
    return f"{lines} line{'s' if lines != 1 else ''}"


# -- tests ---------------------------------------------------------------------------------------
def _tests_to_run(spec: TaskSpec, files: BaseFiles) -> tuple[list[str], list[str]]:
    """(the failing tests the agent can run, the existing test files that hold the failing tests).
    A test is runnable only where the task has no test patch or its file is one the patch leaves
    alone: a test the hidden test patch adds or changes is not in the container."""
    hidden = set(diff_paths(spec.test_patch))
    located = [(test_id, _test_file(test_id, files)) for test_id in spec.FAIL_TO_PASS]
    ids = [test_id for test_id, path in located if path is not None and path not in hidden]
    test_files = list(dict.fromkeys(path for _, path in located if path is not None))
    return ids, test_files[:5]


def _failing_run(spec: TaskSpec, wd: str, ids: list[str], files: BaseFiles) -> str:
    """The failing tests by id, or their files when there are too many ids for one command line."""
    if len(ids) <= MAX_IDS_RUN:
        return _run(spec, wd, ids)
    return _run_files(spec, wd, list(dict.fromkeys(str(_test_file(i, files)) for i in ids)))


def _test_file(test_id: str, files: BaseFiles) -> str | None:
    """The repo file a test id lives in: pytest's node id names it; dotted ids (unittest, Django's
    `name (module.Class)`) name a module, found as the longest prefix that is a file."""
    if "::" in test_id:
        path = test_id.split("::")[0]
        return path if files.read(path) is not None else None
    dotted = re.search(r"\(([\w.]+)\)", test_id)
    parts = (dotted.group(1) if dotted else test_id.split(" ")[0].split("[")[0]).split(".")
    for end in range(len(parts), 0, -1):
        path = "/".join(parts[:end]) + ".py"
        if files.read(path) is not None:
            return path
    return None


def _command(spec: TaskSpec) -> str:
    runner = get_runner(spec.test_runner)
    command = task_command(spec, runner.default_command)
    return with_option(command, "-q", "--quiet", "-v", "--verbose", "-vv") if runner.name == "pytest" else command


def _run(spec: TaskSpec, wd: str, ids: list[str]) -> str:
    return f"cd {shlex.quote(wd)} && {_command(spec)} {' '.join(shlex.quote(i) for i in ids)}"


def _run_files(spec: TaskSpec, wd: str, paths: list[str]) -> str:
    targets = get_runner(spec.test_runner).file_targets(spec, paths) or paths
    return f"cd {shlex.quote(wd)} && {_command(spec)} {' '.join(shlex.quote(t) for t in targets)}"


def _bash(thought: Thought, command: str) -> PlannedStep:
    return PlannedStep(thought, make_action("bash", {"command": command}))


def _last_line(observation: str) -> str:
    lines = [line.strip() for line in observation.splitlines() if line.strip() and not line.startswith("[exit code")]
    return lines[-1][:160] if lines else ""


def _failure(observation: str) -> str:
    """The first error line of a failing run, as the agent reads it."""
    error = next((line.strip() for line in observation.splitlines() if _ERROR_LINE.match(line.strip())), None)
    line = error or _last_line(observation)
    return f"They fail: `{line[:160]}`." if line else "They fail."


def _verdict(observation: str) -> str:
    """Whether a test run passed (the bash tool notes a non-zero exit code), and its summary line."""
    summary = _last_line(observation)
    quoted = f" (`{summary}`)" if summary else ""
    return f"Some fail{quoted}." if "[exit code" in observation else f"All pass{quoted}."
