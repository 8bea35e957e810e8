"""The policy's token-level operations: encode chat prompts, sample completions (keeping the exact
ids sampled), and score sequences (per-token log-probs and entropies of the completion part).
Sequences are lists of token ids; padding happens here and nowhere else."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def encode_prompt(tokenizer, messages: list[dict], max_tokens: int) -> list[int]:
    """Chat-template ids ending in the assistant header. Over-long prompts keep their last
    `max_tokens` ids: the most recent steps matter most for the next action."""
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)
    if isinstance(ids, dict) or hasattr(ids, "keys"):
        ids = ids["input_ids"]
    return list(ids)[-max_tokens:]


def stop_ids(tokenizer, model) -> set[int]:
    ids = model.generation_config.eos_token_id if model.generation_config.eos_token_id is not None else []
    ids = set(ids if isinstance(ids, list) else [ids])
    ids.add(tokenizer.eos_token_id)
    return ids


def _left_pad(seqs: Sequence[Sequence[int]], pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, width - len(s):] = torch.tensor(s, dtype=torch.long)
        mask[i, width - len(s):] = 1
    return ids.to(device), mask.to(device)


@torch.no_grad()
def sample(model, tokenizer, prompts: Sequence[Sequence[int]], num_samples: int, max_new_tokens: int,
           temperature: float = 1.0, top_p: float = 1.0, do_sample: bool = True) -> list[list[int]]:
    """`num_samples` completions per prompt, grouped prompt by prompt; each is the ids sampled up
    to and including the first stop token (or max_new_tokens ids)."""
    device = next(model.parameters()).device
    ids, mask = _left_pad(prompts, tokenizer.pad_token_id, device)
    was_training = model.training
    model.eval()
    kwargs = (
        {"do_sample": True, "temperature": temperature, "top_p": top_p, "top_k": 0}
        if do_sample
        else {"do_sample": False}
    )
    out = model.generate(
        input_ids=ids, attention_mask=mask, max_new_tokens=max_new_tokens, num_return_sequences=num_samples,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=sorted(stop_ids(tokenizer, model)), **kwargs,
    )
    model.train(was_training)
    stops = stop_ids(tokenizer, model)
    completions = []
    for row in out[:, ids.shape[1]:].tolist():
        cut = next((i + 1 for i, t in enumerate(row) if t in stops), len(row))
        completions.append(row[:cut])
    return completions


def decode(tokenizer, completion: Sequence[int]) -> str:
    return tokenizer.decode(list(completion), skip_special_tokens=True)


def right_padded(prompts: Sequence[Sequence[int]], completions: Sequence[Sequence[int]], pad_id: int,
                 device) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids, attention mask) of each prompt followed by its completion, padded on the right."""
    width = max(len(p) + len(c) for p, c in zip(prompts, completions, strict=True))
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    attn = torch.zeros_like(ids)
    for i, (p, c) in enumerate(zip(prompts, completions, strict=True)):
        seq = list(p) + list(c)
        ids[i, : len(seq)] = torch.tensor(seq)
        attn[i, : len(seq)] = 1
    return ids.to(device), attn.to(device)


def score(model, prompts: Sequence[Sequence[int]], completions: Sequence[Sequence[int]], pad_id: int,
          loss_masks: Sequence[Sequence[int]] | None = None, with_entropy: bool = False):
    """Per-token log-probs (B, T) of each completion's ids given its prompt, the mask of tokens
    that count (1 where the loss applies; all completion ids unless `loss_masks` says otherwise,
    e.g. observations inside a multi-turn episode), and entropies when asked (no grad)."""
    device = next(model.parameters()).device
    t_max = max(len(c) for c in completions)
    ids, attn = right_padded(prompts, completions, pad_id, device)
    logits = model(input_ids=ids, attention_mask=attn).logits.float()
    logp = torch.zeros((len(prompts), t_max), device=device)
    mask = torch.zeros((len(prompts), t_max), device=device)
    entropy = torch.zeros((len(prompts), t_max), device=device) if with_entropy else None
    for i, (p, c) in enumerate(zip(prompts, completions, strict=True)):
        if not c:
            continue
        # logits at position j predict token j + 1
        rows = torch.log_softmax(logits[i, len(p) - 1 : len(p) + len(c) - 1], dim=-1)
        logp[i, : len(c)] = rows.gather(1, ids[i, len(p) : len(p) + len(c)].unsqueeze(1)).squeeze(1)
        mask[i, : len(c)] = torch.tensor(loss_masks[i], dtype=mask.dtype, device=device) if loss_masks else 1.0
        if with_entropy:
            with torch.no_grad():
                entropy[i, : len(c)] = -(rows.exp() * rows).sum(-1)
    return logp, mask, entropy
