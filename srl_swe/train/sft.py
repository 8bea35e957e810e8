"""SFT, the paper's baseline: LoRA supervised fine-tuning on expert actions (with or without
their thoughts), loss on the assistant's tokens only.

This is the masked-token cross-entropy that TRL's SFTTrainer computes with
`assistant_only_loss` / `completion_only_loss`, written as a short loop on the same Session as SRL
and RLVR so that all three share one run layout: the same checkpoints and `--resume`, the same
metrics.jsonl and plots, the same `merge`."""

from __future__ import annotations

import time

import torch

from srl_swe.errors import ConfigError
from srl_swe.train import policy
from srl_swe.train.config import SFTConfig
from srl_swe.train.data import load_sft_examples
from srl_swe.train.progress import progress_bar
from srl_swe.train.session import Session, open_session


def tokenize_example(
    tokenizer, messages: list[dict], max_tokens: int, last_turn_only: bool = False
) -> tuple[list[int], list[int]]:
    """(ids, loss mask). A whole conversation (the SFT export) learns every assistant turn where the
    template marks them with `{% generation %}`; a step-wise example (prompt -> expert action), or a
    template without markers, learns the last assistant turn only: the ids after the rendered
    prompt before it, up to its end-of-turn token."""
    if "generation" in (tokenizer.chat_template or "") and not last_turn_only:
        out = tokenizer.apply_chat_template(
            messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
        )
        ids, mask = list(out["input_ids"]), list(out["assistant_masks"])
    else:
        last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
        prompt = policy.encode_prompt(tokenizer, messages[:last], 10**9)
        full = list(tokenizer.apply_chat_template(messages[: last + 1], tokenize=True, return_dict=True)["input_ids"])
        if full[: len(prompt)] != prompt:
            raise ConfigError("This model's chat template does not render a conversation as its prompt plus the "
                              "reply, so the reply's tokens cannot be isolated: use a template with {% generation %}.")
        reply = full[len(prompt):]
        ends = [i for i, t in enumerate(reply) if t == tokenizer.eos_token_id]
        reply = reply[: ends[-1] + 1] if ends else reply  # what follows end-of-turn is template glue
        ids, mask = prompt + reply, [0] * len(prompt) + [1] * len(reply)
    return ids[-max_tokens:], mask[-max_tokens:]


def sft_loss(s: Session, examples: list[tuple[list[int], list[int]]]) -> tuple[float, int]:
    """Backpropagate the token-mean cross-entropy of a batch (micro-batched); returns (loss, tokens).
    With several data-parallel processes, `examples` is this process's share and the mean runs
    over the target tokens of all shares."""
    total = int(s.workers.total(sum(sum(m[1:]) for _, m in examples)))
    if total == 0:
        raise ConfigError("A training batch holds no assistant tokens to learn (all truncated away?): "
                          "raise max_seq_tokens.")
    loss_sum = 0.0
    size = s.cfg.micro_batch_size
    for start in range(0, len(examples), size):
        chunk = examples[start : start + size]
        logp, mask, _ = policy.score(s.model, [ids[:1] for ids, _ in chunk], [ids[1:] for ids, _ in chunk],
                                     s.tokenizer.pad_token_id, loss_masks=[m[1:] for _, m in chunk])
        loss = -(logp * mask).sum() / total
        loss.backward()
        loss_sum += loss.item()
    return s.workers.total(loss_sum), total


def train_sft(cfg: SFTConfig, resume: bool = False) -> dict:
    """Run SFT to cfg.max_steps; returns the last step's metrics."""
    examples = load_sft_examples(cfg.data, cfg.train_split, cfg.with_thought)
    last: dict = {}
    with open_session(cfg, len(examples), resume) as s:
        encoded = [tokenize_example(s.tokenizer, e["messages"], cfg.max_seq_tokens, e.get("last_turn_only", False))
                   for e in examples]
        s.model.train()
        with progress_bar("SFT", cfg.max_steps, s.step, s.workers.is_main) as advance:
            while s.step < cfg.max_steps:
                began = time.perf_counter()
                s.optimizer.zero_grad(set_to_none=True)
                loss, tokens = sft_loss(s, [encoded[i] for i in s.workers.shard(s.sampler.take(cfg.batch_size))])
                s.workers.sum_gradients(s.trainable)
                grad_norm = torch.nn.utils.clip_grad_norm_(s.trainable, cfg.max_grad_norm)
                s.optimizer.step()
                s.scheduler.step()
                s.step += 1
                seconds = time.perf_counter() - began
                last = {"loss": loss, "grad_norm": float(grad_norm), "target_tokens": tokens,
                        "tokens_per_s": tokens / seconds, "step_seconds": seconds, "lr": s.scheduler.get_last_lr()[0],
                        "epoch": s.sampler.epoch}
                s.end_step(last)
                advance(loss=loss)
        s.export()
    return last
