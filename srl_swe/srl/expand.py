"""Step-wise expansion (SRL paper, Sec. 4.2 and App. A): a trajectory of N expert steps gives N
instances. Instance k's prompt is the system prompt, the issue, and the last `history_window`
expert steps before k (action + observation), rendered by the env's own prompt renderer so offline
and live prompts are identical; its target is the canonical expert action at k. The expert's
thought at k is kept in its own column (for SFT); it is never part of the target. The issue message
names the task's workdir, as the env's does, so pass the task's `workdir` when it is not /testbed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypedDict

from srl_swe.srl.prompts import DEFAULT_OBSERVATION_BUDGET, step_prompt, trajectory_prompt
from srl_swe.tools.actions import canonical
from srl_swe.trajectories.schema import Trajectory

DEFAULT_HISTORY_WINDOW = 2
DEFAULT_WORKDIR = "/testbed"


class Instance(TypedDict):
    prompt: list[dict]
    expert_action: str
    task_id: str
    step: int
    n_steps: int
    thought: str


def expand(
    trajectory: Trajectory,
    history_window: int | None = DEFAULT_HISTORY_WINDOW,
    system_prompt: str | None = None,
    observation_budget: int = DEFAULT_OBSERVATION_BUDGET,
    workdir: str = DEFAULT_WORKDIR,
) -> Iterator[Instance]:
    """One instance per expert step, in order; `step` counts from 0. `history_window=None` keeps
    every earlier step. `system_prompt=None`: that of the tool set the expert used, as its env gives."""
    if history_window is not None and history_window < 0:
        raise ValueError(f"history_window must be >= 0 or None, got {history_window}.")
    system_prompt = system_prompt if system_prompt is not None else trajectory_prompt(trajectory)
    actions = [canonical(s.action) for s in trajectory.steps]  # each once; earlier ones recur in later prompts
    n_steps = len(actions)
    for k, step in enumerate(trajectory.steps):
        start = 0 if history_window is None else max(0, k - history_window)
        history = [(actions[j], trajectory.steps[j].observation) for j in range(start, k)]
        yield Instance(
            prompt=step_prompt(
                trajectory.problem_statement,
                history,
                window=history_window,
                system_prompt=system_prompt,
                observation_budget=observation_budget,
                workdir=workdir,
            ),
            expert_action=actions[k],
            task_id=trajectory.task_id,
            step=k,
            n_steps=n_steps,
            thought=step.thought,
        )
