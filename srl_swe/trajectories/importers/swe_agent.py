"""SWE-agent trajectories.

`.traj` files: {"trajectory": [{"action", "observation", "thought", "response", ...}], "history":
[... OpenAI-style messages, assistant ones with `tool_calls` ...], "info": {"submission",
"exit_status", ...}, "replay_config": "<json>"}. A `.traj` may hold only `history` (SWE-agent's
function-calling demonstrations do); then the messages are the steps.

Trajectory datasets made from SWE-agent runs (e.g. one record per run with a `trajectory` list of
{"role": "system" | "user" | "ai", "text"} messages, `target` for resolved and `generated_patch`)
are read through the same message walk.

The action of a step comes from the best source present: its `tool_calls` (the step's, or the
matching history message's; SWE-agent sometimes stores them as a Python-literal string); else a
`<function=...>` call in its response; else its command line (`swe_agent_commands`). The windowed
tools (open, goto, scroll_up/down, create, find_file, search_dir, search_file, edit, insert) are
tools here too, so every step imports with its own tool and arguments; so are SWE-agent 0.x's
cursor tools (`set_cursors`, and `edit` with no line range, which replaces the lines between the
cursors), unless the trajectory names its tool files and they are not the cursor ones.

SWE-agent 0.x's default tools have 1.x's names but print differently, so a trajectory says which it
used (`Trajectory.tools`, `bundle_of`): 0.x records (`"environment": "swe_main"`) are swe-agent-0,
or swe-agent-cursors where the cursor tools were in use."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from srl_swe import jsonl
from srl_swe.errors import FormatError
from srl_swe.tools.actions import Action, bash, parse, parse_tool_calls, submit
from srl_swe.tools.schemas import CURSOR_TOOL, LINE_RANGE, is_cursor_call
from srl_swe.trajectories.importers.chat import Call, Turn, chat_steps
from srl_swe.trajectories.importers.common import (
    SkipRecord,
    make_trajectory,
    problem_from_messages,
    step,
    text_of,
)
from srl_swe.trajectories.importers.report import ImportReport, Where
from srl_swe.trajectories.importers.swe_agent_commands import action_from_command, split_submit
from srl_swe.trajectories.schema import Step, Trajectory

NAME = "swe-agent"
EXPECTED = "a SWE-agent trajectory: an object with a 'trajectory' list of steps or a 'history' list of messages"
SPLIT_NOTE = "bash then submit in one step, kept as two"
# SWE-agent 0.x puts the command in the last fenced block of its answer ("DISCUSSION ... ```cmd```").
_FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.S)


def tool_calls_of(value: Any) -> list | None:
    """`tool_calls` as a list: SWE-agent may store them as JSON text or as a Python literal."""
    if isinstance(value, str):
        try:
            value = jsonl.loads(value)
        except json.JSONDecodeError:
            try:
                value = ast.literal_eval(value)
            except (ValueError, SyntaxError) as exc:
                raise FormatError(f"tool_calls is text that is neither JSON nor a literal list ({exc})") from exc
    return value or None


def _actions(item: dict, history_calls: Any, tools: str | None) -> list[Action]:
    """A step's actions: one, or two when a bash command ends with `submit` on its own line."""
    return _actions_of(item, tool_calls_of(item.get("tool_calls")) or tool_calls_of(history_calls), tools)


def _actions_of(item: dict, calls: list | None, tools: str | None = None) -> list[Action]:
    """`_actions` once the step's tool calls (None without any) have been read."""
    if calls:
        return [parse_tool_calls(calls)]
    response = text_of(item.get("response"))
    if "<function=" in response or "<tool_call>" in response:
        return [parse(response).action]
    command = item.get("action")
    if not isinstance(command, str):
        fenced = _FENCE.findall(text_of(item.get("content")))
        if not fenced:
            raise FormatError("no tool_calls, no <function=...> call and no action command")
        command = fenced[-1]
    action = action_from_command(command, tools)
    if action.name == "bash":
        before, submitted = split_submit(action.arguments["command"])
        if submitted:
            return [bash(before), submit()]
    return [action]


def _item_steps(k: int, item: dict, history_calls: Any, tools: str | None, where: Where,
                report: ImportReport) -> list[Step]:
    try:
        actions = _actions(item, history_calls, tools)
    except FormatError as exc:
        report.drop(where, "unparseable action", f"step {k}: {str(exc).splitlines()[0]}")
        return []
    thought = str(item.get("thought") or "")
    observation = str(item.get("observation") or "")
    if len(actions) == 2:
        report.note(where, SPLIT_NOTE, f"step {k}")
        return [step(thought, actions[0]), step("", actions[1], observation)]
    return [step(thought, actions[0], observation)]


def read_action(message: dict, tools: str | None = None) -> Turn:
    """A history message as a turn (SWE-agent's `thought` is the thought when present)."""
    calls = tool_calls_of(message.get("tool_calls"))  # read once: it may be JSON or Python-literal text
    actions = _actions_of(message, calls, tools)
    thought = message.get("thought") if isinstance(message.get("thought"), str) else text_of(message.get("content"))
    if message.get("action") is None and not message.get("tool_calls"):
        thought = _FENCE.split(thought)[0]
    ids = [c.get("id") for c in calls or [] if isinstance(c, dict)]
    return Turn(thought, [Call(a, ids[0] if ids and k == 0 else None) for k, a in enumerate(actions)])


def read_observation(text: str) -> str:
    return text


def normalize(messages: list[Any]) -> list[dict]:
    """Messages in OpenAI's shape: role `ai` is `assistant`, key `text` is `content`."""
    out = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise SkipRecord("bad record", f"message {index} is a {type(message).__name__}, expected an object")
        role = message.get("role")
        if role == "ai" or ("content" not in message and "text" in message):
            message = dict(message)  # one copy for both changes (the caller's record stays as read)
            if "content" not in message and "text" in message:
                message["content"] = message["text"]
            if role == "ai":
                message["role"] = role = "assistant"
        if role not in ("system", "user", "assistant", "tool"):
            raise SkipRecord("bad record", f"message {index} has role {message.get('role')!r}; expected system, user, "
                             "assistant (or ai) or tool")
        out.append(message)
    return out


def convert(record: Any, where: Where, report: ImportReport) -> Trajectory:
    if not isinstance(record, dict):
        raise SkipRecord("bad record", f"expected {EXPECTED}, got a {type(record).__name__}")
    items = record.get("trajectory")
    history = record.get("history") if isinstance(record.get("history"), list) else []
    config = _replay_config(record)
    tools = other_tools(config)
    if isinstance(items, list) and items and all(isinstance(i, dict) and "action" in i for i in items):
        history = normalize(history)
        actions = [m for m in history if m.get("role") == "assistant" and m.get("message_type", "action") == "action"]
        aligned = len(actions) == len(items)  # history's action messages match trajectory steps one to one
        steps = [s for k, item in enumerate(items)
                 for s in _item_steps(k, item, actions[k].get("tool_calls") if aligned else None, tools, where,
                                      report)]
    else:
        messages = history or items
        if not isinstance(messages, list) or not messages:
            raise SkipRecord("bad record", f"expected {EXPECTED}; neither is a non-empty list")
        history = normalize(messages)

        def read_noting_splits(message: dict) -> Turn:
            turn = read_action(message, tools)
            if len(turn.calls) == 2:
                report.note(where, SPLIT_NOTE, f"message {history.index(message)}")
            return turn

        steps = chat_steps(history, read_noting_splits, read_observation, where, report)
    problem = config.get("problem_statement") or {}
    info = record.get("info") if isinstance(record.get("info"), dict) else {}
    task_id = record.get("instance_id") or problem.get("id") or Path(where.file).name.removesuffix(".traj")
    resolved = info.get("resolved", record.get("target", record.get("resolved")))
    diff = next((v for v in (info.get("submission"), record.get("generated_patch")) if isinstance(v, str)), None)
    return make_trajectory(
        task_id,
        problem.get("text") or problem_from_messages(history),
        steps,
        where,
        report,
        source=NAME,
        resolved=resolved,
        diff=diff,
        model=((config.get("agent") or {}).get("model") or {}).get("name") or record.get("model_name"),
        tools=bundle_of(record, steps, history, config),
    )


def bundle_of(record: dict, steps: list[Step], history: list[dict], config: dict) -> str | None:
    """The tool bundle where the calls' names do not tell it: the cursor one where a call is a cursor call; for a
    SWE-agent 0.x record (its `environment` is `swe_main`, where 1.x writes `main`; or a config whose 0.x
    `command_files` name the shell files) the cursor one where the tool files the config names are the cursor ones
    (or, naming none, the system prompt's command docs list set_cursors), else 0.x's default one; else None."""
    if any(is_cursor_call(s.action.name, s.action.arguments) for s in steps):
        return "swe-agent-cursors"
    if record.get("environment") != "swe_main" and not any(f.endswith(".sh") for f in _command_files(config)):
        return None
    names = _tool_files(config)
    if names:
        cursors = _cursor_files(names)
    else:
        cursors = any(CURSOR_TOOL in text_of(m.get("content")) for m in history if m.get("role") == "system")
    return "swe-agent-cursors" if cursors else LINE_RANGE


def _replay_config(record: dict) -> dict:
    config = record.get("replay_config")
    if isinstance(config, str):
        try:
            config = jsonl.loads(config)
        except json.JSONDecodeError:
            return {}
    return config if isinstance(config, dict) else {}


def other_tools(config: dict) -> str | None:
    """The tool files a trajectory's config names, joined, when none is the cursor bundle's; None when one is, or
    when the config names none (then a bare `edit` can only be the cursor bundle's)."""
    names = _tool_files(config)
    if not names or _cursor_files(names):
        return None
    return ", ".join(names)


def _cursor_files(names: list[str]) -> bool:
    """Whether tool files a config names are the cursor bundle's (cursors_defaults.sh, cursors_edit_linting.sh)."""
    return any("cursors" in name for name in names)


def _command_files(config: dict) -> list[str]:
    """SWE-agent 0.x's `agent.config.command_files` (config/commands/*.sh, *.py)."""
    agent = config.get("agent") if isinstance(config.get("agent"), dict) else {}
    old = agent.get("config") if isinstance(agent.get("config"), dict) else {}
    files = old.get("command_files") if isinstance(old.get("command_files"), list) else []
    return [str(f) for f in files]


def _tool_files(config: dict) -> list[str]:
    """The tool files a config names: 0.x `command_files`, 1.x `agent.tools.bundles[].path`."""
    agent = config.get("agent") if isinstance(config.get("agent"), dict) else {}
    new = agent.get("tools") if isinstance(agent.get("tools"), dict) else {}
    bundles = new.get("bundles") if isinstance(new.get("bundles"), list) else []
    return _command_files(config) + [str(b.get("path")) for b in bundles if isinstance(b, dict)]
