"""Replaying a trajectory: its actions, one per turn, through SWEEnv, in `srl` mode (each scored
against the expert) or `rlvr` mode (run, then the diff graded). `srl-swe replay` and the demo's
expert replays both run here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from srl_swe.env.rollout import Episode, OnTurn, rollout
from srl_swe.errors import TaskError
from srl_swe.tools.actions import canonical
from srl_swe.trajectories.schema import Trajectory, read_jsonl


class ScriptedPolicy:
    """Answers with the given texts, one per turn, in order."""

    def __init__(self, texts: Sequence[str]):
        self.texts = list(texts)
        self._next = 0

    def act(self, messages: list[dict]) -> str:
        if self._next >= len(self.texts):
            raise IndexError(f"The script has {len(self.texts)} turns; the episode asked for more.")
        text = self.texts[self._next]
        self._next += 1
        return text


def load_trajectory(path: Path, index: int = 0) -> Trajectory:
    """The `index`-th trajectory of a JSONL file."""
    trajectories = list(read_jsonl(path))
    if not trajectories:
        raise TaskError(f"{path} holds no trajectory.")
    if not 0 <= index < len(trajectories):
        raise TaskError(f"{path} holds {len(trajectories)} trajectories; --index must be 0..{len(trajectories) - 1}.")
    return trajectories[index]


def replay(
    trajectory: Trajectory,
    mode: str,
    tasks_dir: str | Path | None = None,
    task_id: str | None = None,
    env_spec: str = "default",
    seed: int | None = None,
    on_turn: OnTurn | None = None,
    **env_overrides: Any,
) -> Episode:
    """The trajectory's actions (canonical text, no thoughts) in a fresh env of the task; the
    episode stops after the last action if the env has not ended it by then."""
    from srl_swe.env.swe_env import SWEEnv

    task_id = task_id or trajectory.task_id
    texts = [canonical(step.action) for step in trajectory.steps]
    with SWEEnv(task_id=task_id, tasks_dir=tasks_dir, mode=mode, env_spec=env_spec, **env_overrides) as env:
        return rollout(env, ScriptedPolicy(texts), task_id=task_id, seed=seed, max_turns=len(texts), on_turn=on_turn)
