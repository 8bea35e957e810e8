"""Offline evaluation on step-wise data: the mean SRL reward (action similarity to the expert's,
-1 for a broken format) of the policy's completions over a split."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from srl_swe.train import policy


def mean_step_similarity(
    model_or_path,
    dataset_split,
    max_new_tokens: int = 256,
    do_sample: bool = False,
    temperature: float = 1.0,
    batch_size: int = 8,
    max_prompt_tokens: int = 2048,
    tokenizer=None,
    reward_fn: Callable[..., list[float]] | None = None,
    seed: int = 0,
) -> float:
    """Mean reward over the rows of `dataset_split` (rows with `prompt` and `expert_action`), one
    completion per row (greedy by default). `model_or_path` is a loaded model (then pass its
    tokenizer) or anything `--model` takes: 'tiny', a model directory, an adapter directory."""
    from srl_swe.models.loading import resolve_model

    if reward_fn is None:
        from srl_swe.srl.rewards import format_reward as reward_fn
    if isinstance(model_or_path, (str, Path)):
        model, tokenizer = resolve_model(str(model_or_path))
    else:
        if tokenizer is None:
            raise ValueError("Pass the tokenizer along with a loaded model.")
        model = model_or_path
    rows = list(dataset_split)
    if not rows:
        raise ValueError("The evaluation split is empty.")
    torch.manual_seed(seed)
    rewards: list[float] = []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        prompts = [policy.encode_prompt(tokenizer, r["prompt"], max_prompt_tokens) for r in chunk]
        completions = policy.sample(model, tokenizer, prompts, 1, max_new_tokens, temperature, do_sample=do_sample)
        texts = [policy.decode(tokenizer, c) for c in completions]
        rewards += [float(x) for x in reward_fn(completions=texts, expert_action=[r["expert_action"] for r in chunk])]
    return sum(rewards) / len(rewards)
