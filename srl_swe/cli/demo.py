"""`srl-swe demo` and `srl-swe view`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from srl_swe.cli.common import console, fail, friendly, out


@friendly
def demo(
    model: Annotated[str, typer.Option(help="'tiny' (built locally), or a model directory / hub name.")] = "tiny",
    tasks: Annotated[str | None, typer.Option(help="Comma-separated task ids (default: the bundled tasks).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder (reused: finished stages are kept).")] = Path(
        "demo-out"
    ),
    minutes: Annotated[float, typer.Option(help="Time budget; sizes training and evaluation.")] = 15.0,
    workers: Annotated[int, typer.Option(help="Parallel sandboxes.")] = 2,
    tasks_dir: Annotated[str | None, typer.Option(help="Task registry (default: the bundled tasks/).")] = None,
) -> None:
    """The whole pipeline end to end: validate tasks, replay experts, build SRL data, train SFT then
    SRL, evaluate against replay/noop bounds, and write report.html."""
    from srl_swe.demo.config import DemoConfig
    from srl_swe.demo.run import run_demo

    config = DemoConfig(model=model, tasks=tasks.split(",") if tasks else None, out=out_dir, minutes=minutes,
                        workers=workers, tasks_dir=tasks_dir)
    try:
        run_demo(config, console)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@friendly
def view(
    folder: Annotated[Path, typer.Argument(help="A training run, an evaluation output, or a demo output folder.")],
    page: Annotated[
        Path | None, typer.Option("--out", help="Where to write the page (default FOLDER/report.html).")
    ] = None,
) -> None:
    """Write the self-contained report page (curves, tables, trajectory viewer) for a folder."""
    from srl_swe.report import html
    from srl_swe.report.collect import report_for

    if not folder.exists():
        fail(f"{folder} does not exist; pass a training run, evaluation or demo output folder.")
    if (folder / "demo.json").is_file():
        from srl_swe.demo import summary
        from srl_swe.demo.store import is_partial, read_results

        report = summary.build(folder, read_results(folder), is_partial(folder))
    else:
        report = report_for(folder)
    out.print(str(html.write(report, page or folder / "report.html")))
