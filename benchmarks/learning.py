"""Does SRL learn? On the bundled tasks' step-wise data (validation held out by trajectory), train
the tiny model on CPU with SFT, then SRL from the SFT adapter, and report the SRL reward (action
similarity to the expert, -1 for a broken format) on the validation split for the untrained
model, after SFT, and after SFT then SRL. Goal: within 15 minutes on CPU; the paper's finding is
that SRL raises the reward over SFT alone. The figures are reported whatever they are.

    .venv/bin/python benchmarks/learning.py [--sft-steps 200] [--srl-steps 8] [--srl-seeds 0 1 2] [--out
    benchmarks/results]
    .venv/bin/python benchmarks/learning.py --reduced     # the same comparison at a fraction of the size

Two validation figures per policy:
- `sampled` (the headline): the mean reward of `--eval-samples` completions per prompt sampled at
  SRL's training temperature, i.e. the expected reward that GRPO maximises, with its standard
  error over prompts. SRL vs SFT is also given as a paired difference over prompts.
- `greedy`: one greedy completion per prompt. The tiny model's rewards are bimodal (-1 for a
  broken action, about 0.4 otherwise), so on 22 prompts each flip moves the mean by ~0.06 and a
  small change of the weights flips several: a coarse figure, reported alongside.

Settings for a tiny model on 2 shared cores: prompts keep their last 512 tokens, SFT targets are
the expert actions without thoughts (shorter targets, learned within the budget), SRL starts from
the SFT adapter with the paper's group size 8 and temperature 1.0. SRL: 8 steps of 8 prompts
(512 samples; fewer, larger batches than 16 of 4 for the same samples: a less noisy gradient,
nearer the paper's 512-prompt batches) at lr 1e-3 (1e-4 barely moves the adapter in so few steps,
3e-3 made completions run long and the reward fall). The KL to the base model is not logged
(it measures the SFT adapter as much as SRL, and costs a forward pass a step). Each of
--srl-seeds runs SRL again from the same SFT adapter; every seed is reported, with their mean and
spread. The default three seeds take about 13 minutes on 2 cores.

RLVR resolve rate: each policy (untrained, SFT, every SRL and PPO seed) then runs agentic
episodes in Docker on the held-out tasks (the tasks of the validation trajectories), greedy, for
`--resolve-turns` turns each, through `srl-swe eval`'s code; the share of tasks whose final diff
passes the task's tests is reported per policy, with mean and spread over seeds.

PPO (`train ppo`, stepwise) runs beside SRL from the same SFT adapter with the same seeds and the
same sample budget: as many steps, each sampling as many completions as an SRL step's groups
(`--srl-batch-prompts` x 8 prompts, one sample each), two PPO epochs over minibatches of 16. The
completion tokens each run generated are reported (SRL's refill rounds may sample more). PPO adds
about as many minutes again; `--reduced` shrinks every size (a smoke-sized comparison whose
figures are noisy).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from srl_swe import atomic
from srl_swe.evaluate.policies import PolicySettings
from srl_swe.evaluate.runner import EvalConfig, run_eval
from srl_swe.models.loading import resolve_model
from srl_swe.srl.dataset import build_dataset, bundled_expert_files
from srl_swe.train.config import load_config
from srl_swe.train.metrics import read_metrics
from srl_swe.train.ppo import train_ppo
from srl_swe.train.sft import train_sft
from srl_swe.train.srl import train_srl
from srl_swe.train.step_rewards import step_rewards
from srl_swe.trajectories.schema import read_jsonl

TEMPERATURE = 1.0  # SRL's (the paper's) sampling temperature: the sampled figure uses the same


def build(work: Path, val_fraction: float, observation_budget: int):
    trajectories = [t for path in bundled_expert_files() for t in read_jsonl(path)]
    if len(trajectories) < 2:
        raise SystemExit("The benchmark needs bundled tasks with expert trajectories under tasks/.")
    data = build_dataset(trajectories, work / "data", val_fraction=val_fraction, observation_budget=observation_budget)
    return work / "data", data, len(trajectories)


def mean_se(values: list[float]) -> tuple[float, float]:
    mean = statistics.fmean(values)
    return mean, (statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else 0.0)


def evaluate(model_or_path, data, args) -> dict:
    """Greedy and sampled validation rewards of one policy, with per-prompt sampled means."""
    model, tokenizer = resolve_model(str(model_or_path))
    common = {
        "max_new_tokens": args.max_new_tokens,
        "max_prompt_tokens": args.max_prompt_tokens,
        "tokenizer": tokenizer,
    }
    greedy = [r[0] for r in step_rewards(model, data["validation"], batch_size=8, **common)]
    sampled = step_rewards(model, data["validation"], do_sample=True, temperature=TEMPERATURE, batch_size=4,
                           samples_per_prompt=args.eval_samples, seed=0, **common)
    by_prompt = [statistics.fmean(r) for r in sampled]
    mean, se = mean_se(by_prompt)
    flat = [x for r in sampled for x in r]
    return {"greedy": statistics.fmean(greedy), "greedy_format_error_rate": sum(x <= -1 for x in greedy) / len(greedy),
            "sampled": mean, "sampled_se": se, "sampled_format_error_rate": sum(x <= -1 for x in flat) / len(flat),
            "sampled_by_prompt": [round(x, 4) for x in by_prompt]}


def resolve_rate(adapter: Path | None, tasks: list[str], args, out: Path) -> dict:
    """Agentic episodes of the held-out tasks in Docker (greedy): resolved / tasks."""
    policy = PolicySettings(kind="hf", model="tiny", adapter=str(adapter) if adapter else None,
                            max_tokens=args.max_new_tokens)
    report = run_eval(EvalConfig(policy=policy, tasks=tasks, mode="agentic", workers=args.resolve_workers,
                                 max_steps=args.resolve_turns, out=out))
    return {"resolved": report["resolved_instances"], "tasks": report["total_instances"],
            "resolve_rate": report["resolve_rate"], "mean_steps": report.get("mean_steps"),
            "format_error_rate": report.get("format_error_rate")}


def paired_gain(after: dict, before: dict) -> dict:
    """Mean over prompts of (after - before) sampled reward, with its paired standard error."""
    mean, se = mean_se([a - b for a, b in zip(after["sampled_by_prompt"], before["sampled_by_prompt"], strict=True)])
    return {"mean": mean, "se": se}


def spread(values: list[float]) -> dict:
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values)}


def plot(results: dict, path: Path) -> None:
    """Left: validation reward of the policies, greedy and sampled (mean over seeds, error bars:
    standard error over prompts). Middle: resolve rate on the held-out tasks (mean over seeds, each
    seed a dot). Right: SRL's and PPO's training reward per step, per seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["untrained", "SFT", "SFT + SRL", "SFT + PPO"]
    runs, ppo_runs = results["srl_runs"], results["ppo_runs"]
    greedy = [results["untrained"]["greedy"], results["sft"]["greedy"], results["srl_greedy"]["mean"],
              results["ppo_greedy"]["mean"]]
    sampled = [results["untrained"]["sampled"], results["sft"]["sampled"], results["srl_sampled"]["mean"],
               results["ppo_sampled"]["mean"]]
    errors = [results["untrained"]["sampled_se"], results["sft"]["sampled_se"],
              statistics.fmean(r["validation"]["sampled_se"] for r in runs),
              statistics.fmean(r["validation"]["sampled_se"] for r in ppo_runs)]
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(16, 4), gridspec_kw={"width_ratios": [3, 2, 3]})
    rates = results["resolve_rate"]
    means = [rates["untrained"], rates["sft"], rates["srl"]["mean"], rates["ppo"]["mean"]]
    bars = middle.bar(range(len(names)), means, 0.6, color="#55A868")
    for bar, value in zip(bars, means, strict=True):
        middle.annotate(f"{value:.0%}", (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom",
                        fontsize=8, xytext=(0, 2), textcoords="offset points")
    for bar, seeds in ((2, runs), (3, ppo_runs)):
        middle.scatter([bar] * len(seeds), [r["resolve"]["resolve_rate"] for r in seeds], s=12, color="black", zorder=3)
    middle.set_xticks(range(len(names)), names)
    middle.set_ylim(0, 1.05)
    middle.set_ylabel("resolve rate (held-out tasks)")
    middle.set_title(f"Agentic episodes in Docker, greedy, {results['settings']['resolve_turns']} turns: "
                     f"{len(results['held_out_tasks'])} held-out task(s)", fontsize=9)
    x = range(len(names))
    width = 0.38
    for offset, values, label, color, err in (
        (-width / 2, greedy, "greedy", "#4C72B0", None),
        (
            width / 2,
            sampled,
            f"sampled (T={TEMPERATURE:g}, {results['settings']['eval_samples']}/prompt)",
            "#DD8452",
            errors,
        ),
    ):
        bars = left.bar([i + offset for i in x], values, width, label=label, color=color, yerr=err, capsize=3)
        for bar, value, e in zip(bars, values, err or [0.0] * len(values), strict=True):
            end = value + e if value >= 0 else value - e  # label beyond the error bar
            left.annotate(
                f"{value:.3f}",
                (bar.get_x() + bar.get_width() / 2, end),
                ha="center",
                fontsize=8,
                va="bottom" if value >= 0 else "top",
                xytext=(0, 2 if value >= 0 else -2),
                textcoords="offset points",
            )
    if len(runs) > 1:  # each seed's figures on the SRL and PPO bars
        for offset, key in ((-width / 2, "greedy"), (width / 2, "sampled")):
            for bar, seeds in ((2, runs), (3, ppo_runs)):
                left.scatter([bar + offset] * len(seeds), [r["validation"][key] for r in seeds], s=12, color="black",
                             zorder=3)
    left.set_xticks(list(x), names)
    left.axhline(0, color="black", lw=0.8)
    left.set_ylim(-1.2, 1.05)
    left.set_ylabel("mean SRL reward (validation)")
    left.set_title(f"Tiny model, {results['trajectories']} bundled trajectories (CPU), "
                   f"SRL and PPO: {len(runs)} seed(s)", fontsize=9)
    left.legend(fontsize=8, loc="upper left")
    for run, color in zip(runs, plt.cm.tab10.colors, strict=False):
        rewards = run["train_reward_by_step"]
        steps = range(1, len(rewards) + 1)
        # Each step sees new prompts: a running mean over 4 steps shows the trend through that noise.
        smooth = [statistics.fmean(rewards[max(0, i - 3) : i + 1]) for i in range(len(rewards))]
        right.plot(steps, rewards, color=color, alpha=0.35, marker="o", ms=3)
        right.plot(steps, smooth, color=color, lw=2, label=f"SRL seed {run['seed']} (running mean of 4 steps)")
    for run, color in zip(ppo_runs, plt.cm.tab10.colors, strict=False):
        rewards = run["train_reward_by_step"]
        smooth = [statistics.fmean(rewards[max(0, i - 3) : i + 1]) for i in range(len(rewards))]
        right.plot(range(1, len(rewards) + 1), smooth, color=color, lw=2, ls="--", label=f"PPO seed {run['seed']}")
    right.set_xlabel("step (SRL: GRPO groups; PPO: as many single samples)")
    right.set_ylabel("mean reward of the step's samples")
    right.set_title(f"Training reward (SRL: {results['settings']['srl_batch_prompts']} prompts x 8 samples a step; "
                    "PPO: as many prompts x 1)", fontsize=9)
    right.grid(alpha=0.3)
    right.legend(fontsize=8)
    fig.tight_layout()
    with atomic.replacing(path, binary=True) as fh:
        fig.savefig(fh, dpi=110, format="png")
    plt.close(fig)


def run_srl(work: Path, common: dict, data, args, seed: int) -> dict:
    out = work / f"srl-seed{seed}"
    began = time.perf_counter()
    train_srl(
        load_config(
            "srl",
            None,
            {
                **common,
                "seed": seed,
                "out": str(out),
                "init_from": str(work / "sft"),
                "max_steps": args.srl_steps,
                "lr": args.srl_lr,
                "batch_prompts": args.srl_batch_prompts,
                "group_size": 8,
                "generation_batch_prompts": 4,
                "max_new_tokens": args.max_new_tokens,
                "temperature": TEMPERATURE,
                "max_refill_rounds": 4,
                "log_kl": False,
            },
        )
    )
    seconds = time.perf_counter() - began
    metrics = read_metrics(out)
    return {"seed": seed, "train_s": seconds, "validation": evaluate(out / "adapter", data, args),
            "resolve": resolve_rate(out / "adapter", args.held_out_tasks, args, work / f"eval-srl-seed{seed}"),
            # every group sampled, refills included: the kept ones are (1 - fraction filtered) of them
            "completion_tokens": round(sum(
                m["completion_len_mean"] * 8 * m["groups_kept"] / (1 - m["fraction_filtered"]) for m in metrics)),
            "train_reward_by_step": [round(m["reward_mean"], 4) for m in metrics],
            "format_error_rate_by_step": [round(m["format_error_rate"], 4) for m in metrics],
            "fraction_filtered_by_step": [round(m["fraction_filtered"], 4) for m in metrics]}


def run_ppo(work: Path, common: dict, data, args, seed: int) -> dict:
    """PPO from the SFT adapter at SRL's sample budget: as many steps, each as many samples."""
    out = work / f"ppo-seed{seed}"
    began = time.perf_counter()
    train_ppo(load_config("ppo", None, {
        **common, "seed": seed, "out": str(out), "init_from": str(work / "sft"), "max_steps": args.srl_steps,
        "lr": args.ppo_lr, "batch_prompts": args.srl_batch_prompts * 8, "generation_batch_prompts": 16,
        "max_new_tokens": args.max_new_tokens, "temperature": TEMPERATURE, "ppo_epochs": 2, "minibatch_size": 16,
        "log_kl": False,
    }))
    seconds = time.perf_counter() - began
    metrics = read_metrics(out)
    return {"seed": seed, "train_s": seconds, "validation": evaluate(out / "adapter", data, args),
            "resolve": resolve_rate(out / "adapter", args.held_out_tasks, args, work / f"eval-ppo-seed{seed}"),
            "completion_tokens": round(sum(m["completion_len_mean"] * args.srl_batch_prompts * 8 for m in metrics)),
            "train_reward_by_step": [round(m["reward_mean"], 4) for m in metrics],
            "explained_variance_by_step": [round(m["explained_variance"], 4) for m in metrics]}


def show(name: str, r: dict, resolve: dict) -> None:
    print(f"{name}: greedy {r['greedy']:.4f} | sampled {r['sampled']:.4f} +- {r['sampled_se']:.4f} "
          f"(format errors {r['sampled_format_error_rate']:.0%}) | resolved {resolve['resolved']}/{resolve['tasks']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sft-steps", type=int, default=200)
    parser.add_argument("--srl-steps", type=int, default=8)
    parser.add_argument("--srl-batch-prompts", type=int, default=8, help="prompts (groups of 8 samples) per SRL step")
    parser.add_argument(
        "--srl-seeds", type=int, nargs="+", default=[0, 1, 2], help="one SRL run from the SFT adapter per seed"
    )
    parser.add_argument("--val-fraction", type=float, default=0.25)
    parser.add_argument("--observation-budget", type=int, default=1000)
    parser.add_argument("--max-prompt-tokens", type=int, default=512, help="prompts keep their last N tokens")
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--sft-lr", type=float, default=5e-3)
    parser.add_argument("--srl-lr", type=float, default=1e-3)
    parser.add_argument("--ppo-lr", type=float, default=1e-3,
                        help="as SRL's: the critic's head starts at 0 and needs it")
    parser.add_argument("--reduced", action="store_true", help="small sizes: SFT 60 steps, 3 steps of 2 x 8 samples, "
                        "128 new tokens, 2 evaluation samples (noisy figures, ~4x faster)")
    parser.add_argument("--eval-samples", type=int, default=8, help="sampled completions per validation prompt")
    parser.add_argument("--resolve-turns", type=int, default=5, help="turns per agentic episode of the resolve rate")
    parser.add_argument("--resolve-workers", type=int, default=2, help="episodes (sandboxes) at once")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 suits a shared machine)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    if args.reduced:
        args.sft_steps, args.srl_steps, args.srl_batch_prompts = 60, 3, 2
        args.max_new_tokens, args.eval_samples, args.resolve_turns = 128, 2, 3
    torch.set_num_threads(args.threads)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="srl-learning-") as tmp:
        work = Path(tmp)
        data_dir, data, n_trajectories = build(work, args.val_fraction, args.observation_budget)
        print(
            f"data: {len(data['train'])} train / {len(data['validation'])} validation steps from {n_trajectories} "
            "trajectories"
        )
        args.held_out_tasks = sorted(set(data["validation"]["task_id"]))
        print(f"held-out tasks (resolve rate): {', '.join(args.held_out_tasks)}")
        timings = {}
        t = time.perf_counter()
        untrained = evaluate("tiny", data, args)
        untrained_resolve = resolve_rate(None, args.held_out_tasks, args, work / "eval-untrained")
        timings["eval_untrained_s"] = time.perf_counter() - t
        show("untrained", untrained, untrained_resolve)

        common = {"data": str(data_dir), "max_prompt_tokens": args.max_prompt_tokens, "save_every": 10_000}
        t = time.perf_counter()
        train_sft(load_config("sft", None, {**common, "seed": 0, "out": str(work / "sft"), "max_steps": args.sft_steps,
                                            "lr": args.sft_lr, "batch_size": 8, "with_thought": False,
                                            "max_seq_tokens": args.max_prompt_tokens + args.max_new_tokens}))
        timings["sft_s"] = time.perf_counter() - t
        sft = evaluate(work / "sft" / "adapter", data, args)
        sft_resolve = resolve_rate(work / "sft" / "adapter", args.held_out_tasks, args, work / "eval-sft")
        show("after SFT", sft, sft_resolve)

        runs, ppo_runs = [], []
        for seed in args.srl_seeds:
            runs.append(run_srl(work, common, data, args, seed))
            runs[-1]["sampled_gain_over_sft"] = paired_gain(runs[-1]["validation"], sft)
            show(f"after SFT then SRL (seed {seed})", runs[-1]["validation"], runs[-1]["resolve"])
            ppo_runs.append(run_ppo(work, common, data, args, seed))
            ppo_runs[-1]["sampled_gain_over_sft"] = paired_gain(ppo_runs[-1]["validation"], sft)
            ppo_runs[-1]["sampled_gain_over_srl"] = paired_gain(ppo_runs[-1]["validation"], runs[-1]["validation"])
            show(f"after SFT then PPO (seed {seed})", ppo_runs[-1]["validation"], ppo_runs[-1]["resolve"])
        steps = {"train": len(data["train"]), "validation": len(data["validation"])}

    gains = [r["sampled_gain_over_sft"]["mean"] for r in runs]
    results = {
        "trajectories": n_trajectories,
        "steps": steps,
        "validation_reward": {"untrained": untrained["greedy"], "sft": sft["greedy"],
                              "srl": statistics.fmean(r["validation"]["greedy"] for r in runs),
                              "ppo": statistics.fmean(r["validation"]["greedy"] for r in ppo_runs)},
        "validation_reward_sampled": {"untrained": untrained["sampled"], "sft": sft["sampled"],
                                      "srl": statistics.fmean(r["validation"]["sampled"] for r in runs),
                                      "ppo": statistics.fmean(r["validation"]["sampled"] for r in ppo_runs)},
        "held_out_tasks": args.held_out_tasks,
        "resolve_rate": {"untrained": untrained_resolve["resolve_rate"], "sft": sft_resolve["resolve_rate"],
                         "srl": spread([r["resolve"]["resolve_rate"] for r in runs]),
                         "ppo": spread([r["resolve"]["resolve_rate"] for r in ppo_runs])},
        "untrained_resolve": untrained_resolve,
        "sft_resolve": sft_resolve,
        "ppo_sampled": spread([r["validation"]["sampled"] for r in ppo_runs]),
        "ppo_greedy": spread([r["validation"]["greedy"] for r in ppo_runs]),
        "ppo_sampled_gain_over_sft": spread([r["sampled_gain_over_sft"]["mean"] for r in ppo_runs]),
        "ppo_sampled_gain_over_srl": spread([r["sampled_gain_over_srl"]["mean"] for r in ppo_runs]),
        "completion_tokens": {"srl": [r["completion_tokens"] for r in runs],
                              "ppo": [r["completion_tokens"] for r in ppo_runs]},
        "srl_raises_over_sft": {"sampled": statistics.fmean(gains) > 0,
                                "greedy": statistics.fmean(r["validation"]["greedy"] for r in runs) > sft["greedy"]},
        "srl_sampled_gain_over_sft": spread(gains),
        "srl_sampled": spread([r["validation"]["sampled"] for r in runs]),
        "srl_greedy": spread([r["validation"]["greedy"] for r in runs]),
        "untrained": untrained,
        "sft": sft,
        "srl_runs": runs,
        "ppo_runs": ppo_runs,
        "settings": vars(args) | {"out": str(args.out), "temperature": TEMPERATURE},
        "timings_s": timings | {"srl_s": [round(r["train_s"], 1) for r in runs],
                                 "ppo_s": [round(r["train_s"], 1) for r in ppo_runs],
                                 "total": time.perf_counter() - began},
        "cpu_count": os.cpu_count(),
    }
    atomic.write_json(args.out / "learning.json", results)
    plot(results, args.out / "learning.png")
    shown = ("validation_reward", "validation_reward_sampled", "resolve_rate", "srl_raises_over_sft",
             "srl_sampled_gain_over_sft", "ppo_sampled", "ppo_sampled_gain_over_sft", "ppo_sampled_gain_over_srl",
             "completion_tokens", "timings_s")
    print(json.dumps({k: results[k] for k in shown}, indent=2))


if __name__ == "__main__":
    main()
