"""Multi-turn PPO: episodes turned into per-turn rewards (no Docker), and `train ppo` over real
containers in guided (srl) and both modes on a bundled task, tiny sizes."""

from __future__ import annotations

import pytest

from srl_swe.env.rollout import Episode, Turn
from srl_swe.train.config import load_config
from srl_swe.train.metrics import read_metrics
from srl_swe.train.ppo import train_ppo
from srl_swe.train.ppo_episodes import to_rollout
from srl_swe.train.value_head import VALUE_HEAD_FILE
from tests.train_support import SHORT_ENV

TASK = "confload-2"


def turn(reward, action, expert_action, format_error, prompt_ids, completion_ids) -> Turn:
    return Turn(response=action or "oops", thought="", action=action, format_error=format_error, observation="",
                reward=reward, expert_action=expert_action, prompt_ids=prompt_ids, completion_ids=completion_ids)


def episode() -> Episode:
    turns = [
        turn(0.0, "bash ls", "bash ls", None, [1], [4]),
        turn(0.0, None, "submit", "no tool call", [2], [5, 6]),
        turn(1.0, "submit", None, None, [3], [7]),  # past the expert's end
    ]
    return Episode("t", turns, terminated=True, grade={"resolved": True})


@pytest.mark.parametrize(("mode", "rewards", "outcome"), [
    ("rlvr", [0.0, 0.0, 1.0], 1.0),
    ("both", [1.0, -1.0, 1.0], 1.0),   # similarity 1, the format penalty, outcome + 0 (no expert step left)
    ("srl", [0.0, 0.0, 1.0], None),    # the env's own per-step rewards; no test outcome
])
def test_each_turn_gets_its_modes_reward(mode, rewards, outcome):
    rollout = to_rollout(episode(), mode, format_error_reward=-1.0)
    assert [t.reward for t in rollout.turns] == rewards
    assert [t.sample for t in rollout.turns] == [[4], [5, 6], [7]] and rollout.outcome == outcome


@pytest.mark.train
@pytest.mark.docker
@pytest.mark.usefixtures("single_thread")
@pytest.mark.parametrize("mode", ["srl", "both"])
def test_train_ppo_over_episodes_in_containers(base_image, tmp_path, mode):
    out = tmp_path / mode
    last = train_ppo(load_config("ppo", None, {
        "mode": mode, "out": str(out), "task_ids": [TASK], "max_steps": 1, "lr": 1e-3, "batch_episodes": 2,
        "max_turns": 2, "max_new_tokens": 12, "minibatch_size": 2, "env_overrides": SHORT_ENV,
    }))
    # an untrained model writes no valid tool call: each turn earns the format penalty
    assert last["turns_mean"] == 2 and last["reward_mean"] == -1.0 and last["episode_return_mean"] == -2.0
    assert last["value_loss"] > 0 and last["grad_norm"] > 0
    assert ("success_rate" in last) == (mode == "both")
    assert [m["step"] for m in read_metrics(out)] == [1]
    assert (out / "adapter" / VALUE_HEAD_FILE).is_file()
