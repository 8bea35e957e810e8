"""One GRPO policy update, shared by SRL and RLVR: given sampled sequences (the exact prompt ids
each was sampled from, the exact ids sampled) and one advantage per sequence, take
`num_iterations` clipped-ratio gradient steps, micro-batched, with a token-level mean over the
whole batch: with several data-parallel processes, over the sequences of all of them (see
`distributed`)."""

from __future__ import annotations

import torch

from srl_swe.train import policy
from srl_swe.train.grpo import grpo_loss
from srl_swe.train.session import Session


def _chunks(n: int, size: int) -> list[slice]:
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def policy_update(s: Session, prompts: list[list[int]], completions: list[list[int]],
                  advantages: torch.Tensor) -> dict[str, float]:
    """The KL reference is the base model (adapter disabled): measured when log_kl, in the loss
    when kl_coef > 0. Returns loss, clip fraction, KL, entropy and the gradient norm."""
    cfg = s.cfg
    advantages = advantages.to(s.device)
    pad = s.tokenizer.pad_token_id
    chunks = _chunks(len(completions), cfg.micro_batch_size)
    total_tokens = s.workers.total(sum(len(c) for c in completions)) or 1.0
    want_ref = s.uses_lora and (cfg.kl_coef > 0 or cfg.log_kl)
    with torch.no_grad():
        # Ratios need the sampling policy's log-probs only when the weights move between passes.
        old = (
            [policy.score(s.model, prompts[c], completions[c], pad)[0] for c in chunks]
            if cfg.num_iterations > 1
            else None
        )
        ref = None
        if want_ref:
            with s.model.disable_adapter():
                ref = [policy.score(s.model, prompts[c], completions[c], pad)[0] for c in chunks]
    s.model.train()
    totals = {"loss": 0.0, "clip_fraction": 0.0, "kl": 0.0, "entropy": 0.0}
    grad_norm = torch.tensor(0.0)
    for iteration in range(cfg.num_iterations):
        s.optimizer.zero_grad(set_to_none=True)
        last = iteration == cfg.num_iterations - 1
        for j, c in enumerate(chunks):
            logp, mask, entropy = policy.score(s.model, prompts[c], completions[c], pad, with_entropy=iteration == 0)
            logp_old = old[j] if old is not None else logp.detach()
            loss, stats = grpo_loss(
                logp, logp_old, advantages[c], mask, cfg.clip_eps, cfg.kl_coef, ref[j] if ref else None
            )
            weight = float(mask.sum()) / total_tokens
            (loss * weight).backward()
            if last:
                totals["loss"] += loss.item() * weight
                totals["clip_fraction"] += stats["clip_fraction"] * weight
                totals["kl"] += stats.get("kl", 0.0) * weight
            if iteration == 0:
                totals["entropy"] += float((entropy * mask).sum()) / total_tokens
        s.workers.sum_gradients(s.trainable)
        grad_norm = torch.nn.utils.clip_grad_norm_(s.trainable, cfg.max_grad_norm)
        s.optimizer.step()
    s.scheduler.step()
    if not want_ref:
        totals.pop("kl")
    return {**{k: s.workers.total(v) for k, v in totals.items()}, "grad_norm": float(grad_norm)}
