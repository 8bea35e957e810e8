"""The SRL data pipeline at paper scale, and the reward's throughput.

1. Build: 5,000 synthetic expert trajectories of 27 steps (~134k step-wise instances) written as
   srl-swe JSONL, then imported and built into the dataset exactly as `srl-swe data build` does,
   in a child process whose time and peak memory (max RSS) are reported. Goals: < 2 min, < 4 GB.
2. Rewards: one GRPO batch of 512 prompts x 8 completions of ~2 KB actions, scored by the SRL
   reward (`format_reward`) with exact difflib, cdifflib and the package's C matcher (the same
   ratios, asserted) and the rapidfuzz `fast` option, on one core and on all cores, side by side.
   Goal: < 2 s with the default (exact: the C matcher, all cores); printed as a ratio to the goal.

    .venv/bin/python benchmarks/data_pipeline.py [--trajectories 5000] [--steps 27] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from srl_swe.srl.rewards import format_reward
from srl_swe.tools.actions import Action, bash, canonical, submit
from srl_swe.trajectories.schema import Outcome, Step, Trajectory, write_jsonl

WORDS = ("def return self value if else for while in range import from class raise None True False "
         "print len dict list key items result config path name parse error test assert").split()


def code(rng: random.Random, size: int) -> str:
    lines, total = [], 0
    while total < size:
        line = "    " * rng.randint(0, 3) + " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 9)))
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)


def synthetic_action(rng: random.Random, path: str) -> Action:
    kind = rng.random()
    if kind < 0.4:
        return bash(
            f"cd /testbed && {rng.choice(['grep -rn', 'python -m pytest -q', 'sed -n 1,80p', 'ls -la'])} {path} "
            f"{rng.choice(WORDS)}"
        )
    if kind < 0.7:
        return Action(
            name="str_replace_editor",
            arguments={"command": "view", "path": path, "view_range": [rng.randint(1, 200), -1]},
        )
    if kind < 0.9:
        return Action(
            name="str_replace_editor",
            arguments={
                "command": "str_replace",
                "path": path,
                "old_str": code(rng, rng.randint(100, 800)),
                "new_str": code(rng, rng.randint(100, 800)),
            },
        )
    return Action(
        name="str_replace_editor",
        arguments={"command": "create", "path": path, "file_text": code(rng, rng.randint(300, 2000))},
    )


def synthetic_trajectory(rng: random.Random, index: int, n_steps: int) -> Trajectory:
    steps = []
    for k in range(n_steps):
        action = submit() if k == n_steps - 1 else synthetic_action(rng, f"/testbed/pkg/mod{rng.randint(1, 40)}.py")
        observation = code(rng, int(rng.lognormvariate(6.8, 1.0)))  # median ~900 chars, long tail
        steps.append(Step(thought=code(rng, rng.randint(80, 400)), action=action, observation=observation))
    return Trajectory(task_id=f"synthetic__repo-{index}", problem_statement=code(rng, 1500), steps=steps,
                      outcome=Outcome(resolved=True, diff=code(rng, 600)), source="synthetic")


def build_child(jsonl: str, out_dir: str) -> None:
    """Runs in its own process so that max RSS is the build's alone: import + expand + save."""
    from srl_swe.srl.dataset import build_dataset
    from srl_swe.trajectories.importers import import_paths

    start = time.perf_counter()
    trajectories, report = import_paths([jsonl])
    imported = time.perf_counter()
    built = build_dataset(trajectories, out_dir, history_window=2, val_fraction=0.05)
    done = time.perf_counter()
    print(json.dumps({
        "import_s": imported - start, "build_s": done - imported, "total_s": done - start,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rows": {name: len(split) for name, split in built.items()}, "skipped": len(report.skipped),
    }))


def bench_build(n: int, steps: int, seed: int) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="srl-bench-") as tmp:
        jsonl = Path(tmp) / "trajectories.jsonl"
        start = time.perf_counter()
        write_jsonl(jsonl, (synthetic_trajectory(rng, i, steps) for i in range(n)))
        generated = time.perf_counter() - start
        size_mb = jsonl.stat().st_size / 2**20
        child = subprocess.run([sys.executable, __file__, "--child-build", str(jsonl), str(Path(tmp) / "ds")],
                               capture_output=True, text=True, check=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        result["dataset_mb"] = sum(p.stat().st_size for p in (Path(tmp) / "ds").rglob("*") if p.is_file()) / 2**20
    return {"trajectories": n, "steps": steps, "generate_s": generated, "jsonl_mb": size_mb, **result}


def reward_batch(rng: random.Random, prompts: int, group: int) -> tuple[list[str], list[str]]:
    """Experts: ~2 KB str_replace actions. Completions: a thought + the expert's action with parts
    rewritten (different amounts per completion); one in eight breaks the format."""
    completions, experts = [], []
    for _ in range(prompts):
        old, new = code(rng, 900), code(rng, 900)
        expert = Action(
            name="str_replace_editor",
            arguments={"command": "str_replace", "path": "/testbed/pkg/core.py", "old_str": old, "new_str": new},
        )
        for g in range(group):
            cut = rng.randint(0, len(new))
            guess = Action(
                name="str_replace_editor",
                arguments={**expert.arguments, "new_str": new[:cut] + code(rng, len(new) - cut)},
            )
            text = f"<think>\n{code(rng, 200)}\n</think>\n{canonical(guess)}"
            completions.append(text if g != 7 else text.replace("</function>", ""))
            experts.append(canonical(expert))
    return completions, experts


def bench_rewards(prompts: int, group: int, seed: int) -> dict:
    completions, experts = reward_batch(random.Random(seed), prompts, group)
    cores = os.cpu_count() or 1
    format_reward(
        completions[:512], expert_action=experts[:512], method="exact", workers=cores
    )  # start the pool once, as a trainer would
    rows = {}
    for label, method, workers in (
        ("difflib, 1 core", "difflib", 1),
        (f"difflib, {cores} cores", "difflib", cores),
        ("cdifflib, 1 core", "cdifflib", 1),
        ("C matcher, 1 core", "native", 1),
        (f"C matcher (default), {cores} cores", "exact", cores),
        (f"fast (rapidfuzz), {cores} cores", "fast", cores),
    ):
        start = time.perf_counter()
        scores = format_reward(completions, expert_action=experts, method=method, workers=workers)
        rows[label] = {"seconds": time.perf_counter() - start, "scores": scores}
    exact = rows[f"C matcher (default), {cores} cores"]["scores"]
    fast = rows[f"fast (rapidfuzz), {cores} cores"]["scores"]
    for label in ("cdifflib, 1 core", "C matcher, 1 core", f"C matcher (default), {cores} cores"):
        assert rows[label]["scores"] == rows["difflib, 1 core"]["scores"], f"{label} must give difflib's exact ratios"
    gaps = [f - e for f, e in zip(fast, exact, strict=True) if e != -1.0]
    return {
        "batch": f"{prompts} x {group}", "completions": len(completions),
        "mean_completion_chars": sum(map(len, completions)) / len(completions),
        "seconds": {k: v["seconds"] for k, v in rows.items()},
        "fast_minus_exact": {"mean": sum(gaps) / len(gaps), "max": max(gaps), "min": min(gaps)},
    }


def plot(rewards: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, seconds = list(rewards["seconds"]), list(rewards["seconds"].values())
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.barh(labels, seconds, color=["#999", "#777", "#59a", "#3a7", "#27a", "#e83"])
    ax.axvline(2.0, color="red", linestyle="--", linewidth=1, label="goal: 2 s")
    ax.set_xscale("log")
    ax.set_xlabel(
        f"seconds for {rewards['batch']} completions (~{rewards['mean_completion_chars'] / 1000:.1f} KB each), log "
        "scale"
    )
    ax.invert_yaxis()
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=27)
    parser.add_argument("--prompts", type=int, default=512)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--child-build", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_build:
        build_child(*args.child_build)
        return
    load_start = os.getloadavg()[0]  # other processes share this machine's cores: say how busy it was
    build = bench_build(args.trajectories, args.steps, args.seed)
    print(
        f"build: {build['trajectories']} trajectories x {build['steps']} steps -> {sum(build['rows'].values())} "
        "instances "
        f"({build['rows']}); import {build['import_s']:.1f} s + expand/save {build['build_s']:.1f} s = "
        f"{build['total_s']:.1f} s; "
        f"peak RSS {build['peak_rss_mb'] / 1024:.2f} GB; JSONL {build['jsonl_mb']:.0f} MB, dataset "
        f"{build['dataset_mb']:.0f} MB"
    )
    rewards = bench_rewards(args.prompts, args.group, args.seed)
    print(f"rewards: {rewards['batch']} completions of ~{rewards['mean_completion_chars']:.0f} chars")
    for label, seconds in rewards["seconds"].items():
        print(f"  {label:<32} {seconds:8.3f} s  {rewards['completions'] / seconds:10.0f} completions/s")
    default = next(v for k, v in rewards["seconds"].items() if "default" in k)
    fast = next(v for k, v in rewards["seconds"].items() if k.startswith("fast"))
    print(f"  default vs the 2 s goal: {default:.3f} s / 2 s = {default / 2:.2f} (goal: below 1)")
    gap = rewards["fast_minus_exact"]
    print(
        f"  fast takes {fast / default:.2f}x the default's time; fast - exact on this batch: mean {gap['mean']:.3f}, "
        f"max {gap['max']:.3f}"
    )
    machine = {"cpus": os.cpu_count(), "load_average_1m_start": load_start, "load_average_1m_end": os.getloadavg()[0]}
    print(
        f"machine: {machine['cpus']} cores, load average {load_start:.1f} at start, "
        f"{machine['load_average_1m_end']:.1f} at end (shared machine)"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "data_pipeline.json").write_text(
        json.dumps({"machine": machine, "build": build, "rewards": rewards}, indent=2) + "\n"
    )
    plot(rewards, args.out / "data_pipeline_rewards.png")
    print(f"wrote {args.out / 'data_pipeline.json'} and {args.out / 'data_pipeline_rewards.png'}")


if __name__ == "__main__":
    main()
