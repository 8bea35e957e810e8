"""Recording new expert trajectories: a teacher (any OpenAI-compatible endpoint) acts in SWEEnv's
`rlvr` mode, its episodes become trajectories, and only those whose diff resolves the task (graded
in a fresh container) are kept; the paper's 5,000 verified trajectories were made this way. A turn
with no valid tool call never ran, so it is not a step of the trajectory."""

from __future__ import annotations

import contextlib
import threading
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
    workers: int = 1,
    ray: str | None = None,
    **env_settings: Any,
) -> Collection:
    """`attempts` teacher episodes per task (fewer with `first_success`); keeps resolving ones, in
    task order. Tasks run on `workers` envs at once: local threads, or Ray workers at the address
    `ray`. `env_settings` override the `rlvr` env spec (max_steps, step_timeout, ...)."""
    from srl_swe.executors import ExecutorSettings, open_executor
    from srl_swe.sandbox.nodes import node_hooks
    from srl_swe.tasks.registry import absolute_tasks_dir

    episodes = _TaskEpisodes(teacher, attempts, absolute_tasks_dir(tasks_dir), first_success, use_tools, env_settings)
    by_task: dict[str, list[tuple[Attempt, Trajectory]]] = {}
    with contextlib.closing(episodes), open_executor(ExecutorSettings(workers=workers, ray=ray), node_hooks(ray)) as executor:
        for task_id, outcomes in executor.map(episodes, {t: t for t in task_ids}):
            by_task[task_id] = outcomes
            for attempt, _ in outcomes:
                if on_attempt is not None:
                    on_attempt(attempt)
    result = Collection()
    for task_id in dict.fromkeys(task_ids):
        for attempt, trajectory in by_task[task_id]:
            result.attempts.append(attempt)
            if attempt.resolved and trajectory.steps:
                result.kept.append(trajectory)
    return result


class _TaskEpisodes:
    """A task's attempts, one after another (the next may depend on the first success), in a warm
    env of the worker that runs it: one env per thread, made on first use, reused across tasks."""

    def __init__(self, teacher: Teacher, attempts: int, tasks_dir: str, first_success: bool, use_tools: bool,
                 env_settings: dict):
        self.settings = (teacher, attempts, tasks_dir, first_success, use_tools, env_settings)
        self._local = threading.local()
        self._envs: list = []
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {"settings": self.settings}

    def __setstate__(self, state: dict) -> None:
        self.__init__(*state["settings"])

    def _env(self):
        from srl_swe.env.swe_env import SWEEnv

        if getattr(self._local, "env", None) is None:
            _, _, tasks_dir, _, _, env_settings = self.settings
            self._local.env = SWEEnv(tasks_dir=tasks_dir, env_spec="rlvr", mode="rlvr", **env_settings)
            with self._lock:
                self._envs.append(self._local.env)
        return self._local.env

    def __call__(self, task_id: str) -> list[tuple[Attempt, Trajectory]]:
        teacher, attempts, _, first_success, use_tools, _ = self.settings
        env, outcomes = self._env(), []
        for number in range(1, attempts + 1):
            trajectory, ended_by, format_errors = run_episode(env, teacher, task_id, use_tools)
            resolved = bool(trajectory.outcome.resolved)
            outcomes.append((Attempt(task_id, number, len(trajectory.steps), format_errors, resolved, ended_by), trajectory))
            if first_success and resolved and trajectory.steps:
                break
        return outcomes

    def close(self) -> None:
        """The envs of this process's threads (a Ray worker's close with the worker)."""
        with self._lock:
            envs, self._envs = self._envs, []
        for env in envs:
            env.close()
