"""The prompts an srl episode shows, step by step, for comparing with offline datasets."""

from __future__ import annotations

from srl_swe.env.settings import EnvSettings
from srl_swe.env.state import EpisodeState
from srl_swe.tasks.spec import TaskSpec
from srl_swe.tools.actions import canonical
from srl_swe.trajectories.schema import Trajectory


def live_prompts(trajectory: Trajectory, env_spec: EnvSettings, workdir: str = "/testbed") -> list[list[dict]]:
    """What the env shows at each step of an srl episode of `trajectory` (expert actions, their observations)."""
    task = TaskSpec(instance_id=trajectory.task_id, problem_statement=trajectory.problem_statement, workdir=workdir)
    episode = EpisodeState(task=task, expert=trajectory, started=0.0)
    prompts = []
    for step in trajectory.steps:
        prompts.append(episode.messages(env_spec))
        episode.history.append((canonical(step.action), step.observation))
    return prompts
