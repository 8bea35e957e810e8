"""Helpers every importer shares: message text, the issue inside a first user message, observation
clipping, and the checks that make a record a usable trajectory."""

from __future__ import annotations

import re
from typing import Any

from srl_swe import jsonl
from srl_swe.text import truncate_middle
from srl_swe.tools.actions import Action, tagged
from srl_swe.trajectories.importers.report import ImportReport, Where
from srl_swe.trajectories.schema import Step, Trajectory, validate_step

# Observations are clipped again (to a few thousand characters) when prompts are rendered; this cap
# only keeps a runaway `cat` of a binary file from making one JSONL line hundreds of megabytes.
MAX_OBSERVATION_CHARS = 100_000
_MARKER_ROOM = 64  # truncate_middle's "[... N characters omitted ...]" line fits in this

# OpenHands' text mode puts a worked example before the task in its first user message, between
# `--- NEW TASK DESCRIPTION ---` and `--- END OF NEW TASK DESCRIPTION ---` lines.
_NEW_TASK = re.compile(r"- NEW TASK DESCRIPTION -+\n")  # (not `-+ NEW`: a literal start is searched fast)
_END_OF_TASK = re.compile(r"\n-+ END OF NEW TASK DESCRIPTION -+")
# The tags an issue is put in (found with str.find: a regex's lazy body costs a step per character).
_ISSUE_TAGS = [
    ("<pr_description>", "</pr_description>"),
    ("<issue>", "</issue>"),
    ("<problem_statement>", "</problem_statement>"),
    ("<issue_description>", "</issue_description>"),
]
_PR_PREFIX = "Consider the following PR description:"  # SWE-agent's <pr_description> may open with it
# SWE-agent 0.x: "...Here's the issue text:\nISSUE:\n<issue>\n\nINSTRUCTIONS:\n..."
_SWE_AGENT_0_ISSUE = re.compile(r"^ISSUE:\n(.*?)\n+INSTRUCTIONS:\n", re.S | re.M)
_validate_trajectory = Trajectory.__pydantic_validator__.validate_python


class SkipRecord(Exception):
    """A record that cannot become a trajectory; `kind` is what the report counts."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def text_of(content: Any) -> str:
    """Message content as text: a string, or OpenAI content parts ([{"type": "text", "text": ...}])."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    raise SkipRecord("bad record", f"message content is a {type(content).__name__}")


def messages_of(record: Any, *keys: str) -> list[dict]:
    """The chat messages of a record: a list itself, or under one of `keys` (a list or a JSON string)."""
    value = record
    if isinstance(record, dict):
        value = next((record[k] for k in keys if k in record), None)
        if value is None:
            raise SkipRecord("bad record", f"no {' / '.join(repr(k) for k in keys)} field")
    if isinstance(value, str):
        value = jsonl.loads(value)
    if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
        raise SkipRecord("bad record", "messages must be a list of objects")
    return value


def problem_from_messages(messages: list[dict]) -> str:
    """The issue: the first user message, inside a known tag when it has one."""
    # SWE-agent marks the demonstration it puts before the task with `is_demo`.
    first = next((text_of(m.get("content")) for m in messages if m.get("role") == "user" and not m.get("is_demo")), "")
    task = new_task(first)
    if task is not None:
        first = task
    for opening, closing in _ISSUE_TAGS:
        body = tagged(first, opening, closing, first=True)
        if body:
            return body[0].lstrip().removeprefix(_PR_PREFIX).strip() if opening == "<pr_description>" \
                else body[0].strip()
    match = _SWE_AGENT_0_ISSUE.search(first) if "INSTRUCTIONS:\n" in first else None
    return match.group(1).strip() if match else first.strip()


def new_task(text: str) -> str | None:
    """The text after OpenHands' `--- NEW TASK DESCRIPTION ---` line up to its `--- END OF NEW TASK
    DESCRIPTION ---` line (or the end, less one final newline), else None. Two searches, not one
    pattern around a lazy body: that scan cost ~90 us per KB, the most of an OpenHands import."""
    opening = _NEW_TASK.search(text)
    if opening is None:
        return None
    start = opening.end()
    closing = _END_OF_TASK.search(text, start)
    if closing is not None:
        return text[start:closing.start()]
    return text[start:-1] if text.endswith("\n") else text[start:]


def task_id_of(record: Any, where: Where) -> str:
    if isinstance(record, dict):
        for key in ("instance_id", "task_id", "id", "traj_id"):
            if isinstance(record.get(key), str) and record[key]:
                return record[key]
    return f"{where.file.rsplit('/', 1)[-1]}:{where.line}" if where.line else where.file.rsplit("/", 1)[-1]


def clip(observation: str, where: Where, report: ImportReport, step: int) -> str:
    """At most MAX_OBSERVATION_CHARS, marker included, so a clipped observation is never clipped
    again: importing an imported file changes nothing."""
    if len(observation) <= MAX_OBSERVATION_CHARS:
        return observation
    report.note(
        where, "observation clipped", f"step {step}: {len(observation)} characters kept to {MAX_OBSERVATION_CHARS}"
    )
    return capped(observation)


def capped(observation: str) -> str:
    """An observation as import keeps it: at most MAX_OBSERVATION_CHARS, head and tail."""
    if len(observation) <= MAX_OBSERVATION_CHARS:
        return observation
    return truncate_middle(observation, MAX_OBSERVATION_CHARS - _MARKER_ROOM)


def make_trajectory(
    task_id: str,
    problem: str,
    steps: list[Step],
    where: Where,
    report: ImportReport,
    *,
    source: str,
    resolved: bool | None = None,
    diff: str | None = None,
    model: str | None = None,
    tools: str | None = None,
) -> Trajectory:
    if not steps:
        raise SkipRecord("no steps", "the trajectory holds no action that parses")
    # Copy only the steps whose observation is clipped: most are not, and a copy per step is the slowest part of
    # import.
    steps = [s if len(s.observation) <= MAX_OBSERVATION_CHARS
             else s.model_copy(update={"observation": clip(s.observation, where, report, k)})
             for k, s in enumerate(steps)]
    if resolved is not None and not isinstance(resolved, bool):
        raise SkipRecord("bad record", f"'resolved' must be true or false, got {resolved!r}")
    return _validate_trajectory({  # (the validator itself: Trajectory.__init__ and Outcome's cost more than the checks)
        "task_id": task_id,
        "problem_statement": problem,
        "steps": steps,
        "outcome": {"resolved": resolved, "diff": diff or ""},
        "source": source,
        "model": model if isinstance(model, str) else None,
        "tools": tools,
    })


def join_thoughts(*parts: str) -> str:
    """Thoughts that go to one step (a carried thought, a `think` call, the turn's own text), each stripped, the
    empty ones left out, a blank line between."""
    return "\n\n".join(part for part in (p.strip() for p in parts) if part)


def step(thought: str, action: Action, observation: str = "") -> Step:
    return validate_step({"thought": thought.strip(), "action": action, "observation": observation})
