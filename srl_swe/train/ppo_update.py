"""One PPO update over a batch of rollouts (the typed batch that rollouts hand the trainer).

A rollout is one episode: its turns, each the exact context ids the policy saw and the exact ids
it sampled, with the turn's reward (a single-step SRL instance is an episode of one turn). The
update:

1. scores every turn once without gradients: the sampling policy's log-probs, the critic's values
   and, when asked, the base model's log-probs (adapter off) for the KL;
2. lays each episode's agent tokens end to end (observations live only in the next turn's
   context, so they are never agent tokens), puts each turn's reward on its last token, folds the
   KL penalty in, and runs GAE: the bootstrap goes from one turn's last token to the next turn's
   first, and stops at the episode's end;
3. whitens the advantages over all agent tokens of the batch;
4. takes `ppo_epochs` passes over the turns in shuffled minibatches: the clipped policy loss
   under the policy adapter, the clipped value loss under the critic's, one optimizer step per
   minibatch with each side's gradient clipped on its own."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch.nn.utils.rnn import pad_sequence

from srl_swe.train import policy, value_head
from srl_swe.train.gae import (
    explained_variance,
    gae,
    kl_in_reward,
    masked_mean,
    turn_rewards,
    value_loss,
    whiten,
)
from srl_swe.train.grpo import grpo_loss, kl_k3
from srl_swe.train.session import Session


@dataclass
class Turn:
    context: list[int]
    sample: list[int]
    reward: float


@dataclass
class Rollout:
    turns: list[Turn] = field(default_factory=list)
    task_id: str = ""
    format_errors: int = 0
    outcome: float | None = None  # the test outcome (1.0 resolved) where the episode was graded


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _padded(rows: list[torch.Tensor]) -> torch.Tensor:
    return pad_sequence(rows, batch_first=True)


@torch.no_grad()
def _score_rollout_tokens(s: Session, prompts, completions, want_ref: bool):
    """Per-turn 1-D tensors: sampling log-probs, values and (or None) the base model's log-probs."""
    pad = s.tokenizer.pad_token_id
    old_logp, old_values, ref_logp = [], [], []
    for c in _chunks(list(range(len(prompts))), s.cfg.micro_batch_size):
        p, x = [prompts[i] for i in c], [completions[i] for i in c]
        logp, _, _ = policy.score(s.model, p, x, pad)
        with value_head.critic_active(s.model):
            v = value_head.values(s.model, p, x, pad)
        old_logp += [logp[j, : len(x[j])] for j in range(len(c))]
        old_values += [v[j, : len(x[j])] for j in range(len(c))]
        if want_ref:
            with s.model.disable_adapter():
                ref = policy.score(s.model, p, x, pad)[0]
            ref_logp += [ref[j, : len(x[j])] for j in range(len(c))]
    return old_logp, old_values, ref_logp if want_ref else None


def _by_episode(per_turn: list[torch.Tensor], sizes: list[int]) -> torch.Tensor:
    """Per-turn tensors -> (episodes, tokens): each episode's turns end to end, zero-padded."""
    rows, k = [], 0
    for n in sizes:
        rows.append(torch.cat(per_turn[k : k + n]))
        k += n
    return _padded(rows)


def _by_turn(rows: torch.Tensor, lengths: list[list[int]]) -> list[torch.Tensor]:
    out = []
    for b, turns in enumerate(lengths):
        start = 0
        for n in turns:
            out.append(rows[b, start : start + n])
            start += n
    return out


def advantages(cfg, rollouts: list[Rollout], old_logp, old_values, ref_logp):
    """GAE over each episode's agent tokens (KL penalty folded into the reward when kl_coef > 0);
    returns per-turn advantages and returns, and the (episode-layout) tensors for the metrics."""
    lengths = [[len(t.sample) for t in r.turns] for r in rollouts]
    sizes = [len(r.turns) for r in rollouts]
    values = _by_episode(old_values, sizes)
    mask = _by_episode([torch.ones_like(v) for v in old_values], sizes)
    rewards = turn_rewards(lengths, [[t.reward for t in r.turns] for r in rollouts], values.shape[1]).to(values.device)
    if cfg.kl_coef > 0:
        rewards = kl_in_reward(rewards, _by_episode(old_logp, sizes), _by_episode(ref_logp, sizes), mask, cfg.kl_coef)
    adv, returns = gae(rewards, values, mask, cfg.gamma, cfg.lam)
    if cfg.whiten_advantages:
        adv = whiten(adv, mask)
    return _by_turn(adv, lengths), _by_turn(returns, lengths), {"values": values, "returns": returns, "mask": mask}


def ppo_update(s: Session, rollouts: list[Rollout]) -> dict[str, float]:
    cfg = s.cfg
    turns = [t for r in rollouts for t in r.turns]
    prompts, completions = [t.context for t in turns], [t.sample for t in turns]
    pad = s.tokenizer.pad_token_id
    want_ref = s.uses_lora and (cfg.kl_coef > 0 or cfg.log_kl)
    old_logp, old_values, ref_logp = _score_rollout_tokens(s, prompts, completions, want_ref)
    adv, returns, layout = advantages(cfg, rollouts, old_logp, old_values, ref_logp)
    policy_params, critic_params = value_head.parameter_groups(s.model)

    s.model.train()
    totals = {"loss": 0.0, "value_loss": 0.0, "clip_fraction": 0.0, "value_clip_fraction": 0.0, "entropy": 0.0}
    norms = {"grad_norm": [], "value_grad_norm": []}
    all_tokens = sum(len(c) for c in completions)
    for epoch in range(cfg.ppo_epochs):
        last = epoch == cfg.ppo_epochs - 1
        for minibatch in _chunks(torch.randperm(len(turns)).tolist(), cfg.minibatch_size):
            s.optimizer.zero_grad(set_to_none=True)
            tokens = sum(len(completions[i]) for i in minibatch)
            for micro in _chunks(minibatch, cfg.micro_batch_size):
                p, x = [prompts[i] for i in micro], [completions[i] for i in micro]
                logp, mask, entropy = policy.score(s.model, p, x, pad, with_entropy=epoch == 0)
                loss, stats = grpo_loss(logp, _padded([old_logp[i] for i in micro]), _padded([adv[i] for i in micro]),
                                        mask, cfg.clip_eps)
                weight = float(mask.sum()) / tokens
                (loss * weight).backward()
                with value_head.critic_active(s.model):
                    v = value_head.values(s.model, p, x, pad)
                    vloss, vstats = value_loss(v, _padded([old_values[i] for i in micro]),
                                               _padded([returns[i] for i in micro]), mask, cfg.value_clip_eps)
                    (cfg.vf_coef * vloss * weight).backward()
                share = float(mask.sum()) / all_tokens
                if last:
                    totals["loss"] += loss.item() * share
                    totals["value_loss"] += vloss.item() * share
                    totals["clip_fraction"] += stats["clip_fraction"] * share
                    totals["value_clip_fraction"] += vstats["value_clip_fraction"] * share
                if epoch == 0:
                    totals["entropy"] += float((entropy * mask).sum()) / all_tokens
            norms["grad_norm"].append(float(torch.nn.utils.clip_grad_norm_(policy_params, cfg.max_grad_norm)))
            norms["value_grad_norm"].append(float(torch.nn.utils.clip_grad_norm_(critic_params, cfg.max_grad_norm)))
            s.optimizer.step()
    s.scheduler.step()

    mask = layout["mask"]
    metrics = {**totals, **{k: sum(v) / len(v) for k, v in norms.items()},
               "explained_variance": explained_variance(layout["values"], layout["returns"], mask),
               "value_mean": float(masked_mean(layout["values"], mask)),
               "return_mean": float(masked_mean(layout["returns"], mask)),
               "optimizer_steps": cfg.ppo_epochs * len(_chunks(list(range(len(turns))), cfg.minibatch_size))}
    if ref_logp is not None:
        kl = torch.cat([kl_k3(a, b) for a, b in zip(old_logp, ref_logp, strict=True)])
        metrics["kl"] = float(kl.mean())
    return metrics
