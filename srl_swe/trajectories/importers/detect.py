"""Which format a trajectory record is in: by the file's name where that is conclusive (`.traj`,
`.traj.json`), else by the record's structure as a whole: record-level marks first (mini-swe-agent's
`trajectory_format`, SWE-agent's step list and typed history, srl-swe's own fields), then a vote
over every assistant turn, so that one unusual turn (a final `<function=submit>` in a run of
fenced commands) never decides the format."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from srl_swe import jsonl
from srl_swe.trajectories.importers.common import SkipRecord, text_of

FORMATS = ("swe-agent", "swe-smith", "mini-swe-agent", "openhands", "messages", "srl-swe")

OPENHANDS_TOOLS = {"execute_bash", "finish", "think", "execute_ipython_cell", "browser", "str_replace_editor"}
SWE_AGENT_TOOLS = {"open", "goto", "scroll_up", "scroll_down", "create", "find_file", "search_dir", "search_file",
                   "edit", "insert", "submit"}
_MINI_TEXT = re.compile(r"```(?:mswea_bash_command|bash)\s*\n|<mswea_bash_command>|<bash_code>")
_FUNCTION = re.compile(r"<function=([\w.-]+)>")
_FENCE = re.compile(r"```[a-z]*\n")
_OPENHANDS_ONLY = OPENHANDS_TOOLS - {"str_replace_editor"}  # str_replace_editor is SWE-agent's too
_SWE_AGENT_ONLY = SWE_AGENT_TOOLS - {"submit"}


def by_name(path: Path) -> str | None:
    if path.name.endswith(".traj"):
        return "swe-agent"
    if path.name.endswith(".traj.json"):
        return "mini-swe-agent"
    return None


def is_event(item: Any) -> bool:
    """An OpenHands event: an action or an observation (exactly one of the two keys: a SWE-agent
    trajectory step has both), never a chat message."""
    return isinstance(item, dict) and ("action" in item) != ("observation" in item) and "role" not in item


def events_of(record: Any) -> list | None:
    """The OpenHands event list of a record (a JSON array of events, or an object whose `history` is
    one), else None."""
    events = record.get("history") if isinstance(record, dict) else record
    if isinstance(events, list) and events and all(is_event(e) for e in events):
        return events
    return None


def is_record_array(data: Any) -> bool:
    """Whether a file's JSON array holds many records. A bare message list (items with a `role`) and
    an OpenHands event list (a saved trajectory) are each one record."""
    return (isinstance(data, list) and bool(data) and all(isinstance(r, dict) and "role" not in r for r in data)
            and events_of(data) is None)


def by_record(record: Any) -> str | None:
    """The format a parsed record looks like, or None when it looks like none of them."""
    if events_of(record) is not None:
        return "openhands"
    if isinstance(record, dict):
        if isinstance(record.get("steps"), list) and "task_id" in record:
            return "srl-swe"
        if (str(record.get("trajectory_format", "")).startswith("mini-swe-agent")
                or "mini_version" in (record.get("info") or {})):
            return "mini-swe-agent"
        steps = record.get("trajectory")
        if isinstance(steps, list) and steps and all(isinstance(i, dict) and "action" in i for i in steps):
            return "swe-agent"
        history = record.get("history")
        if isinstance(history, list) and any(isinstance(m, dict) and "message_type" in m for m in history):
            return "swe-agent"
    messages = _messages(record)
    if not isinstance(messages, list) or not messages:
        return None
    # One pass over the messages: each must be an object with a role; the assistant turns vote.
    ai, assistant = False, []
    for m in messages:
        if not isinstance(m, dict) or "role" not in m:
            return None
        role = m["role"]
        if role == "ai":
            ai = True
        elif role == "assistant":
            assistant.append(m)
    if ai:
        return "swe-agent"  # SWE-agent trajectory datasets: roles system / user / ai
    votes: dict[str, int] = {}  # (a dict, not a Counter: one is made per record)
    for m in assistant:
        fmt = _turn_format(m)
        if fmt is not None:
            votes[fmt] = votes.get(fmt, 0) + 1
    if not votes:
        return "messages"
    if votes.get("openhands") and not votes.get("mini-swe-agent"):
        return "openhands"  # OpenHands' tools are the distinctive ones; its finish/think turns are few
    if votes.get("messages") and not votes.get("swe-agent"):
        return "messages"  # JSON tool calls read the same everywhere; text calls mixed in are read too
    return max(votes, key=votes.__getitem__)  # the first of the most voted, as Counter.most_common gives


def _turn_format(message: dict) -> str | None:
    calls = message.get("tool_calls")
    # a malformed call (function not an object) votes "messages": its importer names what is wrong
    names = {str(f.get("name")) if isinstance(f := c.get("function"), dict) else "None"
             for c in calls if isinstance(c, dict)} if calls else None
    if names:
        if names & _OPENHANDS_ONLY:
            return "openhands"
        return "swe-agent" if names & _SWE_AGENT_ONLY else "messages"
    content = message.get("content")
    text = content if type(content) is str else _text(content)
    # Substring tests before each regex: most turns hold one mark, and scanning for the others costs.
    functions = _FUNCTION.findall(text) if "<function=" in text else None
    if functions:
        return "swe-smith" if _OPENHANDS_ONLY.isdisjoint(functions) else "openhands"
    if "<tool_call>" in text:
        return "messages"
    if ("```" in text or "<mswea_bash_command>" in text or "<bash_code>" in text) and _MINI_TEXT.search(text):
        return "mini-swe-agent"
    if "```" in text and _FENCE.search(text):
        return "swe-agent"
    return None


def describe(record: Any) -> str:
    """A short description of a record's shape, for error messages."""
    if isinstance(record, dict):
        return "an object with keys " + ", ".join(list(record)[:8])
    if isinstance(record, list):
        return f"a list of {len(record)} items"
    return f"a {type(record).__name__}"


def _text(content: Any) -> str:
    try:
        return text_of(content)
    except SkipRecord:
        return ""  # not a format's mark; the converter reports the bad content itself


def _messages(record: Any) -> Any:
    """The record's message list as given (by_record checks each message), or what stands in its place."""
    value = record
    if isinstance(record, dict):
        value = next((record[k] for k in ("messages", "conversations", "trajectory", "history") if k in record), None)
    if isinstance(value, str):
        try:
            value = jsonl.loads(value)
        except json.JSONDecodeError:
            return None
    return value
