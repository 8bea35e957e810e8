"""One attempt at one task: the wall-clock deadline, what the attempt produced (patch, turns,
grade), and the agentic loop that drives SWEEnv in `rlvr` mode."""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass, field
from typing import Any

from srl_swe.errors import FormatError, SrlSweError
from srl_swe.tools.actions import parse

ENV_MARGIN_S = 5.0


class InstanceTimeout(SrlSweError, TimeoutError):
    pass


@dataclass
class Deadline:
    """The per-instance wall-clock limit, checked between steps: a single command is bounded by the
    sandbox's command timeout and grading by its own, so an attempt overruns by at most one of them."""

    seconds: float
    start: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.start)

    def check(self, where: str) -> None:
        if self.remaining() <= 0:
            raise InstanceTimeout(f"timeout: the instance exceeded its {self.seconds:g} s wall-clock limit {where}")


def similarity(action: str | None, expert: str | None) -> float | None:
    """The SRL paper's step reward: difflib ratio of canonical action texts (0 for a format error)."""
    if expert is None:
        return None
    if action is None:
        return 0.0
    return difflib.SequenceMatcher(None, action, expert).ratio()


@dataclass
class Episode:
    deadline: Deadline
    patch: str = ""
    steps: int = 0
    format_errors: int = 0
    submitted: bool = False
    truncated: bool = False
    turns: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)  # oracle-edit: the prompt
    grade: Any = None  # GradeResult, when the env graded the episode
    note: str | None = None  # why a patch did not apply, etc.

    def record_response(self, response: str) -> None:
        self.turns.append({"response": response})

    def record_step(self, response: str, observation: str, reward: float, info: dict) -> None:
        self.steps += 1
        action, expert = info.get("action"), info.get("expert_action")
        error = info.get("format_error")
        self.format_errors += bool(error)
        thought = ""
        if action is not None:
            try:
                thought = parse(response).thought
            except FormatError:  # the env accepted it, so this only loses the thought
                thought = ""
        self.turns.append({
            "response": response, "thought": thought, "action": action, "format_error": error,
            "observation": observation, "reward": reward, "expert_action": expert,
            "similarity": similarity(action, expert),
        })

    @property
    def mean_similarity(self) -> float | None:
        scores = [t["similarity"] for t in self.turns if t.get("similarity") is not None]
        return sum(scores) / len(scores) if scores else None


def run_agentic(spec, policy, tasks_dir, max_steps: int, episode: Episode, grade_timeout: float) -> None:
    """Step the policy in SWEEnv (the `rlvr` env spec) until it submits or the env truncates the
    episode (steps, format errors, wall-clock); the env grades the final diff in a fresh container.
    The env's wall-clock ends a few seconds before the instance's, so that a slow episode is still
    graded; the instance's own deadline is the fallback."""
    from srl_swe.env.swe_env import SWEEnv
    from srl_swe.tasks.grading import GradeResult

    env = SWEEnv(task_id=spec.instance_id, tasks_dir=tasks_dir, mode="rlvr", env_spec="rlvr", max_steps=max_steps,
                 episode_timeout=max(episode.deadline.remaining() - ENV_MARGIN_S, 1.0), grade_timeout=grade_timeout)
    try:
        _, info = env.reset(options={"task_id": spec.instance_id})
        messages = info["messages"]
        terminated = truncated = False
        while not (terminated or truncated):
            episode.deadline.check(f"at step {episode.steps + 1}")
            response = policy.act(messages)
            observation, reward, terminated, truncated, info = env.step(response)
            episode.record_step(response, info.get("tool_observation", observation), reward, info)
            messages = info["messages"]
        episode.submitted, episode.truncated = terminated, truncated
        if truncated:
            episode.note = f"truncated: {info.get('truncated_by')}"
        episode.patch = info["diff"]
        episode.grade = GradeResult.model_validate(info["grade"]) if info.get("grade") is not None else None
    finally:
        env.close()
