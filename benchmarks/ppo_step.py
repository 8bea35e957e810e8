"""PPO step time against GRPO step time at the same completion tokens: the critic's overhead.

Both steps sample the same number of completions of the same prompt length (GRPO: P prompts x G;
PPO: P x G prompts x 1) and update on them: GRPO's one clipped pass (`train srl`'s update), PPO's
scoring pass (policy log-probs, critic values, base log-probs for the KL) then `--ppo-epochs`
passes of the policy and critic losses (`train ppo`'s update). Both log the KL to the base, as by
default. Figures are seconds per 1,000 completion tokens (generation may stop early at an end
token, so the counts can differ a little), after one warm-up step; the ratio PPO / GRPO is the
overhead (goal: at most 1.5x at one PPO epoch, the same passes over the data as GRPO).

    .venv/bin/python benchmarks/ppo_step.py                          # tiny model, CPU
    .venv/bin/python benchmarks/ppo_step.py --shape qwen2.5-0.5b --bf16   # on a GPU

Writes benchmarks/results/ppo_step.json (with --out)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from srl_step import SHAPES, make_model  # noqa: E402  (a sibling script, not a package)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _prompts(n: int, length: int, vocab: int) -> list[list[int]]:
    return torch.randint(10, vocab, (n, length), generator=torch.Generator().manual_seed(1)).tolist()


def _config(kind: str, args, out: str, **extra):
    from srl_swe.train.config import load_config

    return load_config(kind, None, {"model": args.model_dir, "out": out, "max_steps": 1000, "bf16": args.bf16,
                                    "max_new_tokens": args.max_new_tokens, "micro_batch_size": args.micro_batch,
                                    "save_every": 10**6, "lr": 1e-5, **extra})


def grpo_steps(args) -> dict:
    from srl_swe.train.session import open_session
    from srl_swe.train.srl import Batch, update

    cfg = _config("srl", args, tempfile.mkdtemp(prefix="grpo-step-"), group_size=args.group, batch_prompts=args.prompts)
    with open_session(cfg, n_items=args.prompts) as s:
        prompts = _prompts(args.prompts, args.prompt_tokens, len(s.tokenizer))
        return _timed(s, args, lambda: s.sample(prompts, args.group, args.max_new_tokens),
                      lambda c: update(s, Batch([p for p in prompts for _ in range(args.group)], c,
                                                [float(i % args.group) / args.group for i in range(len(c))])))


def ppo_steps(args, epochs: int) -> dict:
    from srl_swe.train.ppo_update import Rollout, Turn, ppo_update
    from srl_swe.train.session import open_session
    from srl_swe.train.value_head import attach_critic

    n = args.prompts * args.group
    cfg = _config("ppo", args, tempfile.mkdtemp(prefix="ppo-step-"), batch_prompts=n, ppo_epochs=epochs,
                  minibatch_size=n if epochs == 1 else args.minibatch)
    with open_session(cfg, n_items=n, prepare=partial(attach_critic, critic=cfg.critic, lora=cfg.lora)) as s:
        prompts = _prompts(n, args.prompt_tokens, len(s.tokenizer))
        return _timed(s, args, lambda: s.sample(prompts, 1, args.max_new_tokens),
                      lambda c: ppo_update(s, [Rollout([Turn(p, x, float(i % args.group) / args.group)])
                                               for i, (p, x) in enumerate(zip(prompts, c, strict=True))]))


def _timed(s, args, sample, update) -> dict:
    counted = {"tokens": 0, "sample_s": 0.0, "update_s": 0.0}
    for step in range(args.steps + 1):  # step 0 warms up
        began = time.perf_counter()
        completions = sample()
        _sync(s.device)
        sampled = time.perf_counter()
        update(completions)
        _sync(s.device)
        if step:
            counted["tokens"] += sum(len(c) for c in completions)
            counted["sample_s"] += sampled - began
            counted["update_s"] += time.perf_counter() - sampled
    k = counted["tokens"] / 1000
    return {"completion_tokens": counted["tokens"], "sample_s_per_1k": counted["sample_s"] / k,
            "update_s_per_1k": counted["update_s"] / k,
            "step_s_per_1k": (counted["sample_s"] + counted["update_s"]) / k,
            "device": s.device,
            "peak_gpu_gib": torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=["tiny", *SHAPES], default="tiny")
    parser.add_argument("--bf16", action="store_true")
    parser.add_argument("--prompts", type=int, default=4, help="GRPO prompts per step (PPO: prompts x group)")
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--prompt-tokens", type=int, default=256)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--micro-batch", type=int, default=8)
    parser.add_argument("--minibatch", type=int, default=16, help="PPO turns per optimizer step at --ppo-epochs > 1")
    parser.add_argument("--ppo-epochs", type=int, default=2, help="also measured, beside one epoch")
    parser.add_argument("--steps", type=int, default=3, help="counted steps (after one warm-up)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="write ppo_step.json here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="ppo-step-model-") as tmp:
        args.model_dir = make_model(args.shape, Path(tmp) / "model", args.bf16)
        rows = {"grpo": grpo_steps(args), "ppo_1_epoch": ppo_steps(args, 1)}
        if args.ppo_epochs > 1:
            rows[f"ppo_{args.ppo_epochs}_epochs"] = ppo_steps(args, args.ppo_epochs)
    base = rows["grpo"]
    print(f"{'':<14} {'tokens':>7} {'sample s/1k':>12} {'update s/1k':>12} {'step s/1k':>10} {'step ratio':>11} "
          f"{'update ratio':>13}")
    for name, r in rows.items():
        r["step_ratio_vs_grpo"] = r["step_s_per_1k"] / base["step_s_per_1k"]
        r["update_ratio_vs_grpo"] = r["update_s_per_1k"] / base["update_s_per_1k"]
        print(f"{name:<14} {r['completion_tokens']:>7} {r['sample_s_per_1k']:>12.2f} {r['update_s_per_1k']:>12.2f} "
              f"{r['step_s_per_1k']:>10.2f} {r['step_ratio_vs_grpo']:>10.2f}x {r['update_ratio_vs_grpo']:>12.2f}x")
    print(f"PPO step / GRPO step at the same tokens (1 epoch): {rows['ppo_1_epoch']['step_ratio_vs_grpo']:.2f}x "
          "(goal <= 1.5x)")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        settings = {k: str(v) for k, v in vars(args).items() if k != "model_dir"}
        (args.out / "ppo_step.json").write_text(json.dumps({"settings": settings, "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
