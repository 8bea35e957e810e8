"""GRPO's pure parts, each tested on its own: group-normalised advantages, the clipped surrogate
loss (token-level mean, optional KL to a reference), and dynamic sampling's group filter.

Rewards are laid out group by group: `rewards[g * G + i]` is sample i of prompt g."""

from __future__ import annotations

import torch

from srl_swe.errors import SrlSweError


class EmptyBatch(SrlSweError):
    """Dynamic sampling found no group with a learning signal within its refill budget."""


def _grouped(rewards: torch.Tensor, group_size: int) -> torch.Tensor:
    rewards = torch.as_tensor(rewards, dtype=torch.float32)
    if group_size < 2:
        raise ValueError(f"group_size must be at least 2 (a group's std needs two samples), got {group_size}.")
    if rewards.ndim != 1 or rewards.numel() % group_size:
        raise ValueError(f"Expected a flat list of rewards whose length is a multiple of group_size={group_size}, "
                         f"got shape {tuple(rewards.shape)}.")
    return rewards.view(-1, group_size)


def score_groups(reward_fn, completions: list[str], expert_actions: list[str], group_size: int) -> list[float]:
    """The rewards of `group_size` completions per expert action, laid out group by group. A reward
    function that returns the wrong number of rewards is an error, never a short batch."""
    rewards = [float(x) for x in reward_fn(completions=completions,
                                            expert_action=[a for a in expert_actions for _ in range(group_size)])]
    if len(rewards) != len(completions):
        raise ValueError(f"The reward function returned {len(rewards)} rewards for {len(completions)} completions.")
    return rewards


def group_advantages(rewards, group_size: int, eps: float = 1e-4) -> torch.Tensor:
    """(r - mean(group)) / (std(group) + eps) for each sample; std is the unbiased one, as TRL's."""
    grouped = _grouped(rewards, group_size)
    mean = grouped.mean(dim=1, keepdim=True)
    std = grouped.std(dim=1, keepdim=True)
    return ((grouped - mean) / (std + eps)).reshape(-1)


def filter_groups(rewards, group_size: int, eps: float = 1e-6) -> list[int]:
    """Dynamic sampling (SRL paper, Sec. 4.3): indices of the groups whose reward std exceeds eps.
    A group whose samples all score the same has zero advantage everywhere: no gradient."""
    grouped = _grouped(rewards, group_size)
    return [int(i) for i in torch.nonzero(grouped.std(dim=1) > eps).flatten()]


def kl_k3(logp: torch.Tensor, logp_ref: torch.Tensor) -> torch.Tensor:
    """Per-token KL(policy || ref) estimate exp(ref - p) - (ref - p) - 1 (unbiased, >= 0)."""
    delta = logp_ref - logp
    return torch.exp(delta) - delta - 1


def grpo_loss(
    logp_new: torch.Tensor,
    logp_old: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    clip_eps: float = 0.2,
    kl_coef: float = 0.0,
    logp_ref: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Clipped-ratio policy loss averaged over every unmasked token of the batch (token-level
    mean, as DAPO), plus kl_coef * KL to the reference when kl_coef > 0.

    logp_*: (B, T) log-probs of the sampled tokens; advantages: (B,) one per sequence (GRPO) or
    (B, T) one per token (PPO); mask: (B, T), 1 on tokens the policy produced. Returns the loss
    and stats (clip fraction, KL when a reference is given)."""
    if kl_coef > 0 and logp_ref is None:
        raise ValueError("kl_coef > 0 needs logp_ref (the reference policy's log-probs).")
    mask = mask.to(logp_new.dtype)
    tokens = mask.sum().clamp(min=1.0)
    ratio = torch.exp(logp_new - logp_old)
    adv = advantages.to(logp_new.dtype)
    adv = adv.unsqueeze(1) if adv.ndim == 1 else adv
    unclipped = ratio * adv
    clipped = torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * adv
    per_token = -torch.minimum(unclipped, clipped)
    stats = {"clip_fraction": float(((clipped < unclipped).to(mask.dtype) * mask).sum() / tokens)}
    if logp_ref is not None:
        kl = kl_k3(logp_new, logp_ref)
        stats["kl"] = float((kl.detach() * mask).sum() / tokens)
        if kl_coef > 0:
            per_token = per_token + kl_coef * kl
    return (per_token * mask).sum() / tokens, stats
