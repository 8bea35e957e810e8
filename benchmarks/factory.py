"""The task factory on a bundled library: validated tasks per hour of machine time and the yield
per strategy of `srl-swe tasks synth`, against registering the same bugs one at a time with
`tasks add` (register_patches: a clone, a task image and the before/after test runs each); and
the share of the validated tasks that the scripted expert resolves (goal: all).

    .venv/bin/python benchmarks/factory.py [--library datekit] [--limit N] [--workers 2] [--one-at-a-time 3]
                                           [--validate-sample N] [--out benchmarks/results]

The library becomes a throw-away git repo (fixed author and date, as tasks/_src/build.py makes
them). Machine time is wall time on this machine: synth (mutants tried in one sandbox per
worker, kept ones registered), then `validate_tasks` over every registered task (which builds each
task image: the per-task layers on top of the cached venv layers). One at a time: the first
`--one-at-a-time` kept bugs registered again from their own bundles by `register_patches` (each
builds its task image on the venv layers cached by the factory's run, as a second task of the repo
would), timed per task against the factory's synth + task-image time per registered task. A cold
build (no layer cache) of one task image is timed too: what each task would cost if the venv
layers were not shared. Writes factory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from srl_swe.factory.synth import SynthOptions, synthesize
from srl_swe.tasks import images
from srl_swe.tasks.register import RegisterOptions, register_patches
from srl_swe.tasks.registry import bundle_path, list_tasks, load_task
from srl_swe.tasks.validate import validate_tasks

SRC = Path(__file__).resolve().parents[1] / "tasks" / "_src"
AUTHOR = {"GIT_AUTHOR_NAME": "Dana Whitfield", "GIT_AUTHOR_EMAIL": "dana@example.org",
          "GIT_COMMITTER_NAME": "Dana Whitfield", "GIT_COMMITTER_EMAIL": "dana@example.org",
          "GIT_AUTHOR_DATE": "2024-04-02T09:15:00+00:00", "GIT_COMMITTER_DATE": "2024-04-02T09:15:00+00:00"}


def library_repo(library: str, dest: Path) -> Path:
    """tasks/_src/<library> as a one-commit git repo (the correct library: its suite passes)."""
    shutil.copytree(SRC / library, dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    (dest / ".gitignore").write_text("__pycache__/\n*.pyc\n.pytest_cache/\n", encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "Initial import"]):
        subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd=dest,
                       env={**os.environ, **AUTHOR}, check=True, capture_output=True)
    return dest


def expert_share(specs, tasks_dir: Path, workers: int) -> float | None:
    """The share of `specs` that the scripted expert resolves (None: no specs)."""
    from srl_swe.factory.expert import record_scripted_experts

    results = record_scripted_experts(specs, tasks_dir, workers=workers, ray=None)
    return sum(bool(r.resolved) for r in results) / len(results) if results else None


def cold_build_seconds(spec, tasks_dir: Path) -> float:
    """One task image built with no layer cache, under a throwaway tag that is removed afterwards."""
    from docker.models.images import ImageCollection

    build, saved = ImageCollection.build, images.RECIPE_VERSION
    images.RECIPE_VERSION = f"{saved}-bench-{uuid.uuid4().hex[:8]}"
    ImageCollection.build = lambda self, **kw: build(self, **{**kw, "nocache": True})  # every client's builds
    try:
        start = time.perf_counter()
        tag = images.ensure_task_image(spec, tasks_dir, log=lambda _m: None)
        return time.perf_counter() - start
    finally:
        ImageCollection.build = build
        images.RECIPE_VERSION = saved
        images.docker_client().images.remove(tag, force=True)


def remove_task_images(specs, tasks_dir: Path) -> None:
    """Each spec's task image, if built (by an earlier run of this benchmark, say): timed builds start cold."""
    import docker.errors

    base = images.ensure_base(log=lambda _m: None)
    for spec in specs:
        try:
            images.docker_client().images.remove(
                images.task_image_tag(spec, bundle_path(spec.instance_id, tasks_dir), base), force=True)
        except docker.errors.ImageNotFound:
            pass


def one_at_a_time(specs, work: Path) -> float:
    """Seconds to register each of `specs` again with register_patches, from its own bundle."""
    remove_task_images(specs, work / "factory")  # each registration builds its own task image (shared venv layers)
    start = time.perf_counter()
    for spec in specs:
        options = RegisterOptions(task_id=spec.instance_id, problem_statement=spec.problem_statement,
                                  test_scope="all")
        register_patches(str(bundle_path(spec.instance_id, work / "factory")), spec.base_commit, spec.patch, "",
                         options, work / "one-at-a-time", log=lambda _m: None)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", default="datekit", choices=sorted(p.name for p in SRC.iterdir()
                                                                        if (p / "tests").is_dir()))
    parser.add_argument("--limit", type=int, default=None, help="Candidates to try (default: all).")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--one-at-a-time", type=int, default=3, help="Kept bugs registered again one at a time.")
    parser.add_argument("--validate-sample", type=int, default=None,
                        help="Build and validate this many registered tasks (seeded sample; default: all) and "
                             "scale their cost and pass rate to all of them.")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="srl-swe-bench-factory-") as tmp:
        work = Path(tmp)
        repo = library_repo(args.library, work / args.library)
        tasks_dir = work / "factory"
        start = time.perf_counter()
        report = synthesize(str(repo), SynthOptions(limit=args.limit, workers=args.workers), tasks_dir,
                            log=lambda m: print(f"  {m}", flush=True))
        synth_seconds = time.perf_counter() - start
        registered = [load_task(t, tasks_dir) for t in list_tasks(tasks_dir)]
        specs = registered
        if args.validate_sample and args.validate_sample < len(registered):
            specs = random.Random(0).sample(registered, args.validate_sample)
        remove_task_images(specs, tasks_dir)
        start = time.perf_counter()
        for spec in specs:  # the per-task image layers, timed on their own
            images.ensure_task_image(spec, tasks_dir, log=lambda _m: None)
        image_seconds = time.perf_counter() - start
        start = time.perf_counter()
        results = validate_tasks(specs, tasks_dir, workers=args.workers)
        validate_seconds = time.perf_counter() - start
        ok = [s for s, r in zip(specs, results, strict=True) if r.ok]
        cold = cold_build_seconds(specs[0], tasks_dir) if specs else None
        sample = specs[:args.one_at_a_time]
        single = one_at_a_time(sample, work) / len(sample) if sample else None
        share = expert_share(ok, tasks_dir, args.workers)

    scale = len(registered) / len(specs) if specs else 0  # a sample's cost and pass rate, for all tasks
    image_seconds, validate_seconds = image_seconds * scale, validate_seconds * scale
    validated = round(len(ok) * scale)
    machine = synth_seconds + image_seconds + validate_seconds
    # per registered task, as `tasks add` gives one: its runs and its image (validation aside)
    per_task = (synth_seconds + image_seconds) / len(registered) if registered else None
    result = {
        "library": args.library, "workers": args.workers, "limit": args.limit,
        "candidates": sum(r.candidates for r in report.rows.values()),
        "tried": sum(r.tried for r in report.rows.values()), "registered": len(registered),
        "validated": validated, "validate_sample": len(specs),
        "rejected": dict(report.reasons),
        "per_strategy": {s: vars(r) for s, r in report.rows.items()},
        "seconds": {"synth": round(synth_seconds, 1), "task_images": round(image_seconds, 1),
                    "validate": round(validate_seconds, 1), "clean_image": round(report.image_seconds, 1)},
        "task_image_seconds_each": round(image_seconds / len(registered), 2) if registered else None,
        "cold_task_image_seconds": round(cold, 2) if cold else None,
        "validated_per_hour": round(3600 * validated / machine) if validated else 0,
        "seconds_per_task": {"factory": round(per_task, 2) if per_task else None,
                             "one_at_a_time": round(single, 2) if single else None},
        "speedup": round(single / per_task, 1) if single and per_task else None,
        "expert_resolved_share": share,
    }
    print(f"\n{args.library}: {result['candidates']} candidates, {result['tried']} tried, "
          f"{len(registered)} registered, {validated} validated ({len(ok)}/{len(specs)} of those checked); "
          f"rejected {result['rejected']}")
    for strategy, row in report.rows.items():
        print(f"  {strategy:15} {row.candidates:4} candidates {row.tried:4} tried {row.kept:4} kept"
              + (f" ({row.kept / row.tried:.0%})" if row.tried else ""))
    print(f"machine time {machine:.0f} s (synth {synth_seconds:.0f}, task images {image_seconds:.0f}, "
          f"validate {validate_seconds:.0f}): {result['validated_per_hour']} validated tasks per hour")
    print(f"per task: factory {result['seconds_per_task']['factory']} s, one at a time with tasks add "
          f"{result['seconds_per_task']['one_at_a_time']} s: {result['speedup']}x; a task image costs "
          f"{result['task_image_seconds_each']} s on the shared layers, {result['cold_task_image_seconds']} s cold")
    print("scripted expert: " + ("no task to play" if share is None else f"resolves {share:.0%} of the validated"))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "factory.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
