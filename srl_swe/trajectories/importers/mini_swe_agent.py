"""mini-swe-agent `.traj.json`: a dict {"info": {"exit_status", "submission", "config", ...},
"messages": [...], "trajectory_format": "mini-swe-agent-1" | "mini-swe-agent-1.1", "instance_id"},
or a bare message list.

mini-swe-agent 1.x: each assistant turn holds one fenced ```bash block (its text before it is the
thought). 2.x writes actions in one of three syntaxes, set by its model class and config: a fenced
```mswea_bash_command block, an XML-ish tag (`<mswea_bash_command>`, `<bash_code>`), or OpenAI
`tool_calls` to a `bash` tool answered by `tool` messages. The regex a run used is in its own config
(`info.config.model.action_regex`, 1.x: `info.config.agent.action_regex`) and is used when present;
otherwise every known syntax is tried. Messages may carry content as a list of blocks and extra
fields (`extra`), which are ignored. Observations are kept exactly as the agent saw them
(`<returncode>`, `<output>`, timeout and warning texts). The run ends with
`echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT ...`, which is `submit` here."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from srl_swe.errors import FormatError
from srl_swe.tools.actions import Action, bash, submit
from srl_swe.trajectories.importers import messages as plain
from srl_swe.trajectories.importers.chat import Call, Turn, chat_steps
from srl_swe.trajectories.importers.common import (
    SkipRecord,
    make_trajectory,
    messages_of,
    problem_from_messages,
    task_id_of,
    text_of,
)
from srl_swe.trajectories.importers.report import ImportReport, Where
from srl_swe.trajectories.schema import Trajectory

NAME = "mini-swe-agent"

# The syntaxes mini-swe-agent's configs use (1.x default, 2.x text default, its XML configs).
KNOWN_ACTION_REGEXES = (
    r"```bash\s*\n(.*?)\n```",
    r"```mswea_bash_command\s*\n(.*?)\n```",
    r"<mswea_bash_command>(.*?)</mswea_bash_command>",
    r"<bash_code>(.*?)</bash_code>",
)
_KNOWN_PATTERNS = [re.compile(r, re.S) for r in KNOWN_ACTION_REGEXES]
_SUBMIT_MARKERS = ("COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT")
_THOUGHT_PREFIX = re.compile(r"^THOUGHT:\s*")


def is_submit(command: str) -> bool:
    """mini-swe-agent submits by printing the marker (`echo MARKER && git diff ...` in 2.x,
    `... && echo MARKER` in some configs)."""
    return any(marker in command for marker in _SUBMIT_MARKERS) and bool(re.search(r"\b(echo|printf)\b", command))


def action_regexes(record: Any) -> list[re.Pattern]:
    """The regex from the trajectory's own config when it has one, else every known syntax."""
    config = ((record.get("info") or {}).get("config") or {}) if isinstance(record, dict) else {}
    for section in ("model", "agent"):
        regex = (config.get(section) or {}).get("action_regex") if isinstance(config.get(section), dict) else None
        if isinstance(regex, str) and regex:
            try:
                return [re.compile(regex, re.S)]
            except re.error as exc:
                raise SkipRecord("bad record", f"info.config.{section}.action_regex does not compile: {exc}") from exc
    return _KNOWN_PATTERNS


def action_reader(regexes: list[re.Pattern]) -> Callable[[dict], Turn]:
    def read_action(message: dict) -> Turn:
        content = text_of(message.get("content"))
        if message.get("tool_calls"):
            turn = plain.read_action(message)
            return Turn(turn.thought, [Call(_submit_or(c.action), c.call_id) for c in turn.calls])
        for regex in regexes:
            matches = list(regex.finditer(content))
            if matches:
                break
        if len(matches) != 1:
            syntax = " or ".join(r.pattern for r in regexes)
            raise FormatError(f"expected one action matching {syntax}, found {len(matches)}")
        command = matches[0].group(1).strip()  # mini-swe-agent strips the command itself before running it
        thought = content[: matches[0].start()].strip()
        if thought.startswith("THOUGHT:"):  # (the test first: a substitution's call costs more)
            thought = _THOUGHT_PREFIX.sub("", thought)
        return Turn(thought, [Call(submit() if is_submit(command) else bash(command))])

    return read_action


def _submit_or(action: Action) -> Action:
    if action.name == "bash" and is_submit(action.arguments.get("command", "")):
        return submit()
    return action


def read_observation(text: str) -> str:
    return text  # verbatim: return code, output sections, timeout and warning texts as the agent saw them


def convert(record: Any, where: Where, report: ImportReport) -> Trajectory:
    messages = messages_of(record, "messages")
    info = record.get("info", {}) if isinstance(record, dict) else {}
    if not isinstance(info, dict):
        raise FormatError("'info' must be an object")
    steps = chat_steps(messages, action_reader(action_regexes(record)), read_observation, where, report)
    task_id = task_id_of(record, where)
    if task_id.endswith(".traj.json"):
        task_id = task_id[: -len(".traj.json")]
    model = (
        (info.get("config") or {}).get("model", {}).get("model_name") if isinstance(info.get("config"), dict) else None
    )
    return make_trajectory(
        task_id,
        problem_from_messages(messages),
        steps,
        where,
        report,
        source=NAME,
        resolved=record.get("resolved") if isinstance(record, dict) else None,
        diff=info.get("submission") if isinstance(info.get("submission"), str) else None,
        model=model,
    )
