"""Validating the bundled tasks: cold image cache vs warm, and tasks validated per minute with
N sandboxes at once.

    .venv/bin/python benchmarks/task_validate.py [--tasks-dir DIR] [--workers 1 2 4] [--out benchmarks/results]

"Cold" builds every task image from scratch under throwaway tags (the shared cache is left alone)
and removes them afterwards; "warm" finds them cached. Writes task_validate.json and .png.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from srl_swe.sandbox.engine import docker_client  # noqa: E402
from srl_swe.tasks import images  # noqa: E402
from srl_swe.tasks.registry import default_tasks_dir, list_tasks, load_task  # noqa: E402
from srl_swe.tasks.validate import validate_tasks  # noqa: E402


def timed_validation(specs, tasks_dir, workers: int) -> float:
    start = time.perf_counter()
    results = validate_tasks(specs, tasks_dir, workers=workers)
    elapsed = time.perf_counter() - start
    bad = [f"{r.task_id}: {r.outcome} {r.detail}" for r in results if not r.ok]
    if bad:
        raise SystemExit("some tasks do not validate, fix them before timing:\n" + "\n".join(bad))
    return elapsed


def cold_seconds(specs, tasks_dir) -> float:
    """Validate with every task image built anew: a throwaway recipe salt gives fresh tags."""
    saved, tags = images.RECIPE_VERSION, set()
    images.RECIPE_VERSION = f"{saved}-bench-{uuid.uuid4().hex[:8]}"
    try:
        tags = {
            images.task_image_tag(
                s, images.bundle_path(s.instance_id, tasks_dir), images.ensure_base(log=lambda _m: None)
            )
            for s in specs
            if not s.image
        }
        seconds = timed_validation(specs, tasks_dir, workers=1)
    finally:
        images.RECIPE_VERSION = saved
        for tag in tags:
            if images.image_exists(tag):
                docker_client().images.remove(tag)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks-dir", type=Path, default=None)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    tasks_dir = args.tasks_dir or default_tasks_dir()
    specs = [load_task(t, tasks_dir) for t in list_tasks(tasks_dir)]
    if not specs:
        raise SystemExit(f"no tasks in {tasks_dir}; nothing to time")
    print(f"{len(specs)} tasks in {tasks_dir}")

    cold = cold_seconds(specs, tasks_dir)
    timed_validation(specs, tasks_dir, workers=1)  # make sure the shared cache is warm
    warm = timed_validation(specs, tasks_dir, workers=1)
    print(f"cold cache: {cold:6.1f} s   warm cache: {warm:6.1f} s   cold/warm = {cold / warm:.2f}x")

    per_minute = {}
    for n in args.workers:
        seconds = timed_validation(specs, tasks_dir, workers=n)
        per_minute[n] = len(specs) / seconds * 60
        print(f"N={n}: {seconds:6.1f} s  {per_minute[n]:6.1f} tasks/min  "
              f"speed-up vs N={args.workers[0]}: {per_minute[n] / per_minute[args.workers[0]]:.2f}x")

    args.out.mkdir(parents=True, exist_ok=True)
    report = {"tasks": len(specs), "cold_s": cold, "warm_s": warm, "tasks_per_minute": per_minute}
    (args.out / "task_validate.json").write_text(json.dumps(report, indent=2) + "\n")
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.bar(["cold cache", "warm cache"], [cold, warm], color=["#c66", "#6a6"])
    left.set_ylabel(f"seconds to validate {len(specs)} tasks")
    right.bar([f"N={n}" for n in per_minute], list(per_minute.values()), color="#69c")
    right.set_ylabel("tasks validated per minute")
    fig.tight_layout()
    fig.savefig(args.out / "task_validate.png", dpi=120)
    print(f"wrote {args.out / 'task_validate.json'} and {args.out / 'task_validate.png'}")


if __name__ == "__main__":
    main()
