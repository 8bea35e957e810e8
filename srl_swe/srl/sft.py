"""SFT export for the baseline: each expert trajectory as one multi-turn conversation (JSONL,
`{"messages", "tools", "task_id"}`), with the expert's thoughts or without. Two styles:
`tool_calls` (OpenAI messages: assistant `tool_calls`, `tool` replies) and `text` (the env's own
turns: `<think>` + the canonical call as assistant text, `OBSERVATION:` user turns), so SFT can
match whichever form the policy will be prompted in."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from srl_swe.jsonl import write_jsonl
from srl_swe.srl.prompts import (
    DEFAULT_OBSERVATION_BUDGET,
    issue_message,
    observation_message,
    trajectory_prompt,
)
from srl_swe.srl.turn import turn_text
from srl_swe.text import truncate_middle
from srl_swe.tools.actions import canonical
from srl_swe.tools.schemas import openai_tools
from srl_swe.trajectories.schema import Trajectory

Style = Literal["tool_calls", "text"]


def sft_messages(
    trajectory: Trajectory,
    with_thoughts: bool = True,
    style: Style = "tool_calls",
    system_prompt: str | None = None,
    observation_budget: int = DEFAULT_OBSERVATION_BUDGET,
) -> list[dict]:
    """The trajectory as one chat; `system_prompt=None`: that of the tool set the expert used."""
    system_prompt = system_prompt if system_prompt is not None else trajectory_prompt(trajectory)
    messages = [{"role": "system", "content": system_prompt}, issue_message(trajectory.problem_statement)]
    for k, step in enumerate(trajectory.steps):
        thought = step.thought if with_thoughts else ""
        if style == "text":
            messages.append({"role": "assistant", "content": turn_text(thought, canonical(step.action))})
            messages.append(observation_message(step.observation, observation_budget))
            continue
        call_id = f"call_{k}"
        function = {"name": step.action.name, "arguments": json.dumps(step.action.arguments)}
        messages.append(
            {
                "role": "assistant",
                "content": thought,
                "tool_calls": [{"id": call_id, "type": "function", "function": function}],
            }
        )
        messages.append(
            {
                "role": "tool",
                "tool_call_id": call_id,
                "name": step.action.name,
                "content": truncate_middle(step.observation, observation_budget),
            }
        )
    return messages


def export_sft(
    trajectories: Iterable[Trajectory],
    path: str | Path,
    with_thoughts: bool = True,
    style: Style = "tool_calls",
    observation_budget: int = DEFAULT_OBSERVATION_BUDGET,
) -> int:
    """Write the conversations atomically; returns how many were written."""
    if style not in ("tool_calls", "text"):
        raise ValueError(f"Unknown SFT style {style!r}; use tool_calls or text.")
    records = ({
        "task_id": trajectory.task_id,
        "messages": sft_messages(trajectory, with_thoughts, style, observation_budget=observation_budget),
        "tools": openai_tools(*trajectory.tool_set()) if style == "tool_calls" else [],
    } for trajectory in trajectories)
    return write_jsonl(path, records)
