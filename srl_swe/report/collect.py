"""Read what training and evaluation left in a folder into a Report."""

from __future__ import annotations

import json
from pathlib import Path

from srl_swe.errors import ConfigError
from srl_swe.report.model import Plot, Report, Run, Table, Turn
from srl_swe.trajectories.schema import Trajectory

EVAL_COLUMNS = ["run", "resolved", "resolve rate", "mean steps", "format-error rate", "mean expert similarity"]


def is_eval_dir(path: Path) -> bool:
    return (path / "run.json").is_file() and (path / "logs").is_dir()


def is_training_dir(path: Path) -> bool:
    return (path / "metrics.jsonl").is_file()


def eval_run(name: str, eval_dir: Path) -> Run:
    """Attempt-1 trajectories of an agentic evaluation (oracle-edit runs have none), with their
    turns (turns.json beside each), so that format errors show too."""
    run = Run(name=name)
    for path in sorted((eval_dir / "logs").glob("*/trajectory.json")):
        data = json.loads(path.read_text())
        if "steps" in data:
            run.trajectories.append(Trajectory.model_validate(data))
            turns = path.with_name("turns.json")
            run.turns.append(viewer_turns(json.loads(turns.read_text())) if turns.is_file() else [])
    return run


def viewer_turns(turns: list[dict]) -> list[Turn]:
    """turns.json's entries in order: those with an action are the trajectory's steps, counted."""
    out, steps = [], 0
    for turn in turns:
        if turn.get("action") is not None:
            out.append(Turn(step=steps))
            steps += 1
        else:
            out.append(Turn(error=turn.get("format_error") or "no action was taken", response=turn.get("response", "")))
    return out


def eval_summary(eval_dir: Path) -> dict:
    path = eval_dir / "report.json"
    if not path.is_file():
        raise ConfigError(f"{eval_dir} has no report.json: the evaluation did not finish; rerun it to resume.")
    return json.loads(path.read_text())


def eval_row(name: str, summary: dict) -> list:
    metrics = summary.get("metrics", summary)
    total = summary.get("total_instances", 0)
    return [name, f"{summary.get('resolved_instances', 0)}/{total}", metrics.get("resolve_rate"),
            metrics.get("mean_steps"), metrics.get("format_error_rate"), metrics.get("mean_expert_similarity")]


def training_plot(run_dir: Path, title: str) -> Plot:
    from srl_swe.train.plot import plot_run

    return Plot(title=title, png=str(plot_run(run_dir)))


def report_for(folder: str | Path) -> Report:
    """A page for a training run, an evaluation, or a folder holding several of either."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder; pass a training run or an evaluation output folder.")
    candidates = [folder] + sorted(p for p in folder.rglob("*") if p.is_dir())
    report = Report(title=f"srl-swe: {folder.name}")
    rows = []
    for path in candidates:
        name = str(path.relative_to(folder)) if path != folder else folder.name
        if is_training_dir(path):
            report.plots.append(training_plot(path, f"training: {name}"))
        if is_eval_dir(path):
            rows.append(eval_row(name, eval_summary(path)))
            report.runs.append(eval_run(name, path))
            if (path / "report.png").is_file():
                report.plots.append(Plot(title=f"evaluation: {name}", png=str(path / "report.png")))
    if rows:
        report.tables.append(Table(title="Evaluation", columns=EVAL_COLUMNS, rows=rows))
    if not (report.plots or report.runs):
        raise ConfigError(f"{folder} holds no training run (metrics.jsonl) or evaluation (run.json + logs/).")
    return report
