"""OpenHands' own event streams, and where the `openhands` format starts. OpenHands writes a run as
events, not chat messages: an evaluation `output.jsonl` record (`instance_id`, `instance` = the
SWE-bench row, `metadata.llm_config`, `test_result.git_patch` and after evaluation
`test_result.report.resolved`) keeps them under `history`; a saved trajectory
(`--save-trajectory-path`, replay files) is a JSON array of them. Any other `openhands` record is
chat messages (SWE-Gym, OpenHands' message modes): `openhands.py`.

An action event (`action`: run, edit, read, finish, think, message, run_ipython, ...) carries the
model's exact tool call in `tool_call_metadata.model_response` (matched by `tool_call_id`); older
events only `action` + `args` (or the arguments flat on the event). Its observation is the event
whose `cause` is the action's id (older streams: the next observation event). The observation is
the text the agent was shown, as OpenHands' `ConversationMemory` builds it: a command's output with
its metadata prefix/suffix, working directory, interpreter and exit-code lines
(`CmdOutputObservation.to_agent_observation`); an error's content with `[Error occurred in
processing last action]`; any other observation's `content` verbatim. Older run observations carry
no metadata and are kept as their `content`.

Not steps: user and system messages, the controller's `recall`; an agent `message` or `think` is a
thought carried to the next step. Actions with no tool here (IPython, browsing, MCP, delegation, the
LLM-based file editor) and a call OpenHands rejected before running it (an error observation with
no `cause`) are dropped, each with a reason in the report."""

from __future__ import annotations

from typing import Any

from srl_swe.errors import FormatError
from srl_swe.tools.actions import from_tool_call
from srl_swe.trajectories.importers import messages, openhands
from srl_swe.trajectories.importers.chat import Call
from srl_swe.trajectories.importers.common import (
    SkipRecord,
    join_thoughts,
    make_trajectory,
    problem_from_messages,
    step,
    task_id_of,
    text_of,
)
from srl_swe.trajectories.importers.detect import events_of
from srl_swe.trajectories.importers.report import ImportReport, Where
from srl_swe.trajectories.schema import Step, Trajectory

NAME = "openhands"
NO_TOOL = "OpenHands action with no tool here"
REJECTED = "turn without a valid action"  # the chat importers' reason for the same loss
NOT_STEPS = {"system", "recall", "change_agent_state", "null"}  # the controller's, not the agent's
_EDITOR_KEYS = ("command", "path", "file_text", "old_str", "new_str", "insert_line", "view_range")
_ERROR_NOTE = "\n[Error occurred in processing last action]"  # ConversationMemory adds it to an ErrorObservation


def convert(record: Any, where: Where, report: ImportReport) -> Trajectory:
    """An `openhands` record: an event stream here, else chat messages."""
    events = events_of(record)
    if events is None:
        return openhands.convert(record, where, report)
    return convert_events(record, events, where, report)


def convert_events(record: Any, events: list[dict], where: Where, report: ImportReport) -> Trajectory:
    meta = record if isinstance(record, dict) else {}
    observations = _observations_by_action(events)
    steps: list[Step] = []
    carried = ""  # agent messages and think calls: the next step's thought
    seen_responses: set[str] = set()  # a response's content is the thought of its first call only
    for index, event in enumerate(events):
        kind = event.get("action")
        if kind is None:
            if event.get("observation") == "error" and event.get("cause") is None and "id" in event:
                report.drop(where, REJECTED, f"event {index}: OpenHands rejected the call before running it: "
                            f"{text_of(event.get('content'))}")
            continue
        if kind in NOT_STEPS or event.get("source", "user" if kind == "message" else "agent") != "agent":
            continue
        if kind == "message":
            carried = join_thoughts(carried, _args(event).get("content") or event.get("message") or "")
            continue
        try:
            thought, call = _read(event, seen_responses)
        except FormatError as exc:
            report.drop(where, NO_TOOL, f"event {index}: action {kind!r}: {str(exc).splitlines()[0]}")
            carried = ""
            continue
        thought = join_thoughts(carried, thought)
        if isinstance(call, str):  # think
            carried = join_thoughts(thought, call)
            continue
        carried = ""
        seen = observations.get(id(event))
        steps.append(step(thought, call.action, _observation_text(seen) if seen is not None else ""))
    return make_trajectory(
        _task_id(record, where),
        _problem(meta, events),
        steps,
        where,
        report,
        source=NAME,
        resolved=_resolved(meta),
        diff=messages.diff_of(meta),
        model=((meta.get("metadata") or {}).get("llm_config") or {}).get("model"),
    )


def _read(event: dict, seen_responses: set[str]) -> tuple[str, Call | str]:
    """The thought and call of an action event (a str call: a `think`'s thought). The exact tool call
    the model made when the event has it, else one built from `action` + `args`."""
    args = _args(event)
    metadata = event.get("tool_call_metadata")
    response = metadata.get("model_response") if isinstance(metadata, dict) else None
    if isinstance(response, dict) and response.get("choices"):
        message = response["choices"][0].get("message") or {}
        call_id = metadata.get("tool_call_id")
        call = next((c for c in message.get("tool_calls") or [] if isinstance(c, dict) and c.get("id") == call_id),
                    None)
        if call is not None:
            first = response.get("id") not in seen_responses
            seen_responses.add(response.get("id"))
            thought = text_of(message.get("content")) if first else ""
            return thought, openhands.read_call(call, openhands.call_arguments(call))
    thought = str(args.get("thought") or "")
    kind = event.get("action")
    if kind == "think":
        return "", thought
    if kind == "run":
        openhands.check_not_process_input("execute_bash", args)
    return thought, Call(from_tool_call({"name": _tool_of(kind, args), "arguments": _arguments_of(kind, args)}))


def _tool_of(kind: str, args: dict) -> str:
    if kind == "run":
        return "execute_bash"
    if kind in ("read", "edit", "write") and (kind == "read" or args.get("command")):
        return "str_replace_editor"
    if kind == "finish":
        return "finish"
    if kind == "edit":
        raise FormatError("an edit by OpenHands' LLM-based file editor (no `command`); no tool here replays it")
    raise FormatError("no tool here runs it")


def _arguments_of(kind: str, args: dict) -> dict:
    if kind == "run":
        return {"command": args.get("command", "")}
    if kind == "read":
        view = {"command": "view", "path": args.get("path")}
        return view | ({"view_range": args["view_range"]} if args.get("view_range") is not None else {})
    if kind in ("edit", "write"):
        return {k: args[k] for k in _EDITOR_KEYS if args.get(k) is not None}
    return {}


def _args(event: dict) -> dict:
    """An event's arguments: `args`, or (older streams) the event's own fields."""
    args = event.get("args")
    return args if isinstance(args, dict) else event


def _observations_by_action(events: list[dict]) -> dict[int, dict]:
    """Each action event's observation (keyed by the action object's id()): by `cause`, else (older
    streams with no ids) the next observation after the action."""
    actions = {e["id"]: e for e in events if "action" in e and "id" in e}
    found: dict[int, dict] = {}
    waiting: dict | None = None
    for event in events:
        if "action" in event:
            waiting = event if "id" not in event else None
            continue
        cause = event.get("cause")
        action = actions.get(cause) if cause is not None else waiting
        if action is not None and id(action) not in found:
            found[id(action)] = event
        waiting = None
    return found


def _observation_text(event: dict) -> str:
    content = text_of(event.get("content"))
    kind = event.get("observation")
    if kind == "error":
        return content + _ERROR_NOTE
    extras = event.get("extras") if isinstance(event.get("extras"), dict) else {}
    metadata = extras.get("metadata")
    if kind == "run" and isinstance(metadata, dict):  # CmdOutputObservation.to_agent_observation
        text = f"{metadata.get('prefix') or ''}{content}{metadata.get('suffix') or ''}"
        if metadata.get("working_dir"):
            text += f"\n[Current working directory: {metadata['working_dir']}]"
        if metadata.get("py_interpreter_path"):
            text += f"\n[Python interpreter: {metadata['py_interpreter_path']}]"
        if metadata.get("exit_code", -1) != -1:
            text += f"\n[Command finished with exit code {metadata['exit_code']}]"
        return text
    return content


def _problem(meta: dict, events: list[dict]) -> str:
    instance = meta.get("instance")
    if isinstance(instance, dict) and isinstance(instance.get("problem_statement"), str):
        return instance["problem_statement"]
    issue = meta.get("issue")  # the resolver's output: the issue itself, without the instructions around it
    if isinstance(issue, dict) and isinstance(issue.get("body"), str):
        return "\n".join(str(t) for t in (issue.get("title"), issue["body"]) if t)  # as SWE-bench joins them
    first = next((_args(e).get("content") or e.get("message") for e in events
                  if e.get("action") == "message" and e.get("source", "user") == "user"), None)
    text = first if isinstance(first, str) and first else meta.get("instruction")
    if not isinstance(text, str):
        raise SkipRecord("bad record", "no problem statement: no `instance.problem_statement`, user message "
                         "or `instruction`")
    return problem_from_messages([{"role": "user", "content": text}])


def _resolved(meta: dict) -> bool | None:
    """`test_result.report.resolved`, written by OpenHands' evaluation; None before evaluation."""
    test_result = meta.get("test_result")
    report = test_result.get("report") if isinstance(test_result, dict) else None
    resolved = report.get("resolved") if isinstance(report, dict) else None
    return resolved if isinstance(resolved, bool) else None


def _task_id(record: Any, where: Where) -> str:
    """The record's instance id; an OpenHands resolver output (no id) names its issue: owner__repo-number."""
    issue = record.get("issue") if isinstance(record, dict) else None
    if isinstance(issue, dict) and {"owner", "repo", "number"} <= issue.keys() and "instance_id" not in record:
        return f"{issue['owner']}__{issue['repo']}-{issue['number']}"
    return task_id_of(record, where)
