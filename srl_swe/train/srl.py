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
from srl_swe.train.grpo import EmptyBatch, filter_groups, group_advantages, score_groups
from srl_swe.train.progress import StepProgress, progress_bar
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


def sample_groups(s: Session, picked: list[dict], reward_fn: RewardFn,
                  progress: StepProgress | None = None) -> tuple[Batch, list[float], list[int]]:
    """G completions for each picked row, scored; returns the groups dynamic sampling keeps and
    every reward and completion length (for the metrics)."""
    cfg: SRLConfig = s.cfg  # type: ignore[assignment]
    g = cfg.group_size
    prompts = [policy.encode_prompt(s.tokenizer, r["prompt"], cfg.max_prompt_tokens) for r in picked]
    completions = s.sample(prompts, g, cfg.max_new_tokens, cfg.temperature, cfg.top_p)
    texts = [policy.decode(s.tokenizer, c) for c in completions]
    if progress is not None:
        progress.doing("scoring")
    rewards = score_groups(reward_fn, texts, [r["expert_action"] for r in picked], g)
    kept = Batch()
    for k in filter_groups(rewards, g, cfg.std_eps) if cfg.dynamic_sampling else range(len(picked)):
        kept.prompts += [prompts[k]] * g
        kept.completions += completions[k * g : (k + 1) * g]
        kept.rewards += rewards[k * g : (k + 1) * g]
    return kept, rewards, [len(c) for c in completions]


def collect_batch(s: Session, rows, reward_fn: RewardFn,
                  progress: StepProgress | None = None) -> tuple[Batch, SamplingStats]:
    """Dynamic sampling with refill: sample groups, keep those with reward std > std_eps, and
    draw more prompts until `batch_prompts` groups are kept or the refill rounds run out.

    With several data-parallel processes, each draws the same prompts and samples its share;
    the kept groups of all processes are pooled after every round, so the batch (and the
    number of rounds) is the same everywhere."""
    cfg: SRLConfig = s.cfg  # type: ignore[assignment]
    g, w = cfg.group_size, s.workers
    batch, stats = Batch(), SamplingStats()
    seconds = 0.0
    while len(batch.rewards) < cfg.batch_prompts * g and stats.rounds <= cfg.max_refill_rounds:
        wanted = cfg.batch_prompts - len(batch.rewards) // g
        per_call = cfg.generation_batch_prompts * w.world
        kept, rewards, lengths = Batch(), [], []
        for start in range(0, wanted, per_call):
            indices = s.sampler.take(min(per_call, wanted - start))
            stats.groups_sampled += len(indices)
            mine = w.shard(indices)
            if not mine:
                continue
            if progress is not None:  # groups of this round sampled so far, out of those wanted
                progress.phase(f"sampling, round {stats.rounds + 1}", start, wanted, "generating")
            began = time.perf_counter()
            found, r, n = sample_groups(s, [rows[i] for i in mine], reward_fn, progress)
            seconds += time.perf_counter() - began
            kept.prompts += found.prompts
            kept.completions += found.completions
            kept.rewards += found.rewards
            rewards += r
            lengths += n
        batch.prompts += w.gather(kept.prompts)
        batch.completions += w.gather(kept.completions)
        batch.rewards += w.gather(kept.rewards)
        stats.rewards += w.gather(rewards)
        stats.lengths += w.gather(lengths)
        stats.rounds += 1
    stats.groups_filtered = stats.groups_sampled - len(batch.rewards) // g
    stats.seconds = w.maximum(seconds)
    if not batch.rewards:
        raise EmptyBatch(
            f"Every one of the {stats.groups_sampled} sampled groups had reward std <= {cfg.std_eps} after "
            f"{stats.rounds - 1} refill round(s): no learning signal (mean reward "
            f"{sum(stats.rewards) / len(stats.rewards):.3f}). "
            "Start from a model that writes well-formed actions (e.g. --init-from an SFT run), or raise "
            "max_refill_rounds."
        )
    keep = cfg.batch_prompts * g
    return Batch(batch.prompts[:keep], batch.completions[:keep], batch.rewards[:keep]), stats


def update(s: Session, batch: Batch) -> dict[str, float]:
    """GRPO on the kept groups: group-normalised advantages, then the clipped policy update (each
    data-parallel process updates on its share of the groups)."""
    cfg: SRLConfig = s.cfg  # type: ignore[assignment]
    g = cfg.group_size
    advantages = group_advantages(batch.rewards, g, cfg.adv_eps)
    mine = [i for k in s.workers.shard(range(len(batch.rewards) // g)) for i in range(k * g, (k + 1) * g)]
    return policy_update(s, [batch.prompts[i] for i in mine], [batch.completions[i] for i in mine], advantages[mine])


def train_srl(cfg: SRLConfig, resume: bool = False, reward_fn: RewardFn | None = None) -> dict:
    """Run SRL to cfg.max_steps; returns the last step's metrics."""
    reward_fn = reward_fn or default_reward()
    rows = load_stepwise(cfg.data, cfg.train_split)
    last: dict = {}
    with (
        open_session(cfg, len(rows), resume) as s,
        progress_bar("SRL", cfg.max_steps, s.step, s.workers.is_main) as advance,
    ):
        while s.step < cfg.max_steps:
            began = time.perf_counter()
            batch, st = collect_batch(s, rows, reward_fn, advance)
            advance.phase("update", 0, None)
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

