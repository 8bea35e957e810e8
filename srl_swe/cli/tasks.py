"""`srl-swe tasks ...`: list, show, add, validate, remove, import and export tasks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from srl_swe.cli.common import Ray, console, fail, friendly, out
from srl_swe.cli.register_options import register_options

app = typer.Typer(help="Register, inspect and validate tasks (SWE-bench-style instances).", no_args_is_help=True)

TasksDir = typer.Option(
    None, "--tasks-dir", help="Task registry (default: $SRL_SWE_TASKS_DIR or the project's tasks/)."
)
_OUTCOME_STYLE = {"ok": "green", "error": "red"}


def _log(message: str) -> None:
    console.print(f"  {message}", highlight=False, markup=False)


@app.command("list")
@friendly
def list_cmd(as_json: bool = typer.Option(False, "--json", help="One JSON object per task, as a list."),
             tasks_dir: Path = TasksDir) -> None:
    """The registered tasks with their repo, runner and test counts."""
    from srl_swe.tasks.registry import bundle_path, list_tasks, load_task

    ids = list_tasks(tasks_dir)
    specs = [load_task(task_id, tasks_dir) for task_id in ids]
    if as_json:
        rows = [dict(id=s.instance_id, repo=s.repo, test_runner=s.test_runner, test_scope=s.test_scope,
                     environment=s.environment, FAIL_TO_PASS=len(s.FAIL_TO_PASS), PASS_TO_PASS=len(s.PASS_TO_PASS),
                     image=s.image, bundle=bundle_path(s.instance_id, tasks_dir).is_file()) for s in specs]
        out.print_json(json.dumps(rows))
        return
    if not ids:
        console.print(f"no tasks in {tasks_dir or 'the default tasks dir'}; add one with 'srl-swe tasks add'")
        return
    table = Table("id", "repo", "runner", "F2P", "P2P", "runs in")
    for spec in specs:
        where = Text(spec.image) if spec.image else (
            Text("repo bundle") if bundle_path(spec.instance_id, tasks_dir).is_file() else Text("nothing", style="red"))
        table.add_row(spec.instance_id, Text(spec.repo), spec.test_runner, str(len(spec.FAIL_TO_PASS)),
                      str(len(spec.PASS_TO_PASS)), where)
    out.print(table)


@app.command("show")
@friendly
def show(
    task_id: str,
    as_json: bool = typer.Option(False, "--json", help="Every field, as JSON."),
    tasks_dir: Path = TasksDir,
) -> None:
    """One task: runner, install and image first, then its fields (patches and issue text in full with --json)."""
    from srl_swe.tasks.images import describe_image
    from srl_swe.tasks.registry import load_task

    spec = load_task(task_id, tasks_dir)
    if as_json:
        out.print_json(json.dumps(spec.model_dump(mode="json") | {"image_built": describe_image(spec, tasks_dir)}))
        return
    table = Table(show_header=False)
    table.add_row("runner", Text(f"{spec.test_runner}: {spec.test_command} (scope: {spec.test_scope})"))
    table.add_row("install", Text(f"{spec.environment}: " + ("; ".join(spec.install) or "nothing installed")))
    table.add_row("image", Text(describe_image(spec, tasks_dir)))
    for key, value in spec.model_dump(mode="json").items():
        if isinstance(value, list):
            value = "\n".join(value) if value else "-"
        elif isinstance(value, str) and value.count("\n") > 12:
            value = "\n".join(value.splitlines()[:12]) + f"\n... ({value.count(chr(10)) + 1} lines; --json for all)"
        table.add_row(key, Text("-" if value in (None, "", {}) else str(value)))  # Text: no markup in patches
    out.print(table)


def _text_or_file(value: str | None) -> str | None:
    if value and value.startswith("@"):
        return Path(value[1:]).read_text(encoding="utf-8")
    return value


@app.command("add")
@friendly
@register_options
def add(
    repo: str = typer.Option(..., help="A local git repository or a git URL."),
    fix_commit: str = typer.Option(None, help="The commit that fixes the bug (base = its parent)."),
    base_commit: str = typer.Option(None, help="With --patch/--test-patch: the commit the task starts from."),
    patch: Annotated[Path | None, typer.Option(help="With --base-commit: the gold fix as a diff file.")] = None,
    test_patch: Annotated[
        Path | None, typer.Option(help="With --base-commit: the tests that show the bug, as a diff file.")
    ] = None,
    task_id: str = typer.Option(None, "--id", help="Task id (default: <repo>-<short sha>)."),
    problem_statement: str = typer.Option(None, help="Issue text, or @FILE (default: the fix commit's message)."),
    replace: bool = typer.Option(False, help="Overwrite a task with the same id."),
    source: str = typer.Option(None, help="Recorded as the task's source (default: the --repo path or URL)."),
    tasks_dir: Path = TasksDir,
    options=None,  # the install and runner options, from @register_options
) -> None:
    """Register a task from a fix commit, or a base commit plus patch files.

    FAIL_TO_PASS and PASS_TO_PASS are derived by running the tests before and after the fix in a sandbox."""
    from srl_swe.tasks.register import register_fix_commit, register_patches

    options = options.model_copy(update=dict(task_id=task_id, problem_statement=_text_or_file(problem_statement),
                                              replace=replace, source=source))
    if fix_commit and not (base_commit or patch or test_patch):
        spec = register_fix_commit(repo, fix_commit, options, tasks_dir, log=_log)
    elif base_commit and patch and not fix_commit:
        test_text = test_patch.read_text(encoding="utf-8") if test_patch else ""
        spec = register_patches(
            repo, base_commit, patch.read_text(encoding="utf-8"), test_text, options, tasks_dir, log=_log
        )
    else:
        fail("Pass either --fix-commit SHA, or --base-commit SHA --patch FILE [--test-patch FILE].")
    out.print(spec.instance_id)


@app.command("validate")
@friendly
def validate(
    task_ids: Annotated[list[str] | None, typer.Argument(help="Tasks to validate (default: all).")] = None,
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="Sandboxes at once."),
    timeout: float = typer.Option(600, help="Seconds one test run may take."),
    as_json: bool = typer.Option(False, "--json", help="The results as a JSON list (outcome, detail, hint, seconds)."),
    tasks_dir: Path = TasksDir,
    ray: str | None = Ray,
) -> None:
    """Check each task in a fresh sandbox; exit 1 unless every task is ok.

    FAIL_TO_PASS must fail before the gold patch and pass after it; PASS_TO_PASS must pass both times."""
    from srl_swe.tasks.registry import list_tasks, load_task
    from srl_swe.tasks.validate import validate_tasks

    specs = [load_task(t, tasks_dir) for t in (task_ids or list_tasks(tasks_dir))]
    if not specs:
        fail(f"No tasks to validate in {tasks_dir or 'the default tasks dir'}; add one with 'srl-swe tasks add'.")
    columns = (
        TextColumn("validating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("", total=len(specs))
        results = validate_tasks(
            specs,
            tasks_dir,
            workers=workers,
            timeout=timeout,
            ray=ray,
            on_done=lambda r: progress.update(bar, advance=1, description=escape(f"{r.task_id}: {r.outcome}")),
        )
    bad = [r for r in results if not r.ok]
    if as_json:
        out.print_json(json.dumps([r.model_dump(mode="json") for r in results]))
    else:
        table = Table("task", "outcome", "seconds", "detail")
        for r in results:
            style = _OUTCOME_STYLE.get(r.outcome, "yellow")
            detail = f"{r.detail}. {r.hint}" if r.hint else r.detail
            table.add_row(r.task_id, Text(r.outcome, style=style), f"{r.duration:.1f}", Text(detail))
        out.print(table)
        out.print(f"{len(results) - len(bad)}/{len(results)} ok")
    if bad:
        raise typer.Exit(1)


@app.command("remove")
@friendly
def remove(task_id: str, tasks_dir: Path = TasksDir) -> None:
    """Delete a task (spec, repo bundle, trajectories)."""
    from srl_swe.tasks.registry import remove_task

    remove_task(task_id, tasks_dir)
    out.print(f"removed {task_id}")


@app.command("import")
@friendly
def import_cmd(
    file: Annotated[Path, typer.Argument(help="SWE-bench / SWE-Gym / SWE-smith JSONL.")],
    image_template: str = typer.Option(
        None,
        help="Prebuilt image per record, filled with its fields, e.g. "
             "'swebench/sweb.eval.x86_64.{instance_id_docker}:latest'.",
    ),
    test_command: str = typer.Option(
        None,
        help="Pytest invocation for every record, e.g. 'source /opt/miniconda3/bin/activate testbed && python -m "
             "pytest' for SWE-bench images.",
    ),
    test_runner: str = typer.Option(
        None, help="Runner for every record, e.g. 'swebench' (SWE-bench's own log parsers and test commands)."
    ),
    replace: bool = typer.Option(False, help="Overwrite tasks with the same ids."),
    tasks_dir: Path = TasksDir,
) -> None:
    """Register every record of a JSONL file (all fields kept; see `export`)."""
    from srl_swe.tasks.runners import get_runner
    from srl_swe.tasks.swebench import import_jsonl

    if test_runner:
        get_runner(test_runner)  # an unknown name fails before anything is written
    specs = import_jsonl(file, tasks_dir, image_template=image_template, replace=replace, test_command=test_command,
                         test_runner=test_runner)
    out.print(f"imported {len(specs)} task(s)")


@app.command("export")
@friendly
def export_cmd(
    file: Annotated[Path, typer.Argument(help="Where to write the JSONL.")],
    task_ids: Annotated[list[str] | None, typer.Argument(help="Tasks to export (default: all).")] = None,
    tasks_dir: Path = TasksDir,
) -> None:
    """Write tasks as SWE-bench JSONL (imported records come back with the fields they had)."""
    from srl_swe.tasks.swebench import export_jsonl

    specs = export_jsonl(file, task_ids, tasks_dir)
    out.print(f"exported {len(specs)} task(s) to {file}")


@app.command("image")
@friendly
def image(task_id: str, setup_network: bool = typer.Option(False, help="Let setup commands reach the network."),
          tasks_dir: Path = TasksDir) -> None:
    """Build (if missing) and print the task's image."""
    from srl_swe.tasks.images import ensure_task_image
    from srl_swe.tasks.registry import load_task

    out.print(ensure_task_image(load_task(task_id, tasks_dir), tasks_dir, log=_log, setup_network=setup_network))


@app.command("mine")
@friendly
@register_options
def mine_cmd(
    repo: Annotated[str, typer.Argument(help="A local git repository or a git URL.")],
    since: str = typer.Option(None, help="Only commits at or after this date (git's forms: 2024-01-31, '1 year ago')."),
    until: str = typer.Option(None, help="Only commits at or before this date."),
    limit: int = typer.Option(None, min=1, help="Register at most this many candidates (newest first)."),
    max_files: int = typer.Option(3, min=1, help="Candidates change at most this many non-test Python files."),
    max_lines: int = typer.Option(300, min=1, help="... and at most this many lines in them."),
    skip_merges: bool = typer.Option(
        False, help="Reject merge commits (default: a merge is taken as its diff against its first parent)."
    ),
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="Candidates registered at once."),
    keep_images: bool = typer.Option(False, help="Keep the task images of dropped candidates (default: removed)."),
    state: Path = typer.Option(
        None, help="The state file that makes reruns resume (default: one per repo, in <tasks dir>/.factory/)."
    ),
    as_json: bool = typer.Option(False, "--json", help="The yield and every commit's outcome as JSON."),
    experts: bool = typer.Option(True, help="Script, play and keep a verified expert trajectory for each task."),
    tasks_dir: Path = TasksDir,
    ray: str | None = Ray,
    options=None,  # the install and runner options, from @register_options
) -> None:
    """Register the fix commits of a repository's history as tasks; keep those that validate.

    Walks the first-parent history newest first; a commit that changes Python code and tests is a
    candidate, registered as 'tasks add --fix-commit' would and validated in a fresh sandbox. Prints
    the yield of each stage with the reasons for what dropped; then each task gets a scripted expert
    trajectory that resolves it (--no-experts: later, with 'expert script'). Rerunning resumes:
    decided commits are skipped."""
    from srl_swe.factory.history import Limits
    from srl_swe.factory.mine import MineSettings, mine

    settings = MineSettings(since=since, until=until, limit=limit, workers=workers, ray=ray, state=state,
                            keep_images=keep_images,
                            limits=Limits(max_files=max_files, max_lines=max_lines, skip_merges=skip_merges))
    columns = (TextColumn("mining"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("reading the history", total=None)
        report = mine(
            repo, settings, options, tasks_dir,
            on_start=lambda n: progress.update(bar, total=n, description=f"{n} candidate(s) to register"),
            on_done=lambda r: progress.update(bar, advance=1, description=escape(f"{r.commit[:7]}: {r.outcome}")),
        )
    if as_json:
        summary = report.as_json()
        if experts:
            summary["experts"] = _script_pending(tasks_dir, workers, ray, quiet=True)
        out.print_json(json.dumps(summary))
        return
    table = Table("stage", "commits", "dropped", "why")
    for row in report.stages():
        why = ", ".join(f"{reason} {n}" for reason, n in row["dropped"].items())
        table.add_row(row["stage"], str(row["count"]), str(sum(row["dropped"].values()) or ""), Text(why))
    out.print(table)
    summary = report.as_json()
    per = f", {summary['seconds_per_candidate']} s per candidate" if summary["seconds_per_candidate"] else ""
    out.print(f"registered {summary['registered_now']} candidate(s) now{per}; {summary['decided_earlier']} decided "
              f"by an earlier run (state: {report.state})")
    if experts:
        _script_pending(tasks_dir, workers, ray)


@app.command("synth")
@friendly
@register_options(fixed={"test_scope": "all"})  # no test patch: the whole suite
def synth(
    repo: Annotated[str, typer.Argument(help="A local git repository or a git URL, at a commit whose tests pass.")],
    commit: str = typer.Option("HEAD", help="The working commit the bugs are injected into."),
    strategies: str = typer.Option(
        None, help="Comma-separated mutation strategies (default: all): comparison, boolean, off_by_one, "
                   "drop_statement, drop_branch, swap_args, constant, remove_guard."
    ),
    limit: int = typer.Option(None, min=1, help="Candidates to try (round-robin over the strategies; default: all)."),
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="Sandboxes at once."),
    seed: int = typer.Option(0, help="Seed of the mutation choices and of the try order."),
    state: Path = typer.Option(None, help="State file for resuming (default: <tasks dir>/.factory/synth-*.json)."),
    statement_model: str = typer.Option(
        None, help="An OpenAI-compatible endpoint URL or model name that rewrites each issue text (default: the "
                   "text written from the failing tests). A rewrite that is empty or shows a buggy line is not kept; "
                   "each task's extra.factory.statement says which text it has."
    ),
    replace: bool = typer.Option(False, help="Overwrite tasks with the same ids."),
    source: str = typer.Option(None, help="Recorded as the tasks' source (default: REPO)."),
    experts: bool = typer.Option(True, help="Script, play and keep a verified expert trajectory for each task."),
    tasks_dir: Path = TasksDir,
    ray: str | None = Ray,
    options=None,  # the install and runner options, from @register_options
) -> None:
    """Inject procedural bugs into a working commit; register those that some tests catch.

    Each candidate runs the suite in a shared sandbox (one per worker): kept when tests fail with it
    and pass again without it (those are FAIL_TO_PASS, the rest PASS_TO_PASS); then each task gets a
    scripted expert trajectory that resolves it (--no-experts: later, with 'expert script').
    Rerunning resumes. The whole suite is the tests' scope."""
    from srl_swe.factory.synth import SynthOptions, synthesize

    register = options.model_copy(update={"replace": replace, "source": source})
    options = SynthOptions(commit=commit, limit=limit, workers=workers, seed=seed, state=state, ray=ray,
                           statement_model=statement_model,
                           install=register,
                           **({"strategies": [s.strip() for s in strategies.split(",") if s.strip()]}
                              if strategies else {}))
    columns = (TextColumn("synthesizing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("", total=None)
        report = synthesize(
            repo, options, tasks_dir, log=_log,
            on_plan=lambda total: progress.update(bar, total=total),
            on_done=lambda name, outcome: progress.update(bar, advance=1, description=escape(f"{name}: {outcome}")),
        )
    table = Table("strategy", "candidates", "duplicate", "tried", "tests fail", "kept", "yield",
                  title=f"{report.repo} @ {report.commit[:12]}")
    sums = [0, 0, 0, 0, 0]
    for strategy, row in report.rows.items():
        values = [row.candidates, row.duplicate, row.tried, row.failing, row.kept]
        sums = [a + b for a, b in zip(sums, values, strict=True)]
        table.add_row(strategy, *map(str, values), f"{row.kept / row.tried:.0%}" if row.tried else "-")
    table.add_row("all", *map(str, sums), f"{sums[4] / sums[2]:.0%}" if sums[2] else "-", style="bold")
    out.print(table)
    if report.reasons:
        out.print("rejected: " + ", ".join(f"{reason} {n}" for reason, n in report.reasons.most_common()))
    out.print(f"{len(report.registered)} task(s) registered by this run ({report.tried_now} candidate(s) tried, "
              f"{report.seconds:.0f} s); state: {report.state}")
    if experts:
        _script_pending(tasks_dir, workers, ray)


def _script_pending(tasks_dir: Path | None, workers: int, ray: str | None, quiet: bool = False) -> dict:
    """Scripted experts for the factory's tasks in the registry that have no expert yet (this run's,
    and those an earlier run left without one). Returns the counts (for --json)."""
    from srl_swe.cli.expert import script_experts
    from srl_swe.factory.expert import without_expert

    specs = without_expert(tasks_dir)
    results = script_experts(specs, tasks_dir, workers, ray, failures_only=True, quiet=quiet) if specs else []
    unresolved = {r.task_id: r.detail for r in results if not r.resolved}
    if unresolved and not quiet:
        out.print("[yellow]tasks whose scripted expert did not resolve keep no expert; see the table above[/]")
    return {"scripted": len(results), "resolved": len(results) - len(unresolved), "unresolved": unresolved}
