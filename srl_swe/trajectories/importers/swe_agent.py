"""SWE-agent `.traj` files: {"trajectory": [{"action", "observation", "thought", "response", ...}],
"history": [... OpenAI-style messages, assistant ones with `tool_calls` ...], "info": {"submission",
"exit_status", ...}, "replay_config": "<json>"}.

The action of step k comes from the best source present: the step's (or the matching history
message's) `tool_calls`; else a `<function=...>` call in its response; else its command line
(`str_replace_editor view /testbed --view_range 1 20`, `submit`, or a bash command). SWE-agent 0.x
commands (`open`, `edit`, `find_file`, ...) have no tool here, so such trajectories are skipped."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from srl_swe.errors import FormatError
from srl_swe.tools.actions import Action, bash, make_action, parse, parse_tool_calls, submit
from srl_swe.trajectories.importers.common import SkipRecord, make_trajectory, problem_from_messages, step
from srl_swe.trajectories.importers.report import ImportReport, Where
from srl_swe.trajectories.schema import Trajectory

NAME = "swe-agent"

LEGACY_COMMANDS = {
    "open", "goto", "scroll_up", "scroll_down", "create", "edit", "search_dir", "search_file", "find_file", "filemap",
}  # fmt: skip
_LIST_FLAGS = {"view_range"}
# Only the editor's own flags start a new argument, so a value such as `--new_str '--verbose'` stays a value.
_EDITOR_FLAGS = {"file_text", "old_str", "new_str", "insert_line", "view_range"}


def action_from_command(command: str) -> Action:
    """A SWE-agent action string -> an Action."""
    text = command.strip()
    head = text.split(maxsplit=1)[0] if text else ""
    if head == "submit":
        return submit()
    if head == "str_replace_editor":
        return _editor(text)
    if head in LEGACY_COMMANDS:
        raise SkipRecord("unsupported tool call", f"SWE-agent 0.x command {head!r} has no equivalent tool here")
    if not text:
        raise FormatError("empty action")
    return bash(text)


def _editor(text: str) -> Action:
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise FormatError(f"cannot split editor command ({exc})") from exc
    if len(tokens) < 3:
        raise FormatError(f"editor command needs a subcommand and a path: {text[:80]!r}")
    arguments: dict[str, Any] = {"command": tokens[1], "path": tokens[2]}
    key = None
    for token in tokens[3:]:
        if token.startswith("--") and token[2:] in _EDITOR_FLAGS:
            key = token[2:]
            arguments[key] = [] if key in _LIST_FLAGS else None
        elif key is None:
            raise FormatError(f"unexpected editor argument {token[:40]!r}")
        elif key in _LIST_FLAGS:
            arguments[key].append(int(token))
        else:
            arguments[key] = token if arguments[key] is None else f"{arguments[key]} {token}"
    return make_action("str_replace_editor", {k: ("" if v is None else v) for k, v in arguments.items()})


def _step_action(item: dict, history_calls: list | None) -> Action:
    calls = item.get("tool_calls") or history_calls
    if calls:
        return parse_tool_calls(calls)
    response = item.get("response") or ""
    if "<function=" in response or "<tool_call>" in response:
        return parse(response).action
    return action_from_command(str(item.get("action", "")))


def convert(record: Any, where: Where, report: ImportReport) -> Trajectory:
    if not isinstance(record, dict) or not isinstance(record.get("trajectory"), list):
        raise SkipRecord("bad record", "a .traj file is an object with a 'trajectory' list")
    items = record["trajectory"]
    history = record.get("history") or []
    actions = [m for m in history if m.get("role") == "assistant" and m.get("message_type", "action") == "action"]
    aligned = len(actions) == len(items)  # history's action messages match trajectory steps one to one
    steps = []
    for k, item in enumerate(items):
        try:
            action = _step_action(item, actions[k].get("tool_calls") if aligned else None)
        except FormatError as exc:
            report.note(where, "turn without a valid action left out", f"step {k}: {str(exc).splitlines()[0]}")
            continue
        steps.append(step(str(item.get("thought") or ""), action, str(item.get("observation") or "")))
    config = _replay_config(record)
    problem = config.get("problem_statement") or {}
    info = record.get("info") or {}
    task_id = problem.get("id") or Path(where.file).name.removesuffix(".traj")
    return make_trajectory(
        task_id,
        problem.get("text") or problem_from_messages(history),
        steps,
        where,
        report,
        source=NAME,
        resolved=info.get("resolved"),
        diff=info.get("submission") if isinstance(info.get("submission"), str) else None,
        model=((config.get("agent") or {}).get("model") or {}).get("name"),
    )


def _replay_config(record: dict) -> dict:
    config = record.get("replay_config")
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except json.JSONDecodeError:
            return {}
    return config if isinstance(config, dict) else {}
