"""Plain OpenAI chat messages, one conversation per JSONL line: {"messages": [...], optional
"instance_id"/"task_id", "problem_statement", "resolved", "patch"}. An assistant turn's action is in
`tool_calls`, or in its text as a SWE-agent `<function=...>` call or a Hermes `<tool_call>`; the
observation is the next `tool` / `user` message."""

from __future__ import annotations

import re
from typing import Any

from srl_swe.tools.actions import from_tool_call, parse
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

NAME = "messages"
MESSAGE_KEYS = ("messages", "conversations", "trajectory", "history")

# Observation wrappers that agents put around tool output (SWE-agent / srl-swe, OpenHands text mode).
_OBSERVATION_PREFIX = re.compile(r"^(?:OBSERVATION:\s*\n|EXECUTION RESULT of \[[\w.-]+\]:\s*\n)")
_WRAPPERS = ("OBSERVATION:", "EXECUTION RESULT of [")


def read_action(message: dict) -> Turn:
    """`tool_calls` when present (the content is then the thought), else the call in the text."""
    content = text_of(message.get("content"))
    tool_calls = message.get("tool_calls")
    if tool_calls:
        thought = content or text_of(message.get("reasoning_content"))
        return Turn(thought, [Call(from_tool_call(c), c.get("id")) for c in tool_calls])
    parsed = parse(content)
    return Turn(parsed.thought, [Call(parsed.action)])


def read_observation(text: str) -> str:
    # The prefix test first: a `tool` message has no wrapper, and the substitution's call costs more than the test.
    return _OBSERVATION_PREFIX.sub("", text, count=1) if text.startswith(_WRAPPERS) else text


def resolved_of(record: Any) -> bool | None:
    return record.get("resolved") if isinstance(record, dict) else None


def diff_of(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    test_result = record.get("test_result") if isinstance(record.get("test_result"), dict) else {}
    candidates = [record.get(k) for k in ("patch", "model_patch", "git_patch", "submission")]
    candidates.append(test_result.get("git_patch"))
    return next((v for v in candidates if isinstance(v, str)), None)  # SWE-Gym: test_result.git_patch


def problem_of(record: Any, messages: list[dict]) -> str:
    if isinstance(record, dict) and isinstance(record.get("problem_statement"), str):
        return record["problem_statement"]
    return problem_from_messages(messages)


def convert(record: Any, where: Where, report: ImportReport, *, source: str = NAME, reader=read_action) -> Trajectory:
    messages = messages_of(record, *MESSAGE_KEYS)
    steps = chat_steps(messages, reader, read_observation, where, report)
    return make_trajectory(
        task_id_of(record, where),
        problem_of(record, messages),
        steps,
        where,
        report,
        source=source,
        resolved=resolved_of(record),
        diff=diff_of(record),
        model=record.get("model") if isinstance(record, dict) else None,
    )
