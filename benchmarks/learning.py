"""Does SRL learn? On the bundled tasks' step-wise data (validation held out by trajectory), train
the tiny model on CPU with SFT, then SRL from the SFT adapter, and report the mean SRL reward
(action similarity to the expert, -1 for a broken format) on the validation split for the
untrained model, after SFT, and after SFT then SRL. Goal: within 15 minutes on CPU; the paper's
finding is that SRL raises the reward over SFT alone. The figures are reported whatever they are.

    .venv/bin/python benchmarks/learning.py [--sft-steps 200] [--srl-steps 16] [--out benchmarks/results]

Settings for a tiny model on 2 shared cores: prompts keep their last 512 tokens, SFT targets are
the expert actions without thoughts (shorter targets, learned within the budget), SRL starts from
the SFT adapter with the paper's group size 8 and temperature 1.0 on batches of 4 prompts.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import torch

from srl_swe.srl.dataset import build_dataset, bundled_expert_files
from srl_swe.train.config import load_config
from srl_swe.train.evaluate import mean_step_similarity
from srl_swe.train.metrics import read_metrics
from srl_swe.train.sft import train_sft
from srl_swe.train.srl import train_srl
from srl_swe.trajectories.schema import read_jsonl


def build(work: Path, val_fraction: float, observation_budget: int):
    trajectories = [t for path in bundled_expert_files() for t in read_jsonl(path)]
    if len(trajectories) < 2:
        raise SystemExit("The benchmark needs bundled tasks with expert trajectories under tasks/.")
    data = build_dataset(trajectories, work / "data", val_fraction=val_fraction, observation_budget=observation_budget)
    return work / "data", data, len(trajectories)


def evaluate(model, data, args) -> float:
    return mean_step_similarity(model, data["validation"], max_new_tokens=args.max_new_tokens,
                                max_prompt_tokens=args.max_prompt_tokens, batch_size=8)


def plot(results: dict, path: Path) -> None:
    """Left: validation reward of the three policies. Right: SRL's training reward and the fraction
    of groups dynamic sampling dropped, per step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["untrained", "SFT", "SFT + SRL"]
    values = [results["validation_reward"][k] for k in ("untrained", "sft", "srl")]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    bars = left.bar(names, values, color=["#999999", "#4C72B0", "#DD8452"])
    for bar, value in zip(bars, values, strict=True):
        left.annotate(f"{value:.3f}", (bar.get_x() + bar.get_width() / 2, value), ha="center",
                      va="bottom" if value >= 0 else "top", fontsize=9, xytext=(0, 2 if value >= 0 else -2),
                      textcoords="offset points")
    left.axhline(0, color="black", lw=0.8)
    left.set_ylim(-1.2, 1.05)
    left.set_ylabel("mean SRL reward (validation)")
    left.set_title(f"Tiny model, {results['trajectories']} bundled trajectories (CPU)", fontsize=10)
    steps = range(1, len(results["srl_train_reward_by_step"]) + 1)
    right.plot(steps, results["srl_train_reward_by_step"], marker="o", label="train reward (all samples)")
    right.plot(steps, results["srl_fraction_filtered_by_step"], marker="s", label="fraction of groups filtered")
    right.set_xlabel("SRL step")
    right.set_title("SRL training", fontsize=10)
    right.grid(alpha=0.3)
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sft-steps", type=int, default=200)
    parser.add_argument("--srl-steps", type=int, default=16)
    parser.add_argument("--val-fraction", type=float, default=0.25)
    parser.add_argument("--observation-budget", type=int, default=1000)
    parser.add_argument("--max-prompt-tokens", type=int, default=512, help="prompts keep their last N tokens")
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--sft-lr", type=float, default=5e-3)
    parser.add_argument("--srl-lr", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 suits a shared machine)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="srl-learning-") as tmp:
        work = Path(tmp)
        data_dir, data, n_trajectories = build(work, args.val_fraction, args.observation_budget)
        print(f"data: {len(data['train'])} train / {len(data['validation'])} validation steps from {n_trajectories} trajectories")
        timings, rewards = {}, {}
        t = time.perf_counter()
        rewards["untrained"] = evaluate("tiny", data, args)
        timings["eval_untrained_s"] = time.perf_counter() - t
        print(f"untrained: {rewards['untrained']:.4f}")

        common = {"data": str(data_dir), "max_prompt_tokens": args.max_prompt_tokens, "save_every": 10_000, "seed": 0}
        t = time.perf_counter()
        train_sft(load_config("sft", None, {**common, "out": str(work / "sft"), "max_steps": args.sft_steps, "lr": args.sft_lr,
                                            "batch_size": 8, "with_thought": False,
                                            "max_seq_tokens": args.max_prompt_tokens + args.max_new_tokens}))
        timings["sft_s"] = time.perf_counter() - t
        rewards["sft"] = evaluate(work / "sft" / "adapter", data, args)
        print(f"after SFT: {rewards['sft']:.4f}")

        t = time.perf_counter()
        train_srl(load_config("srl", None, {**common, "out": str(work / "srl"), "init_from": str(work / "sft"),
                                            "max_steps": args.srl_steps, "lr": args.srl_lr, "batch_prompts": 4, "group_size": 8,
                                            "generation_batch_prompts": 4, "max_new_tokens": args.max_new_tokens,
                                            "max_refill_rounds": 4}))
        timings["srl_s"] = time.perf_counter() - t
        rewards["srl"] = evaluate(work / "srl" / "adapter", data, args)
        print(f"after SFT then SRL: {rewards['srl']:.4f}")
        srl_metrics = read_metrics(work / "srl")
        steps = {"train": len(data["train"]), "validation": len(data["validation"])}

    results = {
        "trajectories": n_trajectories,
        "steps": steps,
        "validation_reward": rewards,
        "srl_raises_over_sft": rewards["srl"] > rewards["sft"],
        "settings": vars(args) | {"out": str(args.out)},
        "timings_s": timings | {"total": time.perf_counter() - began},
        "srl_train_reward_by_step": [round(m["reward_mean"], 4) for m in srl_metrics],
        "srl_fraction_filtered_by_step": [round(m["fraction_filtered"], 4) for m in srl_metrics],
        "cpu_count": os.cpu_count(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "learning.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, args.out / "learning.png")
    print(json.dumps({k: results[k] for k in ("validation_reward", "srl_raises_over_sft", "timings_s")}, indent=2))


if __name__ == "__main__":
    main()
