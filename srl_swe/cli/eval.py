"""`srl-swe eval --policy ... --out DIR` (also `srl-swe eval run ...`) and `srl-swe eval compare A B`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from srl_swe.cli.common import Ray, console, fail, friendly, out

app = typer.Typer(help="Evaluate a policy on tasks: resolve rate, SWE-bench predictions, reports.")

POLICIES = ("replay", "noop", "openai", "hf")
MODES = ("agentic", "oracle-edit")


def read_task_ids(tasks: str, tasks_dir: str | None) -> list[str]:
    """`all`, `@FILE` (one id a line, # comments), or ids separated by commas."""
    from srl_swe.tasks.registry import list_tasks

    if tasks == "all":
        ids = list_tasks(tasks_dir)
    elif tasks.startswith("@"):
        text = Path(tasks[1:]).read_text(encoding="utf-8")
        ids = [line.split("#")[0].strip() for line in text.splitlines()]
    else:
        ids = [part.strip() for part in tasks.split(",")]
    ids = list(dict.fromkeys(i for i in ids if i))
    if not ids:
        fail(f"--tasks {tasks!r} names no task; 'srl-swe tasks list' shows the registered ones.")
    return ids


@friendly
def eval_run(
    ctx: typer.Context,
    policy: Annotated[str | None, typer.Option(help="replay | noop | openai | hf.")] = None,
    tasks: Annotated[
        str, typer.Option(help="A task id, ids separated by commas, @FILE (one id a line), or all.")
    ] = "all",
    tasks_dir: Annotated[
        str | None, typer.Option("--tasks-dir", help="Task registry (default: SRL_SWE_TASKS_DIR or tasks/).")
    ] = None,
    mode: Annotated[
        str, typer.Option(help="agentic (the policy works in SWEEnv) or oracle-edit (one answer with edits).")
    ] = "agentic",
    workers: Annotated[int, typer.Option(min=1, help="Instances run in parallel, each with its own containers.")] = 1,
    attempts: Annotated[int, typer.Option(min=1, help="Attempts per task (pass@k for k up to this).")] = 1,
    max_steps: Annotated[int, typer.Option("--max-steps", min=1, help="Steps per episode (agentic).")] = 30,
    timeout: Annotated[float, typer.Option(help="Wall-clock seconds per instance.")] = 1800.0,
    grade_timeout: Annotated[
        float, typer.Option("--grade-timeout", help="Seconds the tests may run when grading.")
    ] = 600.0,
    model: Annotated[
        str | None, typer.Option(help="hf: a model dir, hub name or 'tiny'; openai: the served model's name.")
    ] = None,
    adapter: Annotated[str | None, typer.Option(help="hf: a LoRA adapter directory to apply to --model.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="openai: the endpoint, e.g. http://localhost:8000/v1.")
    ] = None,
    api_key_env: Annotated[
        str, typer.Option("--api-key-env", help="openai: environment variable holding the key.")
    ] = "OPENAI_API_KEY",
    temperature: Annotated[float, typer.Option(help="Sampling temperature (0: greedy).")] = 0.0,
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="Tokens per model answer.")] = 1024,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder (rerunning resumes it).")] = None,
    rerun: Annotated[bool, typer.Option(help="Run every instance again, even those already done.")] = False,
    ray: str | None = Ray,
) -> None:
    """Run POLICY on tasks and grade each in a fresh container. Rerunning the same command resumes."""
    if ctx.invoked_subcommand is not None:
        return
    if policy is None:
        out.print(ctx.get_help())
        raise typer.Exit(0 if out_dir is None else 2)
    if policy not in POLICIES or mode not in MODES:
        fail(f"--policy must be one of {', '.join(POLICIES)} and --mode one of {', '.join(MODES)}.")
    if out_dir is None:
        fail("--out DIR is required: the folder that receives predictions.jsonl, logs/ and the reports.")
    from pydantic import ValidationError

    from srl_swe.evaluate.policies import PolicySettings
    from srl_swe.evaluate.runner import EvalConfig

    try:
        settings = PolicySettings(kind=policy, mode=mode, tasks_dir=tasks_dir, model=model, adapter=adapter,
                                  base_url=base_url, api_key_env=api_key_env, temperature=temperature,
                                  max_tokens=max_tokens, workers=workers)
        config = EvalConfig(policy=settings, tasks=read_task_ids(tasks, tasks_dir), tasks_dir=tasks_dir, mode=mode,
                            workers=workers, attempts=attempts, max_steps=max_steps, instance_timeout=timeout,
                            grade_timeout=grade_timeout, out=out_dir, rerun=rerun, ray=ray)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(map(str, error["loc"]))
        fail(f"{where + ': ' if where else ''}{error['msg'].removeprefix('Value error, ')}.")
    report = _run_with_progress(config)
    out.print(f"resolved {report['resolved_instances']}/{report['total_instances']} "
              f"({100 * report['resolve_rate']:.1f}%); errors {report['error_instances']}, "
              f"empty patches {report['empty_patch_instances']}. Report: {out_dir / 'report.md'}")


def _run_with_progress(config) -> dict:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from srl_swe.evaluate.outputs import load_records
    from srl_swe.evaluate.runner import run_eval

    total = len(config.tasks) * config.attempts
    done = 0 if config.rerun else len(load_records(config.out, config.tasks, config.attempts))
    counts: dict[str, int] = {}
    columns = (
        TextColumn("[bold]eval[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task("", total=total, completed=done)

        def on_done(record) -> None:
            counts[record.status] = counts.get(record.status, 0) + 1
            progress.update(bar, advance=1, description=" ".join(f"{k} {v}" for k, v in sorted(counts.items())))
            if record.status == "error":
                console.print(
                    f"[red]{record.instance_id}[/] (attempt {record.attempt}): {record.error}", highlight=False
                )

        return run_eval(config, on_done=on_done)


app.callback(invoke_without_command=True)(eval_run)
app.command("run")(eval_run)


@app.command("compare")
@friendly
def eval_compare(
    dir_a: Annotated[Path, typer.Argument(help="An eval --out folder.")],
    dir_b: Annotated[Path, typer.Argument(help="Another eval --out folder.")],
) -> None:
    """Two runs side by side: each task's outcome and the totals."""
    from srl_swe.evaluate.compare import compare, render

    out.print(render(compare(dir_a, dir_b)))
