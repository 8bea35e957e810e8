"""`srl-swe replay`: run a trajectory's actions through SWEEnv and show what each step got."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from srl_swe.cli.common import console, fail, friendly, out
from srl_swe.env.swe_env import SWEEnv
from srl_swe.errors import TaskError
from srl_swe.tasks.registry import expert_path
from srl_swe.tools.actions import canonical
from srl_swe.trajectories.schema import Trajectory, read_jsonl


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _load(path: Path, index: int) -> Trajectory:
    trajectories = list(read_jsonl(path))
    if not trajectories:
        raise TaskError(f"{path} holds no trajectory.")
    if not 0 <= index < len(trajectories):
        raise TaskError(f"{path} holds {len(trajectories)} trajectories; --index must be 0..{len(trajectories) - 1}.")
    return trajectories[index]


@friendly
def replay(
    trajectory: Path | None = typer.Argument(None, help="Trajectory JSONL (default: the task's expert)."),
    task: str | None = typer.Option(None, "--task", help="Task id (default: the trajectory's)."),
    mode: str = typer.Option("rlvr", "--mode", help="srl (score each action against the expert) or rlvr (run them, grade the diff)."),
    tasks_dir: Path | None = typer.Option(None, "--tasks-dir", help="Task registry (default: the project's tasks/)."),
    index: int = typer.Option(0, "--index", help="Which trajectory of the file."),
    env_spec: str = typer.Option("default", "--env", help="Env spec: a name under envs/ or a YAML path."),
    width: int = typer.Option(60, "--width", help="Characters shown of each action and observation."),
) -> None:
    """Replay a trajectory through the env: a table of steps (action, reward, observation head).
    Exits non-zero when an rlvr replay does not resolve the task."""
    if mode not in ("srl", "rlvr"):
        fail(f"--mode must be srl or rlvr, not {mode!r}.")
    if trajectory is None and task is None:
        fail("Give a trajectory file or --task ID (to replay the task's expert).")
    path = trajectory if trajectory is not None else expert_path(task, tasks_dir)
    if not path.is_file():
        fail(f"No trajectory at {path}; record the expert with 'srl-swe expert record' or give a file.")
    recorded = _load(path, index)
    task_id = task or recorded.task_id
    table = Table(title=f"{task_id} ({mode}): {path}")
    for column, justify in (("#", "right"), ("action", "left"), ("reward", "right"), ("observation", "left")):
        table.add_column(column, justify=justify)
    rewards, info, done = [], {}, False
    max_steps = max(len(recorded.steps), 1)
    with SWEEnv(task_id=task_id, tasks_dir=tasks_dir, mode=mode, env_spec=env_spec, max_steps=max_steps) as env:
        env.reset(seed=0)
        with console.status(f"replaying {len(recorded.steps)} steps of {task_id}") as status:
            for number, step in enumerate(recorded.steps, start=1):
                status.update(f"step {number}/{len(recorded.steps)}: {step.action.name}")
                _, reward, terminated, truncated, info = env.step(canonical(step.action))
                rewards.append(reward)
                table.add_row(str(number), _one_line(info["action"] or info["format_error"] or "", width),
                              f"{reward:.3f}", _one_line(info["tool_observation"], width))
                if terminated or truncated:
                    done = True
                    break
    out.print(table)
    _verdict(mode, rewards, info, done)


def _verdict(mode: str, rewards: list[float], info: dict, done: bool) -> None:
    if mode == "srl":
        mean = sum(rewards) / len(rewards) if rewards else 0.0
        out.print(f"mean step reward {mean:.3f} over {len(rewards)} steps")
        return
    if not done:
        fail("The trajectory ended without submitting; nothing was graded.")
    grade = info.get("grade") or {}
    if not grade.get("resolved"):
        why = grade.get("error") or f"status {grade.get('status')}"
        fail(f"Not resolved ({why}).")
    out.print("[green]resolved[/]")
