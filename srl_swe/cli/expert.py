"""`srl-swe expert`: record a task's expert trajectory from a scripted list of steps, or script one
from the task's gold patch (`expert script`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from srl_swe.agents.record import DEFAULT_COMMAND_TIMEOUT, load_steps, record_actions, save_expert
from srl_swe.cli.common import Ray, console, fail, friendly, out
from srl_swe.trajectories.schema import Step

app = typer.Typer(
    help="Expert trajectories, with live observations: record them from scripted steps, or script them from gold "
         "patches.",
    no_args_is_help=True,
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


@app.command("script")
@friendly
def script(
    task_ids: Annotated[list[str] | None, typer.Argument(help="Tasks to script (or --all).")] = None,
    all_tasks: bool = typer.Option(False, "--all", help="Every registered task."),
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="Tasks played at once, each in its own env."),
    tasks_dir: Path | None = typer.Option(None, "--tasks-dir", help="Task registry (default: the project's tasks/)."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds each bash command may run."),
    ray: str | None = Ray,
) -> None:
    """Script an expert from each task's gold patch (run the failing tests, search, view, edit with
    str_replace_editor, rerun, submit), play it in the task's env, and keep it, beside the task's
    other experts (source: scripted), only if it resolves the task. Exit 1 unless all resolve."""
    from srl_swe.tasks.registry import list_tasks, load_task

    if all_tasks == bool(task_ids):
        fail("Name the tasks to script, or pass --all (not both).")
    specs = [load_task(t, tasks_dir) for t in (list_tasks(tasks_dir) if all_tasks else task_ids or [])]
    if not specs:
        fail(f"No tasks in {tasks_dir or 'the default tasks dir'}; register some with 'srl-swe tasks add'.")
    results = script_experts(specs, tasks_dir, workers=workers, ray=ray, timeout=timeout)
    if sum(r.resolved for r in results) < len(results):
        raise typer.Exit(1)


def script_experts(specs: list, tasks_dir: Path | None, workers: int = 1, ray: str | None = None,
                   timeout: float = 120.0, failures_only: bool = False, quiet: bool = False) -> list:
    """Script, play and keep each task's expert with a progress bar, then print a table of the
    results (`failures_only`: of the tasks not resolved, for a factory run of hundreds) and the
    resolved count (`quiet`: the progress bar only). Used by `expert script` and by the factory
    commands after they register."""
    from srl_swe.factory.expert import record_scripted_experts

    columns = (TextColumn("scripting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("", total=len(specs))
        results = record_scripted_experts(
            specs, tasks_dir, workers=workers, ray=ray, step_timeout=timeout,
            on_done=lambda r: progress.update(
                bar, advance=1, description=escape(f"{r.task_id}: {'resolved' if r.resolved else 'not resolved'}")),
        )
    if quiet:
        return results
    table = Table("task", "resolved", "steps", "detail")
    for r in (r for r in results if not (failures_only and r.resolved)):
        table.add_row(r.task_id, Text("yes" if r.resolved else "no", style="green" if r.resolved else "red"),
                      str(r.steps), Text(r.detail))
    if table.row_count:
        out.print(table)
    resolved = [r for r in results if r.resolved]
    mean = sum(r.steps for r in resolved) / len(resolved) if resolved else 0.0
    out.print(f"{len(resolved)}/{len(results)} resolved (mean {mean:.1f} steps); saved as each task's scripted expert")
    return results
