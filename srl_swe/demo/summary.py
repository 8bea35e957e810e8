"""The demo's report: headline numbers, tables, training curves, and the trajectory viewer over the
expert replays and every evaluated policy. Written as report.html (self-contained) and report.md."""

from __future__ import annotations

from pathlib import Path

from srl_swe.atomic import write_text
from srl_swe.report import html
from srl_swe.report.collect import (
    EVAL_COLUMNS,
    eval_row,
    eval_run,
    eval_summary,
    is_eval_dir,
    is_training_dir,
    training_plot,
)
from srl_swe.report.model import Plot, Report, Run, Table
from srl_swe.trajectories.schema import read_jsonl


def _pct(num: int, den: int) -> str:
    return f"{num}/{den} ({100 * num / den:.0f}%)" if den else "–"


def headline(results: dict) -> dict[str, str]:
    lines: dict[str, str] = {}
    if "validate" in results:
        outcomes = [r["outcome"] for r in results["validate"]["results"]]
        lines["tasks validated ok"] = _pct(outcomes.count("ok"), len(outcomes))
    if "replay" in results:
        srl = [r for t in results["replay"]["srl"].values() for r in t["rewards"]]
        lines["expert replay, srl mean step reward"] = f"{sum(srl) / len(srl):.3f}" if srl else "–"
        rlvr = [t["resolved"] for t in results["replay"]["rlvr"].values()]
        lines["expert replay, rlvr resolved"] = _pct(sum(bool(x) for x in rlvr), len(rlvr))
    for name, score in results.get("similarity", {}).get("mean_similarity", {}).items():
        lines[f"validation similarity, {name}"] = f"{score:.3f}"
    for name, row in results.get("evaluate", {}).get("policies", {}).items():
        lines[f"resolve rate, {name}"] = _pct(row["resolved_instances"] or 0, row["total_instances"] or 0)
    return lines


def tables(results: dict) -> list[Table]:
    found = []
    if "validate" in results:
        rows = [[r["task_id"], r["outcome"], r["detail"] or "", r["duration"]] for r in results["validate"]["results"]]
        found.append(Table(title="Task validation", columns=["task", "outcome", "detail", "seconds"], rows=rows))
    if "replay" in results:
        rows = []
        for task_id, srl in results["replay"]["srl"].items():
            rlvr = results["replay"]["rlvr"][task_id]
            mean = sum(srl["rewards"]) / len(srl["rewards"]) if srl["rewards"] else None
            rows.append([task_id, len(srl["rewards"]), mean, str(rlvr["resolved"])])
        found.append(
            Table(
                title="Expert replay in SWEEnv",
                columns=["task", "steps", "srl mean reward", "rlvr resolved"],
                rows=rows,
            )
        )
    if "similarity" in results:
        sim = results["similarity"]
        rows = [[name, score] for name, score in sim["mean_similarity"].items()]
        found.append(Table(title=f"Mean step similarity on {sim['rows']} held-out expert steps",
                           columns=["model", "mean SRL reward"], rows=rows))
    return found


def build(out: Path, results: dict, partial: bool) -> Report:
    report = Report(title="srl-swe demo", partial=partial, headline=headline(results), tables=tables(results))
    spent = sum(r.get("seconds", 0.0) for r in results.values())
    report.headline["time in stages"] = f"{spent / 60:.1f} min"
    for name in ("sft", "srl"):
        run_dir = out / "train" / name
        if is_training_dir(run_dir):
            report.plots.append(training_plot(run_dir, f"{name.upper()} training curves"))
    replay = out / "replay" / "srl.jsonl"
    if replay.is_file():
        report.runs.append(Run(name="expert replay (srl rewards)", trajectories=list(read_jsonl(replay))))
    rows = []
    for eval_dir in sorted((out / "eval").glob("*")) if (out / "eval").is_dir() else []:
        if is_eval_dir(eval_dir) and (eval_dir / "report.json").is_file():
            rows.append(eval_row(eval_dir.name, eval_summary(eval_dir)))
            report.runs.append(eval_run(f"eval: {eval_dir.name}", eval_dir))
            if (eval_dir / "report.png").is_file():
                report.plots.append(Plot(title=f"evaluation: {eval_dir.name}", png=str(eval_dir / "report.png")))
    if rows:
        report.tables.append(Table(title="Agentic evaluation (resolve rate)", columns=EVAL_COLUMNS, rows=rows))
    return report


def markdown(report: Report) -> str:
    lines = [f"# {report.title}", ""]
    if report.partial:
        lines += ["**Partial: this run was interrupted before it finished.**", ""]
    lines += [f"- {k}: **{v}**" for k, v in report.headline.items()] + [""]
    for table in report.tables:
        lines += [f"## {table.title}", "", "| " + " | ".join(table.columns) + " |",
                  "|" + "---|" * len(table.columns)]
        lines += ["| " + " | ".join(html._fmt(v) for v in row) + " |" for row in table.rows] + [""]
    for plot in report.plots:
        lines += [f"![{plot.title}]({plot.png})", ""]
    return "\n".join(lines)


def write(out: Path, report: Report) -> Path:
    write_text(out / "report.md", markdown(report))
    return html.write(report, out / "report.html")
