"""Every bundled task's expert trajectory replays through SWEEnv: it resolves the task in rlvr
mode, and scores 1.0 at every step in srl mode (the expert matched against itself)."""

from __future__ import annotations

import pytest

from srl_swe.env.swe_env import SWEEnv
from srl_swe.tasks.registry import expert_path, list_tasks
from srl_swe.tools.actions import canonical
from srl_swe.trajectories.schema import read_jsonl

pytestmark = pytest.mark.long

BUNDLED = list_tasks()
PARAMS = BUNDLED or [pytest.param(None, marks=pytest.mark.skip(reason="no bundled tasks under tasks/ yet"))]


def _expert(task_id: str):
    path = expert_path(task_id)
    assert path.is_file(), f"bundled task {task_id} has no expert trajectory at {path}"
    experts = list(read_jsonl(path))
    assert experts and all(6 <= len(t.steps) <= 20 for t in experts), f"{path}: experts must have 6 to 20 steps"
    return experts


@pytest.mark.parametrize("task_id", PARAMS)
def test_expert_resolves_in_rlvr_mode(task_id, base_image):
    for expert in _expert(task_id):
        with SWEEnv(task_id=task_id, mode="rlvr", max_steps=len(expert.steps)) as env:
            env.reset(seed=0)
            for step in expert.steps:
                _, reward, terminated, truncated, info = env.step(canonical(step.action))
                if terminated or truncated:
                    break
        assert terminated, f"{task_id}: the expert never submitted"
        assert info["grade"]["resolved"] and reward == 1.0, (
            f"{task_id}: {info['grade'].get('error') or info['grade']['tests_status']}"
        )


@pytest.mark.parametrize("task_id", PARAMS)
def test_expert_scores_one_per_step_in_srl_mode(task_id, base_image):
    for expert in _expert(task_id):
        with SWEEnv(task_id=task_id, mode="srl", expert=expert) as env:
            env.reset(seed=0)
            rewards = []
            for step in expert.steps:
                _, reward, terminated, truncated, _ = env.step(canonical(step.action))
                rewards.append(reward)
                if terminated or truncated:
                    break
        assert rewards == [1.0] * len(expert.steps) and terminated
