"""The GPU check's measurements (run through benchmarks/gpu_check.sh): an SRL step, a PPO step and an
RLVR turn with LoRA on a random-init model of Qwen2.5-Coder-0.5B's shape in bf16, each printed as
generation and update tokens/s and peak GPU memory, then the same SRL step under TRL's
GRPOTrainer as the baseline, side by side.

- SRL step: `train srl`'s sampling (P prompts x G) and GRPO update.
- PPO step: `train ppo`'s update (scoring, critic, one epoch) on P x G prompts sampled once each.
- RLVR turn: one turn of G episodes at an episode's later context length (`--rlvr-context` tokens
  of history), sampled and updated with `train rlvr`'s update. The env itself (Docker) is not run:
  a GPU machine without a Docker engine measures the model's side of a turn.
- TRL: GRPOTrainer with the same LoRA settings, group, completion length and prompts (as text).

`--smoke` runs every part on the CPU with the tiny model and a few tokens (the test suite's check
that the script works); `--prepare DIR` downloads the wheels the GPU machine needs (see
gpu_check.sh)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ppo_step import _config, _prompts, _timed, grpo_steps, ppo_steps  # noqa: E402  (sibling scripts)
from srl_step import make_model  # noqa: E402

LORA = {"r": 16, "lora_alpha": 32, "target_modules": "all-linear"}  # train's defaults (LoraSettings)


def _without_tensorboard() -> None:
    """The GPU machine carries no tensorboard wheels (the 64 MiB budget): log metrics to JSONL only."""
    from functools import partial

    from srl_swe.train import metrics, session

    session.MetricsLog = partial(metrics.MetricsLog, tensorboard=False)


def _reset_peak() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def rlvr_turn(args) -> dict:
    from srl_swe.env.rollout import Episode, Turn
    from srl_swe.train.rlvr import update
    from srl_swe.train.session import open_session

    cfg = _config("rlvr", args, tempfile.mkdtemp(prefix="rlvr-turn-"), group_size=args.group, batch_tasks=1,
                  max_prompt_tokens=args.rlvr_context + 16)
    with open_session(cfg, n_items=1) as s:
        context = _prompts(1, args.rlvr_context, len(s.tokenizer))[0]

        def learn(samples):
            runs = [Episode("t", [Turn(response="", thought="", action=None, format_error=None, observation="",
                                       reward=float(i % 2), expert_action=None, prompt_ids=context, completion_ids=x)])
                    for i, x in enumerate(samples)]
            return update(s, [runs])

        return _timed(s, args, lambda: s.sample([context], args.group, args.max_new_tokens), learn)


def trl_grpo_step(args) -> dict:
    """The SRL step's work under TRL: P prompts x G generations, one GRPO update, LoRA."""
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    tokenizer.padding_side = "left"
    ids = _prompts(args.prompts * (args.steps + 1), args.prompt_tokens, len(tokenizer))
    prompts = [tokenizer.decode(p) for p in ids]
    model = AutoModelForCausalLM.from_pretrained(args.model_dir, dtype=torch.bfloat16 if args.bf16 else torch.float32)
    times: list[float] = []
    lengths: list[float] = []

    class Clock(TrainerCallback):
        def on_step_begin(self, *_, **__):
            times.append(time.perf_counter())

        def on_step_end(self, *_, **__):
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            times[-1] = time.perf_counter() - times[-1]

        def on_log(self, _args, _state, _control, logs=None, **__):
            if logs and "completions/mean_length" in logs:
                lengths.append(logs["completions/mean_length"])

    config = GRPOConfig(
        output_dir=tempfile.mkdtemp(prefix="trl-grpo-"), num_generations=args.group,
        per_device_train_batch_size=args.prompts * args.group, max_completion_length=args.max_new_tokens,
        max_steps=args.steps + 1, learning_rate=1e-5, beta=0.0, temperature=1.0, logging_steps=1, report_to="none",
        save_strategy="no", bf16=args.bf16, use_cpu=not torch.cuda.is_available(), seed=0,
    )
    trainer = GRPOTrainer(model=model, reward_funcs=lambda completions, **_: [float(len(c) % 3) for c in completions],
                          args=config, train_dataset=Dataset.from_dict({"prompt": prompts}),
                          processing_class=tokenizer, peft_config=LoraConfig(task_type="CAUSAL_LM", **LORA),
                          callbacks=[Clock()])
    _reset_peak()
    trainer.train()
    counted = times[1:]  # the first step warms up
    tokens = sum(lengths[1:]) * args.prompts * args.group
    return {"completion_tokens": tokens, "step_tokens_per_s": tokens / sum(counted),
            "peak_gpu_gib": torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None}


def _rates(r: dict) -> dict:
    """s per 1k tokens -> tokens/s for generation, update and the whole step."""
    return {"completion_tokens": r["completion_tokens"], "generation_tokens_per_s": 1000 / r["sample_s_per_1k"],
            "update_tokens_per_s": 1000 / r["update_s_per_1k"], "step_tokens_per_s": 1000 / r["step_s_per_1k"],
            "peak_gpu_gib": r["peak_gpu_gib"]}


def measure(args) -> dict:
    import torch

    torch.set_num_threads(args.threads)
    _without_tensorboard()
    rows = {}
    with tempfile.TemporaryDirectory(prefix="gpu-check-model-") as tmp:
        began = time.perf_counter()
        args.model_dir = make_model(args.shape, Path(tmp) / "model", args.bf16)
        print(f"model {args.shape} ready in {time.perf_counter() - began:.1f} s", flush=True)
        for name, run in (("srl_step", lambda: grpo_steps(args)), ("ppo_step", lambda: ppo_steps(args, 1)),
                          ("rlvr_turn", lambda: rlvr_turn(args)), ("trl_grpo_step", lambda: trl_grpo_step(args))):
            _reset_peak()
            began = time.perf_counter()
            result = run()
            wall = {"wall_s": time.perf_counter() - began}
            rows[name] = (result if name == "trl_grpo_step" else _rates(result)) | wall
            print(f"{name}: {json.dumps(rows[name])}", flush=True)
    return rows


def report(rows: dict, args) -> None:
    print(f"\n{args.shape}, {'bf16' if args.bf16 else 'float32'}, LoRA r=16, P={args.prompts} x G={args.group}, "
          f"prompt {args.prompt_tokens} tokens, {args.max_new_tokens} new tokens")
    print(f"{'':<15} {'gen tok/s':>10} {'update tok/s':>13} {'step tok/s':>11} {'peak GiB':>9}")
    for name, r in rows.items():
        peak = f"{r['peak_gpu_gib']:.2f}" if r.get("peak_gpu_gib") is not None else "-"
        print(f"{name:<15} {r.get('generation_tokens_per_s', float('nan')):>10.1f} "
              f"{r.get('update_tokens_per_s', float('nan')):>13.1f} {r['step_tokens_per_s']:>11.1f} {peak:>9}")
    ours, trl = rows["srl_step"]["step_tokens_per_s"], rows["trl_grpo_step"]["step_tokens_per_s"]
    print(f"SRL step vs TRL GRPOTrainer at the same work: {ours / trl:.2f}x the tokens/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="CPU, tiny model, a few tokens")
    parser.add_argument("--prepare", type=Path, default=None, metavar="DIR", help="download the wheels into DIR")
    parser.add_argument("--python-version", default=None,
                        help="--prepare: the GPU machine's Python (default: this one's)")
    parser.add_argument("--prompts", type=int, default=4)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--rlvr-context", type=int, default=2048)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--steps", type=int, default=2, help="counted steps per part (after one warm-up)")
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args()
    if args.prepare:
        from gpu_wheels import prepare

        prepare(args.prepare, args.python_version)
        return
    args.shape, args.bf16, args.threads = ("qwen2.5-0.5b", True, 4) if not args.smoke else ("tiny", False, 1)
    args.micro_batch, args.minibatch = 8, 16
    if args.smoke:
        args.prompts, args.group, args.prompt_tokens = 1, 2, 16
        args.rlvr_context, args.max_new_tokens, args.steps = 32, 4, 1
    else:
        import torch

        if not torch.cuda.is_available():
            raise SystemExit("No CUDA device visible: run on a GPU machine, or pass --smoke for the CPU check.")
    rows = measure(args)
    report(rows, args)
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
