"""The state of one SWEEnv episode, the expert it follows, and the prompt it shows."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from srl_swe.env.settings import EnvSettings
from srl_swe.errors import TaskError
from srl_swe.srl.prompts import step_prompt
from srl_swe.tasks.registry import expert_path
from srl_swe.tasks.spec import TaskSpec
from srl_swe.tools.actions import canonical
from srl_swe.trajectories.schema import Trajectory, read_jsonl


@dataclass
class EpisodeState:
    task: TaskSpec
    expert: Trajectory | None
    started: float
    steps: int = 0
    format_errors: int = 0
    done: bool = False
    history: list[tuple[str, str]] = field(default_factory=list)  # (action text, observation)

    def messages(self, spec: EnvSettings) -> list[dict]:
        return step_prompt(
            self.task.problem_statement,
            self.history,
            window=spec.history_window,
            system_prompt=spec.system_prompt,
            observation_budget=spec.observation_budget,
            workdir=self.task.workdir,
        )

    def expert_text(self, index: int) -> str | None:
        """The expert's canonical action at step `index` (0-based), where known."""
        if self.expert is None or index >= len(self.expert.steps):
            return None
        return canonical(self.expert.steps[index].action)

    def truncation(self, spec: EnvSettings) -> str | None:
        """Why the episode must stop now, if it must."""
        if self.steps >= spec.max_steps:
            return "max_steps"
        if spec.max_format_errors is not None and self.format_errors >= spec.max_format_errors:
            return "format_errors"
        if time.monotonic() - self.started >= spec.episode_timeout:
            return "episode_timeout"
        return None


def load_expert(
    task_id: str, tasks_dir: str | Path | None, rng: np.random.Generator, required: bool
) -> Trajectory | None:
    """One of the task's expert trajectories (drawn with the env's seeded rng when there are several)."""
    path = expert_path(task_id, tasks_dir)
    experts = [t for t in read_jsonl(path) if t.steps] if path.is_file() else []
    if not experts:
        if required:
            raise TaskError(
                f"Task {task_id!r} has no expert trajectory ({path}); srl mode follows one. Record it with "
                "'srl-swe expert record', or use mode='rlvr'."
            )
        return None
    return experts[int(rng.integers(len(experts)))] if len(experts) > 1 else experts[0]


def render_text(messages: list[dict]) -> str:
    """The chat as one text (the Gymnasium observation); info['messages'] keeps the structure."""
    return "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages)
