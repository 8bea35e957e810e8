"""`srl-swe expert`: record a task's expert trajectory from a scripted list of steps."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from srl_swe.agents.record import DEFAULT_COMMAND_TIMEOUT, load_steps, record_actions, save_expert
from srl_swe.cli.common import console, fail, friendly, out
from srl_swe.trajectories.schema import Step

app = typer.Typer(
    help="Expert trajectories: record them from scripted steps, with live observations.", no_args_is_help=True
)


def _head(text: str, width: int = 70) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first[:width] + ("…" if len(first) > width or text.strip().count("\n") else "")


@app.command("record")
@friendly
def record(
    task: str = typer.Option(..., "--task", help="Task id."),
    steps: Path = typer.Option(..., "--steps", exists=True, dir_okay=False, help="YAML list of {thought, action}."),
    tasks_dir: Path | None = typer.Option(None, "--tasks-dir", help="Task registry (default: the project's tasks/)."),
    output: Path | None = typer.Option(
        None, "--out", help="Where to write (default: tasks/<id>/trajectories/expert.jsonl)."
    ),
    timeout: float = typer.Option(DEFAULT_COMMAND_TIMEOUT, "--timeout", help="Seconds each bash command may run."),
    allow_unresolved: bool = typer.Option(
        False, "--allow-unresolved", help="Write it even if the diff fails the tests."
    ),
) -> None:
    """Run the steps in a fresh sandbox of the task, capture the observations, grade the diff,
    and write the trajectory (only if it resolves the task, unless --allow-unresolved)."""
    scripted = load_steps(steps)

    def show(index: int, step: Step) -> None:
        console.print(
            f"[dim]{index:>3}/{len(scripted)}[/] {step.action.name:<18} {_head(step.observation)}", highlight=False
        )

    trajectory = record_actions(task, scripted, tasks_dir=tasks_dir, command_timeout=timeout, on_step=show)
    table = Table(title=f"{task}: {len(trajectory.steps)} steps")
    for column in ("#", "tool", "observation"):
        table.add_column(column)
    for index, step in enumerate(trajectory.steps, start=1):
        table.add_row(str(index), step.action.name, _head(step.observation))
    out.print(table)
    if not trajectory.outcome.resolved and not allow_unresolved:
        fail(f"The recorded diff does not resolve {task}; fix the steps (or pass --allow-unresolved). Nothing written.")
    path = save_expert(trajectory, tasks_dir=tasks_dir, path=output)
    verdict = "[green]resolved[/]" if trajectory.outcome.resolved else "[red]not resolved[/]"
    out.print(f"{verdict}; wrote {path}")
