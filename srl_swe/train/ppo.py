"""PPO with a learned value: one sample per prompt, each turn credited on its own.

GRPO (train/srl.py) samples G completions of every prompt and gives one advantage to each; PPO
samples once and asks a critic (train/value_head.py) what the state was worth, so the env's
per-step rewards credit each turn of an episode separately. Inputs as `train srl` (mode
`stepwise`: step-wise SRL instances, the SRL reward) or `train rlvr` (modes `srl`, `rlvr`, `both`:
multi-turn SWEEnv episodes, see train/ppo_episodes.py). The maths is in `gae` (pure, tested), the
update in `ppo_update`, run plumbing in `session`: this file is the loop.

One process: data-parallel PPO is not built yet (the minibatch shuffle would have to be shared)."""

from __future__ import annotations

import time
from contextlib import ExitStack
from functools import partial

import torch

from srl_swe.errors import ConfigError
from srl_swe.train import policy
from srl_swe.train.config import PPOConfig
from srl_swe.train.data import load_stepwise
from srl_swe.train.grpo import score_groups
from srl_swe.train.ppo_update import Rollout, Turn, ppo_update
from srl_swe.train.progress import progress_bar
from srl_swe.train.session import Session, open_session
from srl_swe.train.srl import RewardFn, default_reward
from srl_swe.train.value_head import attach_critic, save_value_head


def stepwise_rollouts(s: Session, rows, reward_fn: RewardFn) -> list[Rollout]:
    """`batch_prompts` step-wise instances, one sample each: episodes of one turn."""
    cfg: PPOConfig = s.cfg  # type: ignore[assignment]
    picked = [rows[i] for i in s.sampler.take(cfg.batch_prompts)]
    rollouts = []
    for start in range(0, len(picked), cfg.generation_batch_prompts):
        chunk = picked[start : start + cfg.generation_batch_prompts]
        prompts = [policy.encode_prompt(s.tokenizer, r["prompt"], cfg.max_prompt_tokens) for r in chunk]
        samples = s.sample(prompts, 1, cfg.max_new_tokens, cfg.temperature, cfg.top_p)
        texts = [policy.decode(s.tokenizer, x) for x in samples]
        rewards = score_groups(reward_fn, texts, [r["expert_action"] for r in chunk], 1)
        rollouts += [Rollout([Turn(p, x, r)], task_id=row.get("task_id", "")) for p, x, r, row
                     in zip(prompts, samples, rewards, chunk, strict=True)]
    return rollouts


def rollout_metrics(rollouts: list[Rollout], seconds: float) -> dict[str, float]:
    rewards = torch.tensor([t.reward for r in rollouts for t in r.turns])
    lengths = [len(t.sample) for r in rollouts for t in r.turns]
    out = {
        "reward_mean": float(rewards.mean()),
        "reward_std": float(rewards.std()) if len(rewards) > 1 else 0.0,
        "format_error_rate": float((rewards <= -1).float().mean()),
        "episode_return_mean": sum(sum(t.reward for t in r.turns) for r in rollouts) / len(rollouts),
        "turns_mean": sum(len(r.turns) for r in rollouts) / len(rollouts),
        "completion_len_mean": sum(lengths) / len(lengths),
        "completion_len_max": max(lengths),
        "tokens_per_s": sum(lengths) / seconds if seconds else 0.0,
    }
    graded = [r.outcome for r in rollouts if r.outcome is not None]
    if graded:
        out["success_rate"] = sum(o > 0 for o in graded) / len(graded)
    return out


def train_ppo(cfg: PPOConfig, resume: bool = False, reward_fn: RewardFn | None = None) -> dict:
    """Run PPO to cfg.max_steps; returns the last step's metrics."""
    with ExitStack() as stack:
        if cfg.mode == "stepwise":
            rows = load_stepwise(cfg.data, cfg.train_split)
            collect = partial(stepwise_rollouts, rows=rows, reward_fn=reward_fn or default_reward())
            n_items = len(rows)
        else:
            from srl_swe.train.ppo_episodes import episode_rollouts, open_envs, task_ids

            tasks = task_ids(cfg)
            n_items = len(tasks)
        prepare = partial(attach_critic, critic=cfg.critic, lora=cfg.lora)
        s = stack.enter_context(open_session(cfg, n_items, resume, prepare=prepare))
        if s.workers.world > 1:
            raise ConfigError("train ppo runs in one process; launch it without accelerate/torchrun.")
        if cfg.mode != "stepwise":
            collect = partial(episode_rollouts, envs=open_envs(cfg, stack), tasks=tasks)
        advance = stack.enter_context(progress_bar("PPO", cfg.max_steps, s.step))
        last: dict = {}
        while s.step < cfg.max_steps:
            began = time.perf_counter()
            rollouts = collect(s)
            sampled = time.perf_counter() - began
            metrics = ppo_update(s, rollouts)
            s.step += 1
            last = {**metrics, **rollout_metrics(rollouts, sampled), "step_seconds": time.perf_counter() - began,
                    "lr": s.scheduler.get_last_lr()[0]}
            s.end_step(last)
            advance(reward=last["reward_mean"], value_loss=last["value_loss"])
        save_value_head(s.model, s.export())
    return last
