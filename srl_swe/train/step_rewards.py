"""Offline scoring of a policy on step-wise data: the SRL reward (action similarity to the expert's,
-1 for a broken format) of the policy's completions over a split. (The `evaluate` package, by
contrast, runs whole episodes in sandboxes and grades them.)

Greedy decoding gives one completion per prompt: a cheap figure, but a single path through a
policy that SRL trains by sampling. The objective GRPO raises is the *expected* reward under
sampling at the training temperature; `samples_per_prompt` > 1 with `do_sample=True` estimates it
by averaging k sampled completions per prompt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from srl_swe.train import policy
from srl_swe.train.grpo import score_groups


def step_rewards(
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
    samples_per_prompt: int = 1,
) -> list[list[float]]:
    """The rewards of each row's completions: one list of `samples_per_prompt` rewards per row of
    `dataset_split` (rows with `prompt` and `expert_action`). `model_or_path` is a loaded model
    (then pass its tokenizer) or anything `--model` takes: 'tiny', a model directory, an adapter
    directory. `batch_size` counts prompts per generate() call."""
    from srl_swe.models.loading import resolve_model

    if samples_per_prompt < 1:
        raise ValueError(f"samples_per_prompt must be at least 1, got {samples_per_prompt}.")
    if samples_per_prompt > 1 and not do_sample:
        raise ValueError(
            "Greedy decoding gives the same completion every time: samples_per_prompt > 1 needs do_sample=True."
        )
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
    k = samples_per_prompt
    torch.manual_seed(seed)
    rewards: list[list[float]] = []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        prompts = [policy.encode_prompt(tokenizer, r["prompt"], max_prompt_tokens) for r in chunk]
        completions = policy.sample(model, tokenizer, prompts, k, max_new_tokens, temperature, do_sample=do_sample)
        texts = [policy.decode(tokenizer, c) for c in completions]
        flat = score_groups(reward_fn, texts, [r["expert_action"] for r in chunk], k)
        rewards += [flat[i * k : (i + 1) * k] for i in range(len(chunk))]
    return rewards


def mean_step_similarity(model_or_path, dataset_split, **options) -> float:
    """Mean reward over the rows of `dataset_split`; `options` are `step_rewards`' (one greedy
    completion per row by default)."""
    flat = [r for row in step_rewards(model_or_path, dataset_split, **options) for r in row]
    return sum(flat) / len(flat)
