"""OpenHands / SWE-Gym trajectories: OpenAI chat messages where each assistant turn carries
`tool_calls` (execute_bash, str_replace_editor, think, finish) answered by `tool` messages, under
`messages` (or `trajectory`, `history`), with `instance_id`, `resolved`, and the final diff in
`git_patch` or (SWE-Gym) `test_result.git_patch`. OpenHands' text mode (`<function=execute_bash>` in
the content, an unclosed last call included) is read too; the problem statement leaves out the
worked example that text mode puts before the task.

OpenHands tools take a few parameters ours do not (`is_input`, `timeout`, `security_risk`, finish's
`message`); they steer the runtime, not the action, so they are dropped. `think` is a thought, not a
step. An `execute_bash` call with `is_input` true types into a command still running (OpenHands
lets one run on past its soft timeout); here every command runs to its end, so such a turn is
dropped, with that reason. Any other tool (browser, IPython) has no counterpart here: the record
is skipped.

OpenHands' own event streams (evaluation `output.jsonl` records with a `history` of events, saved
trajectories) are read by `openhands_events`, which is where the `openhands` format starts."""

from __future__ import annotations

import re
from typing import Any

from srl_swe.errors import FormatError
from srl_swe.tools.actions import from_tool_call, parse, tool_arguments
from srl_swe.trajectories.importers import messages
from srl_swe.trajectories.importers.chat import Call, Turn
from srl_swe.trajectories.importers.common import SkipRecord, join_thoughts, text_of
from srl_swe.trajectories.importers.report import ImportReport, Where
from srl_swe.trajectories.schema import Trajectory

NAME = "openhands"

RUNTIME_PARAMETERS = {
    "is_input",
    "timeout",
    "security_risk",
    "impl_source",
    "message",
    "task_completed",
    "outputs",
    "thought",
}
_TEXT_INPUT = re.compile(r"<parameter=is_input>\s*true\s*</parameter>")
_TEXT_PARAMETER = re.compile(r"<parameter=(" + "|".join(sorted(RUNTIME_PARAMETERS)) + r")>.*?</parameter>\n?", re.S)


def check_not_process_input(name: str, arguments: dict) -> None:
    """FormatError for input to a running command (`is_input`: "true" in a call, true in an event)."""
    if name == "execute_bash" and str(arguments.get("is_input")).lower() == "true":
        raise FormatError(f"execute_bash with is_input true sends {str(arguments.get('command', ''))[:40]!r} to a "
                          "command still running; here each command runs to its end, so there is none to send it to")


def close_function(content: str) -> str:
    """OpenHands stops generation at `</function`, so a text-mode call may end unclosed (the last
    turn's `<function=finish>` often does); OpenHands closes it before parsing, and so does this."""
    if content.count("<function=") == 1 and "</function>" not in content:
        return content.rstrip() + "function>" if content.endswith("</") else content + "\n</function>"
    return content


def read_action(message: dict) -> Turn:
    content = text_of(message.get("content"))
    tool_calls = message.get("tool_calls")
    if not tool_calls:
        if "<function=think>" in content:
            return Turn(re.sub(r"</?(?:function|parameter)[^>]*>", "", content), [])
        if "<function=execute_bash>" in content and _TEXT_INPUT.search(content):
            command = re.search(r"<parameter=command>(.*?)(?:</parameter>|$)", content, re.S)
            check_not_process_input("execute_bash", {"is_input": "true", "command": command and command.group(1)})
        parsed = parse(_TEXT_PARAMETER.sub("", close_function(content)))
        return Turn(parsed.thought, [Call(parsed.action)])
    thought = content or text_of(message.get("reasoning_content"))
    calls = []
    for call in tool_calls:
        # Arguments that are not JSON, or keys typed into a running command: the turn is dropped (FormatError goes up).
        arguments = call_arguments(call)
        try:
            read = read_call(call, arguments)
        except FormatError as exc:
            raise SkipRecord("unsupported tool call", str(exc).splitlines()[0]) from exc
        if isinstance(read, str):
            thought = join_thoughts(thought, read)
        else:
            calls.append(read)
    return Turn(thought, calls)


def call_arguments(call: dict) -> dict:
    """An OpenHands tool call's arguments. FormatError when they are not JSON, or when the call types into a
    running command: the step is lost either way, whatever the tool."""
    function = call.get("function") or {}
    arguments = tool_arguments(str(function.get("name")), function.get("arguments"))
    check_not_process_input(str(function.get("name")), arguments)
    return arguments


def read_call(call: dict, arguments: dict) -> Call | str:
    """One OpenHands tool call with its `arguments` (call_arguments): our action (runtime parameters left out), or a
    `think` call's thought. Raises FormatError for a tool we have no counterpart of."""
    function = call.get("function", {})
    if function.get("name") == "think":
        return str(arguments.get("thought", ""))
    kept = {k: v for k, v in arguments.items() if k not in RUNTIME_PARAMETERS}
    return Call(from_tool_call({"name": function.get("name"), "arguments": kept}), call.get("id"))



def convert(record: Any, where: Where, report: ImportReport) -> Trajectory:
    return messages.convert(record, where, report, source=NAME, reader=read_action)
