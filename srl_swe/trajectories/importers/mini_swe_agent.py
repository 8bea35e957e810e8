"""mini-swe-agent `.traj.json`: a dict {"info": {"exit_status", "submission", ...}, "messages": [...],
"trajectory_format": "mini-swe-agent-1", "instance_id"}, or a bare message list. Each assistant turn
holds one fenced ```bash block (its text before it is the thought); the next user message is
`<returncode>N</returncode>` with `<output>` (or `<output_head>`/`<output_tail>` when long). The run
ends with `echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT ...`, which is `submit` here. mini-swe-agent
v2's tool-call models (`tool_calls` with `bash`) are read too."""

from __future__ import annotations

import re
from typing import Any

from srl_swe.errors import FormatError
from srl_swe.tools.actions import bash, submit
from srl_swe.tools.execute import NO_OUTPUT
from srl_swe.trajectories.importers import messages as plain
from srl_swe.trajectories.importers.chat import Call, Turn, chat_steps
from srl_swe.trajectories.importers.common import (
    make_trajectory,
    messages_of,
    problem_from_messages,
    task_id_of,
    text_of,
)
from srl_swe.trajectories.importers.report import ImportReport, Where
from srl_swe.trajectories.schema import Trajectory

NAME = "mini-swe-agent"

_BASH_BLOCK = re.compile(r"```bash\s*\n(.*?)\n```", re.S)
_SUBMIT_MARKERS = ("COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT")
_RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
_SECTION = re.compile(r"<(output|output_head|output_tail)>\n?(.*?)\n?</\1>", re.S)


def is_submit(command: str) -> bool:
    first = command.strip().splitlines()[0] if command.strip() else ""
    return first.startswith("echo") and any(marker in first for marker in _SUBMIT_MARKERS)


def read_action(message: dict) -> Turn:
    content = text_of(message.get("content"))
    if message.get("tool_calls"):
        turn = plain.read_action(message)
        return Turn(turn.thought, [Call(_submit_or(c.action), c.call_id) for c in turn.calls])
    blocks = _BASH_BLOCK.findall(content)
    if len(blocks) != 1:
        raise FormatError(f"expected one ```bash block, found {len(blocks)}")
    command = blocks[0].strip()
    thought = content[: content.find("```bash")].strip()
    thought = re.sub(r"^THOUGHT:\s*", "", thought)
    return Turn(thought, [Call(submit() if is_submit(command) else bash(command))])


def _submit_or(action):
    if action.name == "bash" and is_submit(action.arguments.get("command", "")):
        return submit()
    return action


def read_observation(text: str) -> str:
    """The command's output, with `[exit code N]` on a last line when it failed."""
    code = _RETURNCODE.search(text)
    sections = dict((name, body) for name, body in _SECTION.findall(text))
    if not code and not sections:
        return text  # a plain feedback message (timeout, warning): kept as it is
    if "output" in sections:
        output = sections["output"]
    elif sections:
        output = f"{sections.get('output_head', '')}\n[... output elided ...]\n{sections.get('output_tail', '')}"
    else:
        output = _RETURNCODE.sub("", text).strip()
    # The same shape as srl-swe's own bash observations, so imported and live prompts look alike.
    output = output.rstrip("\n")
    if code and int(code.group(1)) != 0:
        return f"{output}\n[exit code {code.group(1)}]" if output.strip() else f"[exit code {code.group(1)}]"
    return output if output.strip() else NO_OUTPUT


def convert(record: Any, where: Where, report: ImportReport) -> Trajectory:
    messages = messages_of(record, "messages")
    info = record.get("info", {}) if isinstance(record, dict) else {}
    if not isinstance(info, dict):
        raise FormatError("'info' must be an object")
    steps = chat_steps(messages, read_action, read_observation, where, report)
    task_id = task_id_of(record, where)
    if task_id.endswith(".traj.json"):
        task_id = task_id[: -len(".traj.json")]
    model = (info.get("config") or {}).get("model", {}).get("model_name") if isinstance(info.get("config"), dict) else None
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
