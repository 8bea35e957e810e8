"""Recording new expert trajectories: a teacher (any OpenAI-compatible endpoint) acts in SWEEnv's
`rlvr` mode, its episodes become trajectories, and only those whose diff resolves the task (graded
in a fresh container) are kept; the paper's 5,000 verified trajectories were made this way. A turn
with no valid tool call never ran, so it is not a step of the trajectory."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srl_swe.errors import FormatError
from srl_swe.tools.actions import parse
from srl_swe.tools.schemas import openai_tools
from srl_swe.trajectories.schema import Outcome, Step, Trajectory
from srl_swe.trajectories.teacher import Teacher


@dataclass
class Attempt:
    task_id: str
    attempt: int
    steps: int
    format_errors: int
    resolved: bool
    ended_by: str  # "submit", or why it was truncated


@dataclass
class Collection:
    kept: list[Trajectory] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)


OnAttempt = Callable[[Attempt], None]


def _thought(message: dict) -> str:
    content = message.get("content") or ""
    if message.get("tool_calls"):
        return content.strip()
    try:
        return parse(content).thought
    except FormatError:
        return ""


def run_episode(env: Any, teacher: Teacher, task_id: str, use_tools: bool = False) -> tuple[Trajectory, str, int]:
    """One teacher episode in `env` (an rlvr SWEEnv): the trajectory, how it ended, format errors."""
    from srl_swe.tasks.registry import load_task

    _, info = env.reset(options={"task_id": task_id})
    steps: list[Step] = []
    format_errors = 0
    while True:
        message = teacher.chat(info["messages"], tools=openai_tools() if use_tools else None)
        action = message["tool_calls"] if message.get("tool_calls") else (message.get("content") or "")
        _, reward, terminated, truncated, info = env.step(action)
        if info["format_error"] is None:
            steps.append(Step(thought=_thought(message), action=parse(info["action"]).action, observation=info["tool_observation"]))
        else:
            format_errors += 1
        if terminated or truncated:
            break
    grade = info.get("grade") or {}
    trajectory = Trajectory(
        task_id=task_id,
        problem_statement=load_task(task_id, env.tasks_dir).problem_statement,
        steps=steps,
        outcome=Outcome(resolved=bool(grade.get("resolved")) and reward == 1.0, diff=info.get("diff") or ""),
        source="teacher",
        model=teacher.model,
    )
    return trajectory, ("submit" if terminated else str(info.get("truncated_by"))), format_errors


def collect(
    task_ids: Sequence[str],
    teacher: Teacher,
    attempts: int = 1,
    tasks_dir: str | Path | None = None,
    first_success: bool = False,
    use_tools: bool = False,
    on_attempt: OnAttempt | None = None,
    **env_settings: Any,
) -> Collection:
    """`attempts` teacher episodes per task (fewer with `first_success`); keeps resolving ones.
    `env_settings` override the `rlvr` env spec (max_steps, step_timeout, ...)."""
    from srl_swe.env.swe_env import SWEEnv

    result = Collection()
    env = SWEEnv(tasks_dir=tasks_dir, env_spec="rlvr", mode="rlvr", **env_settings)
    try:
        for task_id in task_ids:
            for number in range(1, attempts + 1):
                trajectory, ended_by, format_errors = run_episode(env, teacher, task_id, use_tools)
                attempt = Attempt(task_id, number, len(trajectory.steps), format_errors, bool(trajectory.outcome.resolved), ended_by)
                result.attempts.append(attempt)
                if on_attempt is not None:
                    on_attempt(attempt)
                if attempt.resolved and trajectory.steps:
                    result.kept.append(trajectory)
                    if first_success:
                        break
    finally:
        env.close()
    return result
