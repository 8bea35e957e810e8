"""PPO's multi-turn rollouts: SWEEnv episodes (Docker) turned into `Rollout`s with a reward per turn.

The episodes run through the one rollout loop (`env.rollout.rollout_group`, in lockstep, one
batched generate per turn) with RLVR's sampled policy, in envs opened by `rlvr.open_envs`; this
file only picks the env mode and converts each episode.

Rewards per PPO mode (each turn's reward lands on its last token; GAE does the crediting):
- `srl`: guided episodes. The env (srl mode) scores the policy's action against the expert's at
  the same step index, then executes the EXPERT's action: the context stays on the expert's path.
- `rlvr`: the policy's own actions run; 0 per turn, and at submit (or truncation) 1.0 iff the
  task's tests pass on the episode's diff.
- `both`: as `rlvr`, and each turn also earns its similarity to the expert's action of the same
  index (the env's format-error reward for a malformed one; 0.0 past the expert's last step,
  where there is nothing to compare)."""

from __future__ import annotations

from contextlib import ExitStack

from srl_swe.env.rollout import Episode, Turn, rollout_group
from srl_swe.srl.similarity import ratio
from srl_swe.train import rlvr
from srl_swe.train.config import PPOConfig
from srl_swe.train.ppo_update import Rollout
from srl_swe.train.ppo_update import Turn as ScoredTurn
from srl_swe.train.rlvr import SampledPolicy
from srl_swe.train.rlvr import task_ids as task_ids  # the same task selection as train rlvr
from srl_swe.train.session import Session

ENV_MODE = {"srl": "srl", "rlvr": "rlvr", "both": "rlvr"}


def open_envs(cfg: PPOConfig, stack: ExitStack) -> list:
    """`batch_episodes` environments (one container each, reused warm), closed with the stack."""
    return rlvr.open_envs(cfg, stack, ENV_MODE[cfg.mode], cfg.batch_episodes)  # type: ignore[arg-type]


def guide_reward(turn: Turn, format_error_reward: float) -> float:
    """Mode `both`: the turn's similarity to the expert's action at the same step index."""
    if turn.format_error is not None:
        return format_error_reward
    if turn.expert_action is None:  # the policy went on past the expert's last step
        return 0.0
    return ratio(turn.action, turn.expert_action)


def to_rollout(episode: Episode, mode: str, format_error_reward: float) -> Rollout:
    turns = []
    for turn in episode.turns:
        reward = turn.reward + (guide_reward(turn, format_error_reward) if mode == "both" else 0.0)
        turns.append(ScoredTurn(turn.prompt_ids, turn.completion_ids, reward))
    outcome = float(episode.grade["resolved"]) if episode.grade and mode != "srl" else None
    return Rollout(turns, task_id=episode.task_id, format_errors=episode.format_errors, outcome=outcome)


def episode_rollouts(s: Session, envs: list, tasks: list[str]) -> list[Rollout]:
    """One episode per env, of tasks drawn by the run's sampler (so a resumed run draws the same)."""
    cfg: PPOConfig = s.cfg  # type: ignore[assignment]
    picked = [tasks[i] for i in s.sampler.take(len(envs))]
    penalty = envs[0].settings.format_error_reward
    episodes = rollout_group(envs, SampledPolicy(s), task_ids=picked)
    return [to_rollout(episode, cfg.mode, penalty) for episode in episodes]
