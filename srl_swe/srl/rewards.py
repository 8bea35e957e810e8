"""Rewards with TRL's signature, `f(completions, **columns) -> list[float]`: the dataset's columns
arrive as keyword lists (`expert_action`, `task_id`, ...). A completion is a string or TRL's
conversational form (a list of messages whose last assistant one holds the answer).

- `similarity`: ratio between the completion's canonical action and the expert's (0.0 when the
  completion holds no action: there is nothing to compare).
- `format` (the SRL reward, paper Sec. 4): -1 when the completion holds no parseable action or more
  than one, else the similarity. Only the action is compared, never the thought.
- `outcome` (RLVR): 1.0 when the diff in the completion resolves the task's tests, else 0.0.

A malformed completion is an expected outcome (a score); anything else (a missing column, a
length mismatch, a broken task) raises: a silent 0 would corrupt training."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from typing import Any

from srl_swe.errors import FormatError
from srl_swe.srl.similarity import Method, group_by_expert, map_chunks, ratios, ratios_to
from srl_swe.srl.turn import FORMAT_PENALTY
from srl_swe.tools.actions import canonical, parse, parse_tool_calls

_DIFF_BLOCK = re.compile(r"```(?:diff|patch)\s*\n(.*?)```", re.DOTALL)


def completion_message(completion: Any) -> dict:
    """The assistant message of a completion: a string is its content."""
    if isinstance(completion, str):
        return {"role": "assistant", "content": completion}
    if isinstance(completion, dict):
        return completion
    if isinstance(completion, list) and completion:
        assistants = [m for m in completion if isinstance(m, dict) and m.get("role", "assistant") == "assistant"]
        if assistants:
            return assistants[-1]
    raise TypeError(
        f"A completion must be a string or a list of chat messages, got {type(completion).__name__}: "
        f"{str(completion)[:80]!r}."
    )


def completion_action(completion: Any) -> str:
    """The canonical text of the completion's one action; FormatError when it has none or several."""
    message = completion_message(completion)
    if message.get("tool_calls"):
        return canonical(parse_tool_calls(message["tool_calls"]))
    content = message.get("content")
    if not isinstance(content, str):
        raise FormatError("The completion's content is not text.")
    return canonical(parse(content).action)


def _columns(completions: Sequence[Any], column: Sequence[Any] | None, name: str) -> list:
    if column is None:
        raise KeyError(f"The reward needs the dataset column {name!r}; build the dataset with `srl-swe data build`.")
    if len(column) != len(completions):
        raise ValueError(f"{len(completions)} completions but {len(column)} values of {name!r}.")
    return list(column)


def _scores(completions, expert_action, method: Method, workers: int | None, penalty: float) -> list[float]:
    experts = _columns(completions, expert_action, "expert_action")
    # A GRPO group often repeats a completion (short actions, low temperature): score each distinct
    # (completion, expert) pair once.
    index: dict[tuple[str, str], int] = {}
    unique: list[tuple[Any, str]] = []
    slots = []
    for completion, expert in zip(completions, experts, strict=True):
        key = (
            completion if isinstance(completion, str) else json.dumps(completion, sort_keys=True, default=str),
            expert,
        )
        if key not in index:
            index[key] = len(unique)
            unique.append((completion, expert))
        slots.append(index[key])
    scores = _unique_scores(unique, method, workers, penalty)
    return [scores[slot] for slot in slots]


def _unique_scores(pairs: list[tuple[Any, str]], method: Method, workers: int | None, penalty: float) -> list[float]:
    if method == "fast":  # parse here; rapidfuzz then spreads the ratios over native threads
        actions = [_action_or_none(c) for c, _ in pairs]
        scored = [i for i, a in enumerate(actions) if a is not None]
        values = ratios([actions[i] for i in scored], [pairs[i][1] for i in scored], method="fast", workers=workers)
        scores = [penalty] * len(pairs)
        for i, value in zip(scored, values, strict=True):
            scores[i] = float(value)
        return scores
    # Parsing and difflib both run in the workers: the whole score of a group (one expert action,
    # the completions scored against it) is one task, and the expert is sent and indexed once.
    by_expert = group_by_expert([expert for _, expert in pairs])
    groups = [(expert, [pairs[i][0] for i in indices]) for expert, indices in by_expert.items()]
    values = map_chunks(functools.partial(_score_groups, method, penalty), groups, workers, weight=lambda g: len(g[1]))
    scores = [penalty] * len(pairs)
    for indices, group_scores in zip(by_expert.values(), values, strict=True):
        for index, score in zip(indices, group_scores, strict=True):
            scores[index] = score
    return scores


def _action_or_none(completion: Any) -> str | None:
    try:
        return completion_action(completion)
    except FormatError:
        return None


def _score_groups(method: Method, penalty: float, groups: list[tuple[str, list[Any]]]) -> list[list[float]]:
    return [_score_group(method, penalty, expert, completions) for expert, completions in groups]


def _score_group(method: Method, penalty: float, expert: str, completions: list[Any]) -> list[float]:
    actions = [_action_or_none(c) for c in completions]
    scored = [i for i, a in enumerate(actions) if a is not None]
    values = ratios_to(expert, [actions[i] for i in scored], method)
    scores = [penalty] * len(completions)
    for i, value in zip(scored, values, strict=True):
        scores[i] = value
    return scores


def similarity_reward(
    completions, expert_action=None, method: Method = "exact", workers: int | None = None, **_
) -> list[float]:
    return _scores(completions, expert_action, method, workers, penalty=0.0)


def format_reward(
    completions, expert_action=None, method: Method = "exact", workers: int | None = None, **_
) -> list[float]:
    """The SRL reward: -1 for a broken format, else the similarity to the expert action."""
    return _scores(completions, expert_action, method, workers, penalty=FORMAT_PENALTY)


def fast_format_reward(completions, expert_action=None, workers: int | None = None, **_) -> list[float]:
    """`format_reward` on rapidfuzz's Indel similarity: within the documented bound of the exact
    one, never below it; faster than the exact one only where the C matcher is not built."""
    return _scores(completions, expert_action, "fast", workers, penalty=FORMAT_PENALTY)


def completion_diff(completion: Any) -> str:
    """A unified diff: a ```diff block of the completion, or its whole text."""
    content = completion_message(completion).get("content") or ""
    block = _DIFF_BLOCK.search(content)
    return block.group(1) if block else content


def outcome_reward(completions, task_id=None, tasks_dir=None, **_) -> list[float]:
    """Run each task's tests on the completion's diff in a fresh container: 1.0 when resolved."""
    # Imported here: the task layer needs Docker, which the similarity rewards never do.
    from srl_swe.tasks.grading import grade
    from srl_swe.tasks.registry import load_task

    ids = _columns(completions, task_id, "task_id")
    return [
        1.0 if grade(load_task(t, tasks_dir), completion_diff(c), tasks_dir=tasks_dir).resolved else 0.0
        for c, t in zip(completions, ids, strict=True)
    ]


# The names the issue uses; `format` shadows the builtin only inside this module's namespace.
similarity = similarity_reward
format = format_reward  # noqa: A001
outcome = outcome_reward
