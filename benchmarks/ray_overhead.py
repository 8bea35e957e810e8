"""What placing workers on Ray costs: evaluation of the bundled tasks (replay policy) with Ray
workers on a local cluster vs local threads, at the same worker counts (1, 2, 4, 8); and RLVR's
rollouts (a group of envs stepped in lockstep) with the envs in Ray workers vs in this process.

Two figures: the wall time per episode with Ray over that with threads (goal at most 1.1x), and
the executor's own cost per item (a function that returns at once, run through each executor:
what scheduling adds to every episode). Episodes per minute for each worker count show how far
one machine scales. The cluster is started before timing; each Ray run starts its own workers
(actors), as a real run does, so that cost is in the ratio.

    .venv/bin/python benchmarks/ray_overhead.py [--workers 1 2 4 8] [--repeat 2] [--mode agentic|oracle-edit]
        [--items 200]

Prints a table; writes benchmarks/results/ray_overhead.json."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from eval_throughput import graded_per_minute  # this folder is on sys.path when a script here runs
from rich.console import Console
from rich.table import Table

from srl_swe.executors import ExecutorSettings, open_executor
from srl_swe.tasks.images import ensure_task_image
from srl_swe.tasks.registry import list_tasks, load_task

console = Console()
ROOT = Path(__file__).resolve().parents[1]
LS = "<function=bash>\n<parameter=command>ls -la</parameter>\n</function>"
SUBMIT = "<function=submit>\n</function>"


def per_item_ms(items: int, workers: int, ray: str | None) -> float:
    """The executor's cost per item: `items` calls of a function that returns at once, workers started."""
    with open_executor(ExecutorSettings(workers=workers, ray=ray)) as executor:
        list(executor.map(abs, dict.fromkeys(range(workers), 0)))  # workers up before timing
        start = time.perf_counter()
        done = sum(1 for _ in executor.map(abs, {i: -i for i in range(items)}))
        seconds = time.perf_counter() - start
    assert done == items
    return seconds / items * 1000


def rollout_seconds(task: str, envs: int, turns: int, ray: str | None) -> float:
    """RLVR's rollout shape without a model: `envs` envs opened as `train rlvr` opens them (here, or
    each in a Ray worker), reset on `task`, then `turns` lockstep turns of a bash action, then submit
    (graded by the tests). Opening the envs is not timed: a training run does it once."""
    from contextlib import ExitStack

    from srl_swe.train.config import RLVRConfig
    from srl_swe.train.rlvr import open_envs

    with tempfile.TemporaryDirectory(prefix="srl-swe-ray-bench-") as out, ExitStack() as stack:
        opened = open_envs(RLVRConfig(out=out, group_size=envs, max_turns=turns + 1, ray=ray), stack)
        start = time.perf_counter()
        for env in opened:
            env.reset(options={"task_id": task})
        for _ in range(turns):
            for env in opened:
                env.step(LS)
        for env in opened:
            env.step(SUBMIT)
        return time.perf_counter() - start


PLACES = (("threads", None), ("ray", "auto"))


def measure_eval(args, tasks: list[str]) -> dict:
    samples: dict[tuple[int, str], list[float]] = {}
    for round_ in range(args.repeat):  # interleaved, so that load drifting over time hits both alike
        for workers in args.workers:
            for name, where in PLACES:
                status = f"round {round_ + 1}/{args.repeat}, {name}: {len(tasks)} tasks, {workers} worker(s)"
                with console.status(status):
                    rate = graded_per_minute(tasks, None, args.mode, workers, where)[1]
                    samples.setdefault((workers, name), []).append(rate)
    result = {"mode": args.mode, "tasks": len(tasks), "runs": {},
              "per_item_ms": {name: per_item_ms(args.items, 2, where) for name, where in PLACES}}
    for workers in args.workers:
        run = {name: statistics.median(samples[workers, name]) for name, _ in PLACES}
        run["all"] = {name: [round(x, 1) for x in samples[workers, name]] for name, _ in PLACES}
        run["ratio"] = run["ray"] / run["threads"]
        run["episodes_per_min"] = {name: len(tasks) / run[name] * 60 for name, _ in PLACES}
        result["runs"][str(workers)] = run
    ratios = [run["ratio"] for run in result["runs"].values()]
    result["mean_ratio"] = sum(ratios) / len(ratios)
    # what scheduling alone adds to an episode: the per-item cost over the shortest episode time (threads)
    episode_ms = min(run["threads"] * int(w) / len(tasks) for w, run in result["runs"].items()) * 1000
    result["scheduling_ratio"] = 1 + (result["per_item_ms"]["ray"] - result["per_item_ms"]["threads"]) / episode_ms
    return result


def show_eval(result: dict) -> None:
    table = Table(title=f"eval on Ray (local cluster) vs threads: replay, {result['mode']}, {result['tasks']} tasks")
    for column in ("workers", "threads s", "ray s", "ray / threads", "episodes/min threads", "episodes/min ray"):
        table.add_column(column, justify="right")
    for workers, run in result["runs"].items():
        table.add_row(workers, f"{run['threads']:.1f}", f"{run['ray']:.1f}", f"{run['ratio']:.2f}x",
                      f"{run['episodes_per_min']['threads']:.1f}", f"{run['episodes_per_min']['ray']:.1f}")
    console.print(table)
    item = result["per_item_ms"]
    console.print(f"wall time per episode, ray / threads: {result['mean_ratio']:.2f}x on average (goal 1.1x); "
                  f"scheduling per item: {item['ray']:.2f} ms on Ray vs {item['threads']:.3f} ms in threads, "
                  f"{result['scheduling_ratio']:.4f}x an episode")


def measure_rollouts(args, tasks: list[str]) -> dict:
    seconds: dict[str, list[float]] = {name: [] for name, _ in PLACES}
    for _ in range(args.repeat):
        for name, where in PLACES:
            with console.status(f"RLVR rollouts, {name}: {args.rollout_envs} envs x {args.rollout_turns} turns"):
                seconds[name].append(rollout_seconds(tasks[0], args.rollout_envs, args.rollout_turns, where))
    medians = {k: statistics.median(v) for k, v in seconds.items()}
    result = {"envs": args.rollout_envs, "turns": args.rollout_turns, **medians}
    result["ratio"] = result["ray"] / result["threads"]
    return result


def show_rollouts(result: dict) -> None:
    console.print(f"RLVR rollouts ({result['envs']} envs in lockstep, {result['turns']} bash turns, submit): "
                  f"{result['threads']:.1f} s here vs {result['ray']:.1f} s with the envs in Ray workers: "
                  f"{result['ratio']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=["eval", "rollouts"], default=["eval", "rollouts"])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--mode", choices=["agentic", "oracle-edit"], default="agentic")
    parser.add_argument("--items", type=int, default=200, help="Items for the per-item scheduling cost.")
    parser.add_argument("--repeat", type=int, default=1, help="Rounds; the median of each setting is reported.")
    parser.add_argument("--rollout-envs", type=int, default=4, help="RLVR rollouts: envs in lockstep (a group).")
    parser.add_argument("--rollout-turns", type=int, default=10, help="RLVR rollouts: bash turns before submit.")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results", help="Folder for the JSON.")
    args = parser.parse_args()

    import ray

    tasks = list_tasks()
    with console.status("building task images (not timed)"):
        for task_id in tasks:
            ensure_task_image(load_task(task_id), None)
    os.environ.setdefault("PYTHONPATH", str(ROOT))  # the cluster's workers import this checkout
    with console.status("starting a local Ray cluster (not timed)"):
        ray.init(address="local", resources={"docker": max(*args.workers, args.rollout_envs)}, include_dashboard=False,
                 log_to_driver=False)
    path = args.out / "ray_overhead.json"
    results = json.loads(path.read_text()) if path.is_file() else {}  # a part run alone keeps the other's figures
    results["cpus"] = os.cpu_count()
    try:
        for part, measure in (("eval", measure_eval), ("rlvr_rollouts", measure_rollouts)):
            if part.split("_")[-1] in args.parts:
                before = os.getloadavg()[0]
                measured = measure(args, tasks)
                results[part] = {**measured, "load_average": [round(before, 1), round(os.getloadavg()[0], 1)]}
    finally:
        ray.shutdown()
    for part, show in (("eval", show_eval), ("rlvr_rollouts", show_rollouts)):
        if part in results:
            show(results[part])
            before_after = results[part]["load_average"]
            console.print(f"  (load average {before_after[0]} before, {before_after[1]} after)")
    args.out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
