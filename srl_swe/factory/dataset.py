"""A factory run's tasks dir -> a dataset folder, in one go:

    OUT/srl/             the SRL step-wise instances (`srl-swe data build`'s builder, one row per step)
    OUT/tasks.jsonl      the tasks as SWE-bench records (`srl-swe tasks export`)
    OUT/card.json        counts per repo and per origin/strategy, F2P sizes, trajectory lengths
    OUT/README.md        the same card, for people
    OUT/histograms.png   trajectory lengths and F2P sizes

Only tasks with at least one kept expert trajectory (resolved ones, unless told otherwise) go in;
every task left out is counted with its reason."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from srl_swe.atomic import write_json, write_text
from srl_swe.errors import ConfigError
from srl_swe.srl.dataset import DEFAULT_VAL_FRACTION, kept_trajectories
from srl_swe.tasks.registry import expert_path, list_tasks, load_task
from srl_swe.tasks.spec import TaskSpec
from srl_swe.trajectories.schema import Trajectory, read_jsonl

SRL_DIR, SWEBENCH_FILE, HISTOGRAMS = "srl", "tasks.jsonl", "histograms.png"
CARD_JSON, CARD_MD = "card.json", "README.md"
UNKNOWN_ORIGIN = "registered"  # a task without `extra.factory` (added by hand, imported, bundled)


def origin_of(spec: TaskSpec) -> str:
    """`origin` or `origin/strategy` from `extra.factory`, where the factory set it."""
    factory = spec.extra.get("factory") if isinstance(spec.extra.get("factory"), dict) else {}
    origin = str(factory.get("origin") or UNKNOWN_ORIGIN)
    return f"{origin}/{factory['strategy']}" if factory.get("strategy") else origin


def collect(tasks_dir: str | Path, only_resolved: bool = True) -> tuple[list[TaskSpec], list[Trajectory], Counter]:
    """The tasks that have kept expert trajectories, those trajectories, and why the others are out."""
    specs, trajectories, left_out = [], [], Counter()
    for task_id in list_tasks(tasks_dir):
        spec = load_task(task_id, tasks_dir)
        path = expert_path(task_id, tasks_dir)
        found = [t for t in read_jsonl(path) if t.steps] if path.is_file() else []
        kept = kept_trajectories(found, only_resolved)
        if not found:
            left_out["no expert trajectory"] += 1
        elif not kept:
            left_out["no resolved expert trajectory"] += 1
        else:
            specs.append(spec)
            trajectories += kept
        left_out["unresolved trajectories skipped"] += len(found) - len(kept) if kept else 0
    return specs, trajectories, left_out


def build_factory_dataset(tasks_dir: str | Path, out: str | Path, history_window: int | None = 2,
                          val_fraction: float = DEFAULT_VAL_FRACTION, seed: int = 0, only_resolved: bool = True,
                          progress: bool = False) -> dict[str, Any]:
    """Write OUT (see the module doc) and return the card."""
    from srl_swe.factory.histograms import write_histograms
    from srl_swe.srl.dataset import build_dataset
    from srl_swe.tasks.swebench import export_jsonl

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file; --out takes a folder.")
    specs, trajectories, left_out = collect(tasks_dir, only_resolved)
    if not specs:
        reasons = ", ".join(f"{n} {why}" for why, n in left_out.items() if n) or "no tasks"
        raise ConfigError(f"No task in {tasks_dir} has a kept expert trajectory ({reasons}); record experts with "
                          "'srl-swe expert script --all' first.")
    built = build_dataset(trajectories, out / SRL_DIR, history_window, only_resolved, val_fraction, seed,
                          progress=progress, tasks_dir=tasks_dir)
    export_jsonl(out / SWEBENCH_FILE, [s.instance_id for s in specs], tasks_dir)
    card = make_card(specs, trajectories, {name: len(split) for name, split in built.items()}, left_out)
    write_histograms(out / HISTOGRAMS, [len(t.steps) for t in trajectories], [len(s.FAIL_TO_PASS) for s in specs])
    write_json(out / CARD_JSON, card)
    write_text(out / CARD_MD, card_markdown(card))
    return card


def make_card(specs: list[TaskSpec], trajectories: list[Trajectory], instances: dict[str, int],
              left_out: Counter) -> dict[str, Any]:
    by_id = {s.instance_id: s for s in specs}
    groups: dict[str, dict[str, dict[str, int]]] = {"repo": defaultdict(Counter), "origin": defaultdict(Counter)}
    for spec in specs:
        groups["repo"][spec.repo or "?"]["tasks"] += 1
        groups["origin"][origin_of(spec)]["tasks"] += 1
    for trajectory in trajectories:
        spec = by_id[trajectory.task_id]
        for key, name in (("repo", spec.repo or "?"), ("origin", origin_of(spec))):
            groups[key][name]["trajectories"] += 1
            groups[key][name]["steps"] += len(trajectory.steps)
    lengths = [len(t.steps) for t in trajectories]
    return {
        "tasks": len(specs),
        "trajectories": len(trajectories),
        "instances": {**{name: instances.get(name, 0) for name in ("train", "validation")},
                      "total": sum(instances.values())},
        "steps_total": sum(lengths),
        "by_source": dict(sorted(Counter(t.source for t in trajectories).items())),
        "per_repo": {name: dict(counts) for name, counts in sorted(groups["repo"].items())},
        "per_origin": {name: dict(counts) for name, counts in sorted(groups["origin"].items())},
        "fail_to_pass": _stats([len(s.FAIL_TO_PASS) for s in specs]),
        "pass_to_pass": _stats([len(s.PASS_TO_PASS) for s in specs]),
        "trajectory_steps": _stats(lengths),
        "left_out": {why: n for why, n in sorted(left_out.items()) if n},
        "files": {"srl": SRL_DIR, "swebench": SWEBENCH_FILE, "histograms": HISTOGRAMS},
    }


def _stats(values: list[int]) -> dict[str, float]:
    if not values:
        return {"min": 0, "median": 0, "mean": 0, "max": 0}
    return {"min": min(values), "median": statistics.median(values), "mean": round(statistics.fmean(values), 2),
            "max": max(values)}


def card_markdown(card: dict[str, Any]) -> str:
    def table(title: str, rows: dict[str, dict[str, int]]) -> list[str]:
        lines = [f"| {title} | tasks | trajectories | steps |", "|---|---:|---:|---:|"]
        lines += [f"| {name} | {c.get('tasks', 0)} | {c.get('trajectories', 0)} | {c.get('steps', 0)} |"
                  for name, c in rows.items()]
        return [*lines, ""]

    def stats(name: str, s: dict[str, float]) -> str:
        return f"| {name} | {s['min']} | {s['median']} | {s['mean']} | {s['max']} |"

    instances = card["instances"]
    lines = [
        "# Task factory dataset", "",
        f"{card['tasks']} tasks, {card['trajectories']} expert trajectories "
        f"({', '.join(f'{n} {source}' for source, n in card['by_source'].items())}), "
        f"{instances['total']} SRL instances (train {instances['train']}, validation {instances['validation']}).", "",
        f"Files: `{SRL_DIR}/` (datasets.load_from_disk), `{SWEBENCH_FILE}` (SWE-bench records), "
        f"`{HISTOGRAMS}`, `{CARD_JSON}`.", "",
        *table("repo", card["per_repo"]),
        *table("origin / strategy", card["per_origin"]),
        "| sizes | min | median | mean | max |", "|---|---:|---:|---:|---:|",
        stats("FAIL_TO_PASS per task", card["fail_to_pass"]),
        stats("PASS_TO_PASS per task", card["pass_to_pass"]),
        stats("steps per trajectory", card["trajectory_steps"]), "",
    ]
    if card["left_out"]:
        lines += ["Left out: " + ", ".join(f"{n} ({why})" for why, n in card["left_out"].items()) + ".", ""]
    return "\n".join(lines)
