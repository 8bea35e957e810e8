"""`srl-swe data ...`: import expert trajectories, build the SRL dataset, record new experts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from srl_swe.atomic import replacing
from srl_swe.cli.common import Ray, console, fail, friendly, out
from srl_swe.trajectories.importers import FORMATS, ImportReport, expand_paths, import_paths, stream_paths
from srl_swe.trajectories.schema import write_jsonl

app = typer.Typer(help="Expert trajectories and the SRL dataset: import, build, record.", no_args_is_help=True)

FORMAT_HELP = f"auto, or one of: {', '.join(FORMATS)}."
STRICT_HELP = "Fail (and write nothing) when any record is skipped or any step dropped."


def show_report(report: ImportReport, limit: int) -> None:
    """The per-source table (records, steps kept, steps dropped with each reason), the totals,
    and the first `limit` entries with file, line and reason."""
    header, *rows = report.table()
    table = Table(box=None, highlight=False)
    for name in header:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)
    console.print(report.summary(), highlight=False)
    for line in report.details(limit):
        console.print(f"  {line}", style="yellow", highlight=False, markup=False)


def parse_window(text: str) -> int | None:
    if text.strip().lower() in ("all", "none"):
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        fail(f"--history-window must be a number >= 0 or 'all', got {text!r}.")
    return value


@app.command("import")
@friendly
def import_(
    files: Annotated[list[Path], typer.Argument(help="Trajectory files or folders (searched recursively).")],
    output: Annotated[Path, typer.Option("--out", help="srl-swe trajectory JSONL to write.")],
    format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    show: int = typer.Option(20, "--show", help="How many skipped records and dropped steps to list."),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
) -> None:
    """Convert trajectories from SWE-agent (.traj, windowed and cursor tools included), SWE-smith,
    mini-swe-agent 1.x/2.x, OpenHands / SWE-Gym or OpenAI-chat files (JSON, JSON arrays, JSONL,
    .gz; folders and glob patterns) into srl-swe's JSONL. Every record skipped and every step
    dropped is counted per source, with its reason."""
    found = expand_paths(files)
    report = ImportReport()
    # Streamed: each trajectory is written as it is read, so a large set never sits in memory; the output replaces
    # `output` only when all went well (--strict, nothing imported: it is left as it was).
    with _import_progress(len(found)) as progress, replacing(output) as fh:
        bar = progress.add_task("", total=len(found))
        written = 0
        for trajectory in stream_paths(found, format, report, done=lambda _: progress.advance(bar)):
            fh.write(trajectory.model_dump_json() + "\n")
            written += 1
            progress.update(bar, description=f"{written} trajectories")
        progress.stop()
        show_report(report, show)
        if strict:
            report.check_strict()
        if not written:
            fail("No trajectory could be imported; see the reasons above (or force a format with --format).")
    out.print(f"wrote {written} trajectories to {output}", highlight=False)


def _import_progress(files: int) -> Progress:
    columns = (TextColumn("[bold]import[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
               TimeElapsedColumn(), TextColumn("{task.description}"))
    return Progress(*columns, console=console, transient=True)


@app.command("build", context_settings={"allow_extra_args": True})
@friendly
def build(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--out", help="Folder for the dataset (replaced if it holds one).")],
    trajectories: Annotated[
        list[Path] | None,
        typer.Option(
            "--trajectories",
            help="Files, folders or globs, one or several after the flag (default: the bundled tasks' experts).",
        ),
    ] = None,
    history_window: str = typer.Option("2", "--history-window", help="Earlier expert steps in each prompt, or 'all'."),
    only_resolved: bool = typer.Option(
        False, "--only-resolved", help="Keep only trajectories that resolved their task."
    ),
    val_fraction: float = typer.Option(0.05, "--val-fraction", help="Share of trajectories held out for validation."),
    seed: int = typer.Option(0, "--seed", help="Seed of the train/validation split."),
    format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    sft: Annotated[Path | None, typer.Option("--sft", help="Also write the SFT conversations (JSONL) here.")] = None,
    sft_thoughts: bool = typer.Option(
        True, "--sft-thoughts/--no-sft-thoughts", help="Keep the expert's thoughts in the SFT export."
    ),
    sft_style: str = typer.Option(
        "tool_calls", "--sft-style", help="tool_calls (OpenAI) or text (the env's own turns)."
    ),
    show: int = typer.Option(20, "--show", help="How many skipped records to list."),
    tasks_dir: Annotated[
        Path | None,
        typer.Option(
            "--tasks-dir",
            help="Task registry: the default experts, and each task's workdir for the prompts (default: the project's "
                 "tasks/).",
        ),
    ] = None,
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
) -> None:
    """Expand expert trajectories into one SRL instance per step and save a Hugging Face dataset
    (train / validation split by trajectory), loadable with `datasets.load_from_disk`."""
    # Imported here: `datasets` is heavy and only this command needs it.
    from srl_swe.srl.dataset import build_dataset, bundled_expert_files, kept_trajectories
    from srl_swe.srl.sft import export_sft

    window = parse_window(history_window)
    if ctx.args and not trajectories:
        fail(f"Unexpected argument(s) {' '.join(ctx.args)}; trajectory files go after --trajectories.")
    # `--trajectories A B`: click gives the flag one value; the files after it arrive as extra arguments.
    sources = [*(trajectories or []), *map(Path, ctx.args)] or list(bundled_expert_files(tasks_dir))
    if not sources:
        fail(
            "No --trajectories given and no bundled task has an expert trajectory (tasks/*/trajectories/expert.jsonl)."
        )
    loaded, report = import_paths(sources, format)
    show_report(report, show)
    if strict:
        report.check_strict()
    built = build_dataset(loaded, output, window, only_resolved, val_fraction, seed, progress=True, tasks_dir=tasks_dir)
    kept = kept_trajectories(loaded, only_resolved)
    rows = ", ".join(f"{name} {len(split)}" for name, split in built.items())
    used = (f"{len(kept)} of {len(loaded)} trajectories (resolved ones)" if only_resolved
            else f"{len(loaded)} trajectories")
    out.print(f"wrote {output}: {rows} instances from {used}", highlight=False)
    if sft is not None:
        count = export_sft(kept, sft, with_thoughts=sft_thoughts, style=sft_style)
        out.print(f"wrote {count} SFT conversations to {sft}", highlight=False)


@app.command("record")
@friendly
def record(
    tasks: Annotated[list[str], typer.Option("--tasks", help="Task ids (repeat, or comma-separated), or 'all'.")],
    model: Annotated[
        str, typer.Option("--model", help="OpenAI-compatible base URL (e.g. http://localhost:8000/v1) or a model name.")
    ],
    output: Annotated[Path, typer.Option("--out", help="JSONL to write the resolving trajectories to (replaced).")],
    attempts: int = typer.Option(1, "--attempts", min=1, help="Episodes per task."),
    model_name: str | None = typer.Option(None, "--model-name", help="Model to ask for (default: the server's first)."),
    temperature: float = typer.Option(0.7, "--temperature"),
    max_steps: int | None = typer.Option(None, "--max-steps", help="Steps per episode (default: envs/rlvr.yaml)."),
    first_success: bool = typer.Option(
        False, "--first-success", help="Stop a task's attempts at its first resolving one."
    ),
    tools: bool = typer.Option(False, "--tools", help="Send the tool schemas and accept OpenAI tool_calls."),
    tasks_dir: Annotated[
        Path | None, typer.Option("--tasks-dir", help="Task registry (default: the project's tasks/).")
    ] = None,
    workers: int = typer.Option(
        1, "--workers", "-j", min=1, help="Tasks recorded at once, each worker with its own env."
    ),
    ray: str | None = Ray,
) -> None:
    """Run a teacher in the rlvr environment and keep only the trajectories that resolve their task."""
    from srl_swe.agents.chat_client import ChatClient
    from srl_swe.agents.collect import Attempt, collect
    from srl_swe.tasks.registry import list_tasks

    wanted = [t.strip() for item in tasks for t in item.split(",") if t.strip()]
    if wanted == ["all"]:
        wanted = list_tasks(tasks_dir)
    if not wanted:
        fail("No tasks: pass --tasks ID (or 'all' with a non-empty task registry).")
    teacher = ChatClient.connect(model, model_name, temperature=temperature)
    console.print(
        f"teacher {teacher.model} at {teacher.base_url}: {len(wanted)} task(s) x {attempts} attempt(s)", highlight=False
    )

    def show(a: Attempt) -> None:
        mark = "[green]resolved[/]" if a.resolved else "[red]not resolved[/]"
        console.print(
            f"  {a.task_id} #{a.attempt}: {mark} after {a.steps} steps ({a.format_errors} format errors, ended by "
            f"{a.ended_by})",
            highlight=False,
        )

    settings = {"max_steps": max_steps} if max_steps is not None else {}
    result = collect(wanted, teacher, attempts, tasks_dir, first_success, tools, on_attempt=show, workers=workers,
                     ray=ray, **settings)
    write_jsonl(output, result.kept)
    out.print(
        f"kept {len(result.kept)} of {len(result.attempts)} trajectories (resolving ones) in {output}", highlight=False
    )


@app.command("verify")
@friendly
def verify(
    files: Annotated[list[Path], typer.Argument(help="Imported trajectories (any format `data import` reads).")],
    output: Annotated[Path, typer.Option("--out", help="Where to write the trajectories with outcome.resolved set.")],
    tasks_dir: Annotated[
        Path | None,
        typer.Option("--tasks", "--tasks-dir",
                     help="Task registry holding each trajectory's task (default: the project's tasks/)."),
    ] = None,
    repo_root: Annotated[
        str | None,
        typer.Option(
            "--repo-root",
            help="The original agent's repo root (default: found in the actions, e.g. /testbed or "
                 "/workspace/<repo>).",
        ),
    ] = None,
    format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    show: int = typer.Option(5, "--show", help="How many observation differences to list per trajectory."),
) -> None:
    """Replay each trajectory on its registered task: check that every step runs as recorded
    (observations compared, differences listed), grade the final diff, and write the
    trajectories with outcome.resolved set; `data build --only-resolved` then keeps the verified."""
    from srl_swe.agents.verify import verify as replay
    from srl_swe.tasks.registry import list_tasks

    trajectories, report = import_paths(files, format)
    show_report(report, show)
    registered = set(list_tasks(tasks_dir))
    missing = sorted({t.task_id for t in trajectories} - registered)
    if missing:
        fail(f"No registered task for {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''} in "
             f"{tasks_dir or 'tasks/'}; register them (srl-swe tasks add, or tasks import for SWE-bench JSONL) or "
             "pass --tasks (a trajectory that names no instance id is the task named by its file: <task id>.traj).")
    table = Table("#", "task", "steps", "as recorded", "resolved", "repo root", box=None, highlight=False)
    verified = []
    for n, trajectory in enumerate(trajectories, 1):
        with console.status(f"replaying {n}/{len(trajectories)}: {trajectory.task_id}"):
            result = replay(trajectory, tasks_dir, repo_root)
        verified.append(result.trajectory)
        table.add_row(str(n), escape(trajectory.task_id), str(result.steps_run),
                      f"{result.steps_matching}/{len(trajectory.steps)}", "yes" if result.resolved else "no",
                      escape(result.root or "-"))
        for line in result.differences[:show]:
            console.print(f"  {n} {trajectory.task_id}: {line}", style="yellow", highlight=False, markup=False)
    out.print(table)
    write_jsonl(output, verified)
    resolved = sum(bool(t.outcome.resolved) for t in verified)
    out.print(f"wrote {len(verified)} trajectories to {output}: {resolved} resolved", highlight=False)


@app.command("factory")
@friendly
def factory(
    tasks_dir: Annotated[Path, typer.Option("--tasks-dir", help="The factory's task registry (tasks with experts).")],
    output: Annotated[Path, typer.Option("--out", help="Folder to write (srl/, tasks.jsonl, card, histograms.png).")],
    history_window: str = typer.Option("2", "--history-window", help="Earlier expert steps in each prompt, or 'all'."),
    val_fraction: float = typer.Option(0.05, "--val-fraction", help="Share of trajectories held out for validation."),
    seed: int = typer.Option(0, "--seed", help="Seed of the train/validation split."),
    include_unresolved: bool = typer.Option(
        False, "--include-unresolved", help="Also use expert trajectories not marked resolved."
    ),
) -> None:
    """Turn a tasks dir made by the factory (tasks mine / tasks synth, then expert script) into a
    dataset in one go: the SRL step-wise instances (as `data build`), the tasks as SWE-bench JSONL
    (as `tasks export`), a card (README.md, card.json: counts per repo and origin/strategy, F2P
    sizes, trajectory lengths) and histograms.png."""
    from srl_swe.factory.dataset import CARD_MD, build_factory_dataset

    card = build_factory_dataset(tasks_dir, output, parse_window(history_window), val_fraction, seed,
                                 only_resolved=not include_unresolved, progress=True)
    table = Table("origin / strategy", "tasks", "trajectories", "steps", box=None, highlight=False)
    for name, counts in card["per_origin"].items():
        table.add_row(escape(name), *(str(counts.get(k, 0)) for k in ("tasks", "trajectories", "steps")))
    out.print(table)
    if card["left_out"]:
        console.print("left out: " + ", ".join(f"{n} ({why})" for why, n in card["left_out"].items()),
                      style="yellow", highlight=False)
    out.print(f"wrote {output}: {card['tasks']} tasks, {card['trajectories']} trajectories, "
              f"{card['instances']['total']} SRL instances; see {output / CARD_MD}", highlight=False)
