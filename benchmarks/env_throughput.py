"""Env throughput: SWEEnv steps per second for a scripted policy with N = 1, 4, 16 parallel envs,
against a baseline that runs each step as its own `docker exec` (measured in the same run).

    .venv/bin/python benchmarks/env_throughput.py [--task ID] [--steps 40] [--envs 1,4,16]

Prints a table and the ratio to the baseline; writes results JSON and a PNG bar chart."""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from srl_swe.env.vector import make_vector_env  # noqa: E402
from srl_swe.tasks.registry import list_tasks, load_task  # noqa: E402
from srl_swe.tasks.sandbox import task_sandbox  # noqa: E402

console = Console()


def script(workdir: str) -> list[tuple[str, str]]:
    """A policy's typical cheap steps: (tool-call text for the env, shell command for the baseline)."""
    def bash(cmd: str) -> tuple[str, str]:
        return f"<function=bash>\n<parameter=command>{cmd}</parameter>\n</function>", cmd

    view = (
        f"<function=str_replace_editor>\n<parameter=command>view</parameter>\n<parameter=path>{workdir}</parameter>\n</function>",
        f"find {workdir} -maxdepth 2 -not -path '*/.*' | sort",
    )
    return [
        bash("ls"),
        bash("git status --short"),
        bash("grep -rn 'def ' --include=*.py . | head -20"),
        view,
        bash("pwd && echo $HOME"),
        bash("git log --oneline | head -5"),
    ]


def env_rate(task_id: str, num_envs: int, steps: int) -> float:
    """Env steps per second across `num_envs` envs, each taking `steps` scripted steps."""
    workdir = load_task(task_id).workdir
    actions = [text for text, _ in script(workdir)]
    with make_vector_env(num_envs, task_id=task_id, mode="rlvr", max_steps=steps + 1, max_format_errors=None) as venv:
        venv.reset(seed=0)
        start = time.perf_counter()
        for k in range(steps):
            _, _, terminated, truncated, infos = venv.step([actions[k % len(actions)]] * num_envs)
            if (terminated | truncated).any() or any(infos["format_error"]):
                raise RuntimeError(f"scripted step {k} did not run cleanly: {infos['format_error']}")
        elapsed = time.perf_counter() - start
    return num_envs * steps / elapsed


def exec_rate(task_id: str, steps: int) -> float:
    """Baseline: one `docker exec` per step (a new process in the container each time, no session)."""
    spec = load_task(task_id)
    commands = [cmd for _, cmd in script(spec.workdir)]
    with task_sandbox(spec) as sandbox:
        start = time.perf_counter()
        for k in range(steps):
            subprocess.run(
                ["docker", "exec", "-w", spec.workdir, sandbox.container_id, "bash", "-c", commands[k % len(commands)]],
                check=True, capture_output=True,
            )
        elapsed = time.perf_counter() - start
    return steps / elapsed


def plot(results: dict, path: Path) -> None:
    labels = ["docker exec\n(baseline)"] + [f"SWEEnv\nN={n}" for n in results["env"]]
    values = [results["baseline"]] + list(results["env"].values())
    fig, ax = plt.subplots(figsize=(7, 4))
    bars = ax.bar(labels, values, color=["#999999"] + ["#3b7dd8"] * len(results["env"]))
    ax.bar_label(bars, fmt="%.0f")
    ax.set_ylabel("steps / second")
    ax.set_title(f"Env throughput, task {results['task']} ({results['steps']} steps per env)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default=None, help="Task id (default: the first bundled task).")
    parser.add_argument("--steps", type=int, default=40, help="Scripted steps per env.")
    parser.add_argument("--envs", default="1,4,16", help="Comma-separated N values.")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results", help="Folder for JSON and PNG.")
    args = parser.parse_args()
    tasks = list_tasks()
    task_id = args.task or (tasks[0] if tasks else None)
    if task_id is None:
        raise SystemExit("No bundled task under tasks/; pass --task ID of a registered task.")
    console.print(f"task {task_id}: baseline ({args.steps} docker exec steps)…")
    results = {"task": task_id, "steps": args.steps, "baseline": exec_rate(task_id, args.steps), "env": {}}
    for n in (int(x) for x in args.envs.split(",")):
        console.print(f"SWEEnv with N={n}…")
        results["env"][n] = env_rate(task_id, n, args.steps)
    table = Table(title="Env throughput (steps/s)")
    for column in ("setup", "steps/s", "x baseline"):
        table.add_column(column, justify="right")
    table.add_row("docker exec per step", f"{results['baseline']:.1f}", "1.0")
    for n, rate in results["env"].items():
        table.add_row(f"SWEEnv N={n}", f"{rate:.1f}", f"{rate / results['baseline']:.1f}")
    console.print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "env_throughput.json").write_text(json.dumps(results, indent=2))
    plot(results, args.out / "env_throughput.png")
    console.print(f"wrote {args.out / 'env_throughput.json'} and {args.out / 'env_throughput.png'}")


if __name__ == "__main__":
    main()
