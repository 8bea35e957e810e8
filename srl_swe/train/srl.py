"""SRL: step-wise GRPO with LoRA and dynamic sampling (arXiv 2510.25992, Sec. 4 and App. B).

Each prompt is one expert step's context; the policy samples G completions, each is scored by its
action's similarity to the expert's (-1 when it holds no single well-formed action), and GRPO
pushes up the better ones.

Why an own loop rather than TRL's GRPOTrainer: SRL needs dynamic sampling *with refill* (drop the
groups whose rewards all agree, then sample more prompts until the batch is full, within a bounded
number of rounds) and GRPOTrainer samples exactly one generation batch per step with no hook to
draw more. The loop below stays small because the maths lives in `grpo` (pure, tested), token
handling in `policy`, and run plumbing (LoRA via peft, checkpoints, metrics) in `session`.
The KL reference is the base model: the same weights with the LoRA adapter disabled."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from srl_swe.train import policy
from srl_swe.train.config import SRLConfig
from srl_swe.train.data import load_stepwise
from srl_swe.train.grpo import EmptyBatch, filter_groups, group_advantages
from srl_swe.train.progress import progress_bar
from srl_swe.train.session import Session, open_session
from srl_swe.train.update import policy_update

RewardFn = Callable[..., list[float]]


def default_reward() -> RewardFn:
    from srl_swe.srl.rewards import format_reward

    return format_reward


@dataclass
class Batch:
    """Kept groups, flattened: sample i belongs to group i // G."""

    prompts: list[list[int]] = field(default_factory=list)
    completions: list[list[int]] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)


@dataclass
class SamplingStats:
    groups_sampled: int = 0
    groups_filtered: int = 0
    rounds: int = 0
    rewards: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    seconds: float = 0.0


def collect_batch(s: Session, rows, reward_fn: RewardFn) -> tuple[Batch, SamplingStats]:
    """Dynamic sampling with refill: sample groups, keep those with reward std > std_eps, and
    draw more prompts until `batch_prompts` groups are kept or the refill rounds run out."""
    cfg: SRLConfig = s.cfg  # type: ignore[assignment]
    g = cfg.group_size
    batch, stats = Batch(), SamplingStats()
    while len(batch.rewards) < cfg.batch_prompts * g and stats.rounds <= cfg.max_refill_rounds:
        wanted = cfg.batch_prompts - len(batch.rewards) // g
        for start in range(0, wanted, cfg.generation_batch_prompts):
            picked = [rows[i] for i in s.sampler.take(min(cfg.generation_batch_prompts, wanted - start))]
            prompts = [policy.encode_prompt(s.tokenizer, r["prompt"], cfg.max_prompt_tokens) for r in picked]
            began = time.perf_counter()
            completions = policy.sample(s.model, s.tokenizer, prompts, g, cfg.max_new_tokens, cfg.temperature, cfg.top_p)
            stats.seconds += time.perf_counter() - began
            texts = [policy.decode(s.tokenizer, c) for c in completions]
            rewards = [float(x) for x in reward_fn(completions=texts, expert_action=[r["expert_action"] for r in picked for _ in range(g)])]
            if len(rewards) != len(texts):
                raise ValueError(f"The reward function returned {len(rewards)} rewards for {len(texts)} completions.")
            kept = filter_groups(rewards, g, cfg.std_eps)
            stats.groups_sampled += len(picked)
            stats.groups_filtered += len(picked) - len(kept)
            stats.rewards += rewards
            stats.lengths += [len(c) for c in completions]
            for k in kept:
                batch.prompts += [prompts[k]] * g
                batch.completions += completions[k * g : (k + 1) * g]
                batch.rewards += rewards[k * g : (k + 1) * g]
        stats.rounds += 1
    if not batch.rewards:
        raise EmptyBatch(
            f"Every one of the {stats.groups_sampled} sampled groups had reward std <= {cfg.std_eps} after "
            f"{stats.rounds - 1} refill round(s): no learning signal (mean reward {sum(stats.rewards) / len(stats.rewards):.3f}). "
            "Start from a model that writes well-formed actions (e.g. --init-from an SFT run), or raise max_refill_rounds."
        )
    keep = cfg.batch_prompts * g
    return Batch(batch.prompts[:keep], batch.completions[:keep], batch.rewards[:keep]), stats


def update(s: Session, batch: Batch) -> dict[str, float]:
    """GRPO on the kept groups: group-normalised advantages, then the clipped policy update."""
    cfg: SRLConfig = s.cfg  # type: ignore[assignment]
    advantages = group_advantages(batch.rewards, cfg.group_size, cfg.adv_eps)
    return policy_update(s, batch.prompts, batch.completions, advantages)


def train_srl(cfg: SRLConfig, resume: bool = False, reward_fn: RewardFn | None = None) -> dict:
    """Run SRL to cfg.max_steps; returns the last step's metrics."""
    reward_fn = reward_fn or default_reward()
    rows = load_stepwise(cfg.data, cfg.train_split)
    last: dict = {}
    with open_session(cfg, len(rows), resume) as s, progress_bar("SRL", cfg.max_steps, s.step) as advance:
        while s.step < cfg.max_steps:
            began = time.perf_counter()
            batch, st = collect_batch(s, rows, reward_fn)
            metrics = update(s, batch)
            s.step += 1
            rewards = torch.tensor(st.rewards)
            last = {
                **metrics,
                "reward_mean": float(rewards.mean()),
                "reward_std": float(rewards.std()) if len(rewards) > 1 else 0.0,
                "kept_reward_mean": sum(batch.rewards) / len(batch.rewards),
                "format_error_rate": float((rewards <= -1).float().mean()),
                "fraction_filtered": st.groups_filtered / st.groups_sampled,
                "refill_rounds": st.rounds - 1,
                "groups_kept": len(batch.rewards) // cfg.group_size,
                "completion_len_mean": sum(st.lengths) / len(st.lengths),
                "completion_len_max": max(st.lengths),
                "tokens_per_s": sum(st.lengths) / st.seconds if st.seconds else 0.0,
                "step_seconds": time.perf_counter() - began,
                "lr": s.scheduler.get_last_lr()[0],
            }
            s.end_step(last)
            advance(reward=last["reward_mean"], filtered=last["fraction_filtered"])
        s.export()
    return last

