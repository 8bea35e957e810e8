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

from srl_swe.agents.chat_client import ChatClient
from srl_swe.env.rollout import Episode, rollout
from srl_swe.policy import Reply
from srl_swe.tools.actions import parse
from srl_swe.tools.schemas import openai_tools
from srl_swe.trajectories.schema import Outcome, Step, Trajectory


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


class ChatPolicy:
    """A chat client as a policy: its reply's native tool calls (the content beside them is the
    thought) or its text, which the env parses."""

    def __init__(self, client: ChatClient, use_tools: bool = False):
        self.client = client
        self.tools = openai_tools() if use_tools else None

    def act(self, messages: list[dict]) -> Reply:
        message = self.client.chat(messages, tools=self.tools)
        if message.get("tool_calls"):
            return Reply(action=message["tool_calls"], thought=(message.get("content") or "").strip())
        return Reply(action=message.get("content") or "")


def run_episode(env: Any, client: ChatClient, task_id: str, use_tools: bool = False) -> tuple[Trajectory, str, int]:
    """One teacher episode in `env` (an rlvr SWEEnv): the trajectory, how it ended, format errors."""
    from srl_swe.tasks.registry import load_task

    episode = rollout(env, ChatPolicy(client, use_tools), task_id=task_id)
    problem = load_task(task_id, env.tasks_dir).problem_statement
    trajectory = episode_trajectory(episode, problem, source="teacher", model=client.model)
    return trajectory, ("submit" if episode.terminated else str(episode.truncated_by)), episode.format_errors


def episode_trajectory(episode: Episode, problem_statement: str, source: str, model: str | None = None) -> Trajectory:
    """An rlvr episode as a trajectory: the turns that ran (a turn with no valid tool call is not a
    step), resolved when the env's grade of the diff resolved the task and rewarded it."""
    steps = [Step(thought=t.thought, action=parse(t.action).action, observation=t.observation)
             for t in episode.turns if t.format_error is None]
    grade = episode.grade or {}
    resolved = bool(grade.get("resolved")) and bool(episode.turns) and episode.turns[-1].reward == 1.0
    return Trajectory(task_id=episode.task_id, problem_statement=problem_statement, steps=steps,
                      outcome=Outcome(resolved=resolved, diff=episode.diff), source=source, model=model)


def collect(
    task_ids: Sequence[str],
    teacher: ChatClient,
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

    registry = absolute_tasks_dir(tasks_dir)
    episodes = _TaskEpisodes(teacher, attempts, registry, first_success, use_tools, env_settings)
    by_task: dict[str, list[tuple[Attempt, Trajectory]]] = {}
    settings = ExecutorSettings(workers=workers, ray=ray)
    with contextlib.closing(episodes), open_executor(settings, node_hooks(ray, [registry])) as executor:
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

    def __init__(self, teacher: ChatClient, attempts: int, tasks_dir: str, first_success: bool, use_tools: bool,
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
            attempt = Attempt(task_id, number, len(trajectory.steps), format_errors, resolved, ended_by)
            outcomes.append((attempt, trajectory))
            if first_success and resolved and trajectory.steps:
                break
        return outcomes

    def close(self) -> None:
        """The envs of this process's threads (a Ray worker's close with the worker)."""
        with self._lock:
            envs, self._envs = self._envs, []
        for env in envs:
            env.close()
