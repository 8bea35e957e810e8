"""Demo stages that need only Docker: images, validation, expert replays, the step-wise dataset."""

from __future__ import annotations

from rich.table import Table

from srl_swe.agents.replay import replay
from srl_swe.demo.context import Context
from srl_swe.tasks.images import ensure_task_image
from srl_swe.tasks.registry import expert_path, load_task
from srl_swe.tasks.validate import validate_tasks
from srl_swe.train.progress import progress_bar
from srl_swe.trajectories.schema import Outcome, Step, Trajectory, read_jsonl, write_jsonl


def _quiet(_message: str) -> None:
    """Image builds are summed up by the progress bar."""


def setup(ctx: Context) -> dict:
    from srl_swe.sandbox.images import ensure_base

    base = ensure_base(log=lambda m: ctx.console.print(f"  {m}"))
    images = {}
    with progress_bar("task images", len(ctx.tasks)) as advance:
        for task_id in ctx.tasks:
            images[task_id] = ensure_task_image(load_task(task_id, ctx.tasks_dir), ctx.tasks_dir, log=_quiet)
            advance()
    return {"base_image": base, "task_images": images}


def validate(ctx: Context) -> dict:
    specs = [load_task(t, ctx.tasks_dir) for t in ctx.tasks]
    with progress_bar("validate tasks", len(specs)) as advance:
        results = validate_tasks(specs, ctx.tasks_dir, workers=ctx.config.workers, on_done=lambda _r: advance())
    return {"results": [r.model_dump(mode="json") for r in results]}


def expert(task_id: str, tasks_dir: str | None) -> Trajectory:
    return next(iter(read_jsonl(expert_path(task_id, tasks_dir))))


def replay_one(task_id: str, tasks_dir: str | None, mode: str) -> Trajectory:
    """Step the task's expert through SWEEnv; keep each step's reward (and, in srl mode, what the
    env took as the expert's action)."""
    reference = expert(task_id, tasks_dir)
    episode = replay(reference, mode, tasks_dir, task_id=task_id)
    steps = [Step(thought=step.thought, action=step.action, observation=turn.observation, reward=turn.reward,
                  expert_action=turn.expert_action) for step, turn in zip(reference.steps, episode.turns, strict=False)]
    grade = episode.grade or {}
    return Trajectory(task_id=task_id, problem_statement=reference.problem_statement, steps=steps,
                      outcome=Outcome(resolved=grade.get("resolved"), diff=episode.diff),
                      source=f"replay-{mode}", model="expert")


def replay_experts(ctx: Context) -> dict:
    summary: dict[str, dict] = {"srl": {}, "rlvr": {}}
    for mode in ("srl", "rlvr"):
        replays = []
        with progress_bar(f"expert replay ({mode})", len(ctx.tasks)) as advance:
            for task_id in ctx.tasks:
                trajectory = replay_one(task_id, ctx.tasks_dir, mode)
                replays.append(trajectory)
                rewards = [s.reward for s in trajectory.steps]
                summary[mode][task_id] = {"rewards": rewards, "resolved": trajectory.outcome.resolved}
                advance()
        write_jsonl(ctx.path("replay", f"{mode}.jsonl"), replays)
    ctx.console.print(_step_table(ctx.tasks[0], summary))
    return summary


def _step_table(task_id: str, summary: dict) -> Table:
    table = Table(title=f"{task_id}: the env's reward at each expert step")
    for column in ("step", "srl reward (similarity)", "rlvr reward (tests)"):
        table.add_column(column, justify="right")
    srl, rlvr = summary["srl"][task_id]["rewards"], summary["rlvr"][task_id]["rewards"]
    for k in range(max(len(srl), len(rlvr))):
        table.add_row(str(k + 1), _cell(srl, k), _cell(rlvr, k))
    return table


def _cell(values: list, k: int) -> str:
    return f"{values[k]:.3f}" if k < len(values) else ""


def build_data(ctx: Context) -> dict:
    from srl_swe.srl.dataset import build_dataset

    trajectories = [expert(t, ctx.tasks_dir) for t in ctx.tasks]
    built = build_dataset(trajectories, ctx.path("data"), history_window=2, val_fraction=ctx.budget.val_fraction,
                          seed=ctx.config.seed, observation_budget=ctx.budget.observation_budget,
                          tasks_dir=ctx.tasks_dir)
    return {split: {"rows": built[split].num_rows, "tasks": sorted(set(built[split]["task_id"]))} for split in built}
