"""Which format a trajectory file is in: by its name where that is conclusive (`.traj`,
`.traj.json`), else by the shape of its first record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FORMATS = ("swe-agent", "swe-smith", "mini-swe-agent", "openhands", "messages", "srl-swe")


def by_name(path: Path) -> str | None:
    if path.name.endswith(".traj"):
        return "swe-agent"
    if path.name.endswith(".traj.json"):
        return "mini-swe-agent"
    return None


def by_record(record: Any) -> str | None:
    """The format a parsed record looks like, or None when it looks like none of them."""
    if isinstance(record, dict):
        if isinstance(record.get("steps"), list) and "task_id" in record:
            return "srl-swe"
        if isinstance(record.get("trajectory"), list) and ("history" in record or "info" in record):
            if all(isinstance(i, dict) and "action" in i for i in record["trajectory"][:3]):
                return "swe-agent"
        if str(record.get("trajectory_format", "")).startswith("mini-swe-agent"):
            return "mini-swe-agent"
    messages = _messages(record)
    if messages is None:
        return None
    assistants = [m for m in messages if m.get("role") == "assistant"]
    texts = [m.get("content") if isinstance(m.get("content"), str) else "" for m in assistants]
    if any(m.get("tool_calls") for m in assistants):
        names = {c.get("function", {}).get("name") for m in assistants for c in m.get("tool_calls") or []}
        return "openhands" if names & {"execute_bash", "finish", "think"} else "messages"
    if any("```bash" in t for t in texts) and not any("<function=" in t for t in texts):
        return "mini-swe-agent"
    if any("<function=execute_bash>" in t or "<function=finish>" in t for t in texts):
        return "openhands"
    if any("<function=" in t for t in texts):
        return "swe-smith"
    return "messages"


def _messages(record: Any) -> list[dict] | None:
    value = record
    if isinstance(record, dict):
        value = next((record[k] for k in ("messages", "conversations", "trajectory") if k in record), None)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if isinstance(value, list) and value and all(isinstance(m, dict) and "role" in m for m in value):
        return value
    return None
