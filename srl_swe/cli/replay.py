"""`srl-swe replay`: run a trajectory's actions through SWEEnv and show what each step got."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from srl_swe.cli.common import console, fail, friendly, out
from srl_swe.env.rollout import Episode
from srl_swe.tasks.registry import expert_path


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@friendly
def replay(
    trajectory: Path | None = typer.Argument(None, help="Trajectory JSONL (default: the task's expert)."),
    task: str | None = typer.Option(None, "--task", help="Task id (default: the trajectory's)."),
    mode: str = typer.Option(
        "rlvr", "--mode", help="srl (score each action against the expert) or rlvr (run them, grade the diff)."
    ),
    tasks_dir: Path | None = typer.Option(None, "--tasks-dir", help="Task registry (default: the project's tasks/)."),
    index: int = typer.Option(0, "--index", help="Which trajectory of the file."),
    env_spec: str = typer.Option("default", "--env", help="Env spec: a name under envs/ or a YAML path."),
    width: int = typer.Option(60, "--width", help="Characters shown of each action and observation."),
) -> None:
    """Replay a trajectory through the env: a table of steps (action, reward, observation head).
    Exits non-zero when an rlvr replay does not resolve the task."""
    from srl_swe.agents.replay import load_trajectory
    from srl_swe.agents.replay import replay as run_replay

    if mode not in ("srl", "rlvr"):
        fail(f"--mode must be srl or rlvr, not {mode!r}.")
    if trajectory is None and task is None:
        fail("Give a trajectory file or --task ID (to replay the task's expert).")
    path = trajectory if trajectory is not None else expert_path(task, tasks_dir)
    if not path.is_file():
        fail(f"No trajectory at {path}; record the expert with 'srl-swe expert record' or give a file.")
    recorded = load_trajectory(path, index)
    task_id = task or recorded.task_id
    total = len(recorded.steps)
    with console.status(f"replaying {total} steps of {task_id}") as status:
        episode = run_replay(recorded, mode, tasks_dir, task_id=task_id, env_spec=env_spec, seed=0,
                             on_turn=lambda e, _turn: status.update(f"step {len(e.turns)}/{total} done"),
                             max_steps=max(total, 1))
    out.print(_table(f"{task_id} ({mode}): {path}", episode, width))
    _verdict(mode, episode)


def _table(title: str, episode: Episode, width: int) -> Table:
    table = Table(title=title)
    for column, justify in (("#", "right"), ("action", "left"), ("reward", "right"), ("observation", "left")):
        table.add_column(column, justify=justify)
    for number, turn in enumerate(episode.turns, start=1):
        table.add_row(str(number), _one_line(turn.action or turn.format_error or "", width),
                      f"{turn.reward:.3f}", _one_line(turn.observation, width))
    return table


def _verdict(mode: str, episode: Episode) -> None:
    rewards = episode.rewards
    if mode == "srl":
        mean = sum(rewards) / len(rewards) if rewards else 0.0
        out.print(f"mean step reward {mean:.3f} over {len(rewards)} steps")
        return
    if not episode.ended_by_env:
        fail("The trajectory ended without submitting; nothing was graded.")
    grade = episode.grade or {}
    if not grade.get("resolved"):
        why = grade.get("error") or f"status {grade.get('status')}"
        fail(f"Not resolved ({why}).")
    out.print("[green]resolved[/]")
