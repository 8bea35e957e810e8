"""Evaluation throughput: instances graded per minute with the `replay` policy on the bundled tasks
for workers = 1, 2, 4, and the speed-up of 4 workers over 1. Task images are built before timing.

    .venv/bin/python benchmarks/eval_throughput.py [--workers 1 2 4] [--repeat 3] [--mode agentic|oracle-edit]
    [--tasks-dir DIR]

Prints a table; writes results JSON and a PNG bar chart."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from srl_swe.evaluate.policies import PolicySettings
from srl_swe.evaluate.runner import EvalConfig, run_eval
from srl_swe.tasks.images import ensure_task_image
from srl_swe.tasks.registry import list_tasks, load_task

console = Console()


def graded_per_minute(tasks: list[str], tasks_dir: str | None, mode: str, workers: int,
                      ray: str | None = None) -> tuple[float, float, dict]:
    """`ray`: a Ray address for the workers (benchmarks/ray_overhead.py), else local threads."""
    with tempfile.TemporaryDirectory(prefix="srl-swe-eval-bench-") as out:
        config = EvalConfig(policy=PolicySettings(kind="replay", mode=mode, tasks_dir=tasks_dir, workers=workers),
                            tasks=tasks, tasks_dir=tasks_dir, mode=mode, workers=workers, out=Path(out), ray=ray)
        start = time.perf_counter()
        report = run_eval(config)
        seconds = time.perf_counter() - start
    if report["resolved_instances"] != len(tasks):
        raise SystemExit(f"replay resolved {report['resolved_instances']}/{len(tasks)} with {workers} workers"
                         f"{' on Ray' if ray else ''}: "
                         f"errors {report['error_ids']}; the benchmark needs a clean run.")
    return len(tasks) / seconds * 60, seconds, report


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{n} worker{'s' if int(n) > 1 else ''}" for n in results["runs"]]
    values = [run["per_minute"] for run in results["runs"].values()]
    fig, ax = plt.subplots(figsize=(6, 4))
    bars = ax.bar(labels, values, color="#3b7dd8")
    ax.bar_label(bars, fmt="%.1f")
    ax.set_ylabel("instances graded per minute")
    ax.set_title(f"eval throughput, replay ({results['mode']}), {results['tasks']} tasks")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--mode", choices=["agentic", "oracle-edit"], default="agentic")
    parser.add_argument("--repeat", type=int, default=1, help="Rounds; the median round of each setting is reported.")
    parser.add_argument("--tasks-dir", default=None, help="Task registry (default: the bundled tasks/).")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results", help="Folder for JSON and PNG.")
    args = parser.parse_args()

    tasks = list_tasks(args.tasks_dir)
    if not tasks:
        raise SystemExit("no tasks found; the benchmark runs on the bundled tasks (or pass --tasks-dir).")
    with console.status("building task images (not timed)"):
        for task_id in tasks:
            ensure_task_image(load_task(task_id, args.tasks_dir), args.tasks_dir)
    results = {
        "mode": args.mode,
        "tasks": len(tasks),
        "repeat": args.repeat,
        "load_before": os.getloadavg()[0],
        "runs": {},
    }
    samples: dict[int, list[tuple[float, float, dict]]] = {w: [] for w in args.workers}
    for round_ in range(args.repeat):  # interleaved, so that load drifting over time hits every setting alike
        for workers in args.workers:
            with console.status(
                f"round {round_ + 1}/{args.repeat}: replay on {len(tasks)} tasks with {workers} worker(s)"
            ):
                samples[workers].append(graded_per_minute(tasks, args.tasks_dir, args.mode, workers))
    for workers, runs in samples.items():
        per_minute, seconds, report = sorted(runs, key=lambda r: r[0])[len(runs) // 2]  # the median run
        results["runs"][str(workers)] = {
            "per_minute": per_minute,
            "seconds": seconds,
            "mean_steps": report["mean_steps"],
            "all_per_minute": [round(r[0], 2) for r in runs],
        }
    results["load_after"] = os.getloadavg()[0]
    first, last = str(args.workers[0]), str(args.workers[-1])
    results["speedup"] = results["runs"][last]["per_minute"] / results["runs"][first]["per_minute"]

    table = Table(title=f"eval throughput: replay, {args.mode}, {len(tasks)} tasks")
    for column in ("workers", "seconds", "graded / min", "speed-up"):
        table.add_column(column, justify="right")
    for workers, run in results["runs"].items():
        table.add_row(workers, f"{run['seconds']:.1f}", f"{run['per_minute']:.1f}",
                      f"{run['per_minute'] / results['runs'][first]['per_minute']:.2f}")
    console.print(table)
    console.print(f"speed-up of {last} workers over {first}: {results['speedup']:.2f}x "
                  f"(load average {results['load_before']:.1f} before, {results['load_after']:.1f} after)")
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"eval_throughput_{args.mode.replace('-', '_')}"
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, args.out / f"{name}.png")
    console.print(f"wrote {args.out / (name + '.json')} and {args.out / (name + '.png')}")


if __name__ == "__main__":
    main()
