"""Recording new expert trajectories: a teacher (any OpenAI-compatible endpoint) acts in SWEEnv's
`rlvr` mode, its episodes become trajectories, and only those whose diff resolves the task (graded
in a fresh container) are kept; the paper's 5,000 verified trajectories were made this way. A turn
with no valid tool call never ran, so it is not a step of the trajectory."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srl_swe.agents.chat_client import ChatClient
from srl_swe.env.rollout import rollout
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
    steps = [Step(thought=t.thought, action=parse(t.action).action, observation=t.observation)
             for t in episode.turns if t.format_error is None]
    grade = episode.grade or {}
    trajectory = Trajectory(
        task_id=task_id,
        problem_statement=load_task(task_id, env.tasks_dir).problem_statement,
        steps=steps,
        outcome=Outcome(resolved=bool(grade.get("resolved")) and episode.turns[-1].reward == 1.0, diff=episode.diff),
        source="teacher",
        model=client.model,
    )
    return trajectory, ("submit" if episode.terminated else str(episode.truncated_by)), episode.format_errors


def collect(
    task_ids: Sequence[str],
    teacher: ChatClient,
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
                attempt = Attempt(
                    task_id, number, len(trajectory.steps), format_errors, bool(trajectory.outcome.resolved), ended_by
                )
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
