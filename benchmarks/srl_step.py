"""Throughput of SRL training steps: completion tokens per second through sampling (G per prompt)
and the GRPO update, on a random-init model of a realistic shape (Qwen2.5-0.5B's by default), and
how it scales with data-parallel processes. Prompts are random token ids of a fixed length and the
rewards a fixed spread, so every step does the same work; the first step is a warm-up and is not
counted.

    .venv/bin/python benchmarks/srl_step.py --shape qwen2.5-0.5b --bf16          # one process (GPU if any)
    .venv/bin/python benchmarks/srl_step.py --shape tiny --scaling 1,2           # 1 vs 2 processes (torchrun)

`--scaling` prints step tokens/s with N processes as a ratio against one process, and writes
benchmarks/results/srl_step.json and srl_step.png. On a CPU each process runs one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

SHAPES = {
    # Qwen2.5-0.5B's config.json, weights left random
    "qwen2.5-0.5b": {"hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
                     "num_key_value_heads": 2, "vocab_size": 151936, "max_position_embeddings": 32768,
                     "rope_theta": 1_000_000.0, "rms_norm_eps": 1e-6, "tie_word_embeddings": True},
}


def make_model(shape: str, target: Path, bf16: bool) -> str:
    """A model directory: the tiny model, or a random-init one of `shape` with the tiny tokenizer
    (its ids are a subset of the vocabulary; sampled ids it lacks decode to nothing)."""
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    from srl_swe.models.loading import ensure_tiny

    tiny = ensure_tiny()
    if shape == "tiny":
        return str(tiny)
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    config = Qwen2Config(**SHAPES[shape], bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config).to(torch.bfloat16 if bf16 else torch.float32)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return str(target)


def measure(args) -> dict:
    """Run `args.steps` SRL steps in this process (one of WORLD_SIZE); returns the counted figures."""
    from srl_swe.train.config import load_config
    from srl_swe.train.session import open_session
    from srl_swe.train.srl import Batch, update

    torch.set_num_threads(args.threads)
    cfg = load_config(
        "srl",
        None,
        {
            "model": args.model_dir,
            "out": tempfile.mkdtemp(prefix="srl-step-"),
            "max_steps": args.steps,
            "bf16": args.bf16,
            "batch_prompts": args.prompts,
            "group_size": args.group,
            "max_new_tokens": args.max_new_tokens,
            "micro_batch_size": args.micro_batch,
            "save_every": 10**6,
            "lr": 1e-5,
            "log_kl": False,
        },
    )
    counted = {"tokens": 0.0, "sample_s": 0.0, "update_s": 0.0}
    with open_session(cfg, n_items=args.prompts) as s:
        generator = torch.Generator().manual_seed(1)
        prompts = torch.randint(10, len(s.tokenizer), (args.prompts, args.prompt_tokens), generator=generator).tolist()
        mine = s.workers.shard(prompts)
        for step in range(args.steps):
            began = time.perf_counter()
            completions = s.sample(mine, args.group, args.max_new_tokens) if mine else []
            sampled = time.perf_counter()
            rewards = [float(i % args.group) / args.group for i in range(len(completions))]
            batch = Batch([p for p in mine for _ in range(args.group)], completions, rewards)
            pooled = Batch(
                s.workers.gather(batch.prompts), s.workers.gather(batch.completions), s.workers.gather(batch.rewards)
            )
            update(s, pooled)
            if s.device.startswith("cuda"):
                torch.cuda.synchronize()
            done = time.perf_counter()
            if step:  # the first step warms up (allocator, kernels)
                counted["tokens"] += sum(len(c) for c in pooled.completions)
                counted["sample_s"] += s.workers.maximum(sampled - began)
                counted["update_s"] += s.workers.maximum(done - sampled)
        world, device = s.workers.world, s.device
    seconds = counted["sample_s"] + counted["update_s"]
    return {
        "world_size": world, "device": device, "dtype": "bfloat16" if args.bf16 else "float32",
        "completion_tokens": counted["tokens"], "tokens_per_s": counted["tokens"] / seconds,
        "sampling_tokens_per_s": counted["tokens"] / counted["sample_s"],
        "update_tokens_per_s": counted["tokens"] / counted["update_s"],
        "peak_gpu_gib": torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None,
    }


FORWARDED = ("shape", "prompts", "group", "prompt_tokens", "max_new_tokens", "micro_batch", "steps", "threads")


def run_with(processes: int, args, json_out: Path) -> dict:
    """This script's figures with `processes` data-parallel processes (torchrun for more than one)."""
    own = [x for key in FORWARDED for x in (f"--{key.replace('_', '-')}", str(getattr(args, key)))]
    own += ["--bf16"] * args.bf16 + ["--model-dir", args.model_dir, "--json-out", str(json_out)]
    launcher = [sys.executable] if processes == 1 else [sys.executable, "-m", "torch.distributed.run", "--standalone",
                                                          "--nproc_per_node", str(processes)]
    subprocess.run([*launcher, __file__, *own], check=True, env={**os.environ, "OMP_NUM_THREADS": str(args.threads)})
    return json.loads(json_out.read_text())


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    names = [f"{r['world_size']} process{'es' if r['world_size'] > 1 else ''}" for r in results]
    bars = ax.bar(names, [r["tokens_per_s"] for r in results], color="#4C72B0")
    for bar, r in zip(bars, results, strict=True):
        ax.annotate(f"{r['tokens_per_s']:.0f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                    va="bottom", fontsize=9)
    ax.set_ylabel("completion tokens / s (sample + update)")
    ax.set_title(f"SRL step throughput, {results[0]['shape']} on {results[0]['device']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=["tiny", *SHAPES], default="qwen2.5-0.5b")
    parser.add_argument("--bf16", action="store_true")
    parser.add_argument("--prompts", type=int, default=4, help="prompts per step, over all processes")
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--prompt-tokens", type=int, default=256)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--micro-batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3, help="steps run; the first is not counted")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per process")
    parser.add_argument("--scaling", default=None, help="process counts to compare, e.g. 1,2")
    parser.add_argument("--model-dir", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json-out", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    if args.steps < 2:
        parser.error("--steps must be at least 2 (the first is a warm-up)")
    with tempfile.TemporaryDirectory(prefix="srl-step-model-") as tmp:
        args.model_dir = args.model_dir or make_model(args.shape, Path(tmp) / "model", args.bf16)
        if args.scaling:
            results = [run_with(int(n), args, Path(tmp) / f"n{n}.json") | {"shape": args.shape}
                       for n in args.scaling.split(",")]
            base = results[0]["tokens_per_s"]
            for r in results:
                r["ratio_vs_first"] = r["tokens_per_s"] / base
                print(f"{r['world_size']} process(es): {r['tokens_per_s']:.1f} completion tokens/s "
                      f"({r['ratio_vs_first']:.2f}x vs {results[0]['world_size']})")
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "srl_step.json").write_text(json.dumps({"settings": {k: str(v) for k, v in vars(args).items()},
                                                                "results": results}, indent=2) + "\n")
            plot(results, args.out / "srl_step.png")
            return
        figures = measure(args) | {"shape": args.shape}
    if int(os.environ.get("RANK", "0")) == 0:
        if args.json_out:
            args.json_out.write_text(json.dumps(figures))
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
