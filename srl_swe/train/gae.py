"""PPO's pure parts, each tested on its own: GAE over the agent's tokens, advantage whitening, the
clipped value loss, the KL penalty folded into the reward, and explained variance. The clipped
policy loss is GRPO's (`grpo.grpo_loss`), which takes per-token advantages as well.

Layout: every tensor is (B, T) for B episodes of T token slots; `mask` is 1 on the agent's own
tokens and 0 on everything else (prompt, observations, padding). An episode's turns follow one
another in its row, so the last agent token of turn k is followed, after some masked slots, by the
first agent token of turn k + 1."""

from __future__ import annotations

import torch


def gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float = 1.0,
        lam: float = 0.95) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation (Schulman et al. 2016) over the unmasked slots only: masked
    slots are skipped, so the bootstrap V(next) of an agent token is the value of the next agent
    token in its row (across any observation in between), and 0 after the row's last one (the
    episode's end). Returns (advantages, returns = advantages + values), both 0 on masked slots.

    A reward on a masked slot is an error: it would be silently dropped."""
    mask = mask.to(torch.bool)
    if rewards.shape != values.shape or rewards.shape != mask.shape:
        raise ValueError(f"rewards {tuple(rewards.shape)}, values {tuple(values.shape)} and mask {tuple(mask.shape)} "
                         "must have one shape.")
    if bool((rewards[~mask] != 0).any()):
        raise ValueError("A reward sits on a masked (non-agent) token: put each turn's reward on its last agent token.")
    rewards, values = rewards.float(), values.float()
    advantages = torch.zeros_like(rewards)
    next_value = torch.zeros(rewards.shape[0], device=rewards.device)
    next_advantage = torch.zeros_like(next_value)
    for t in reversed(range(rewards.shape[1])):
        here = mask[:, t]
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        advantage = delta + gamma * lam * next_advantage
        advantages[:, t] = torch.where(here, advantage, 0.0)
        next_value = torch.where(here, values[:, t], next_value)
        next_advantage = torch.where(here, advantage, next_advantage)
    returns = torch.where(mask, advantages + values, 0.0)
    return advantages, returns


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mask = mask.to(x.dtype)
    return (x * mask).sum() / mask.sum().clamp(min=1.0)


def masked_var(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The (biased) variance over the unmasked entries."""
    return masked_mean((x - masked_mean(x, mask)) ** 2, mask)


def whiten(advantages: torch.Tensor, mask: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """(a - mean) / std over the unmasked entries of the whole batch; masked entries stay 0."""
    mean, var = masked_mean(advantages, mask), masked_var(advantages, mask)
    return torch.where(mask.to(torch.bool), (advantages - mean) * torch.rsqrt(var + eps), 0.0)


def value_loss(values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor,
               clip_eps: float = 0.2) -> tuple[torch.Tensor, dict[str, float]]:
    """0.5 * max((V - R)^2, (clip(V, V_old - eps, V_old + eps) - R)^2), token-level mean (as PPO2 and
    TRL's PPO): the value moves at most eps from the rollout's estimate before its loss stops pulling
    harder. Returns the loss and the fraction of tokens where the clipped term won."""
    clipped = old_values + (values - old_values).clamp(-clip_eps, clip_eps)
    plain = (values - returns) ** 2
    bounded = (clipped - returns) ** 2
    loss = 0.5 * masked_mean(torch.maximum(plain, bounded), mask)
    return loss, {"value_clip_fraction": float(masked_mean((bounded > plain).float(), mask))}


def kl_in_reward(rewards: torch.Tensor, logp: torch.Tensor, logp_ref: torch.Tensor, mask: torch.Tensor,
                 coef: float) -> torch.Tensor:
    """The per-token KL penalty against the reference folded into the reward (Ziegler et al. 2019;
    InstructGPT): r_t - coef * (log pi(a_t) - log pi_ref(a_t)) on every agent token."""
    return rewards - coef * (logp - logp_ref) * mask.to(rewards.dtype)


def explained_variance(values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor) -> float:
    """1 - Var[R - V] / Var[R] over the agent tokens: 1 is a perfect critic, 0 one no better than
    the mean return, negative a worse one. NaN when the returns do not vary (nothing to explain)."""
    var = masked_var(returns, mask)
    if float(var) == 0.0:
        return float("nan")
    return float(1 - masked_var(returns - values, mask) / var)


def turn_rewards(lengths: list[list[int]], rewards: list[list[float]], width: int) -> torch.Tensor:
    """(B, width) rewards with each turn's reward on its last token, for episodes whose turns'
    agent tokens are laid end to end (turn k of episode b has lengths[b][k] tokens). A turn with no
    tokens cannot carry a reward: an error."""
    out = torch.zeros((len(lengths), width))
    for b, (turns, values) in enumerate(zip(lengths, rewards, strict=True)):
        end = 0
        for n, r in zip(turns, values, strict=True):
            if n <= 0:
                raise ValueError(f"Episode {b} has a turn with no tokens: its reward {r} has nowhere to go.")
            end += n
            out[b, end - 1] += r
    return out
