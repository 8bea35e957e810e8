"""`srl-swe eval compare A B`: two runs side by side, per task (attempt 1) and in total."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from srl_swe.errors import ConfigError
from srl_swe.evaluate.outputs import attempt_dir, read_record

TOTAL_KEYS = (
    "resolved_instances",
    "unresolved_instances",
    "empty_patch_instances",
    "error_instances",
    "total_instances",
)


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: str
    a: str
    b: str
    steps_a: int | None
    steps_b: int | None

    @property
    def change(self) -> str:
        if self.a == self.b:
            return ""
        if self.b == "resolved":
            return "gained"
        return "lost" if self.a == "resolved" else "changed"


class Comparison(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_a: str
    name_b: str
    rows: list[Row]
    totals_a: dict
    totals_b: dict


def _report(folder: Path) -> dict:
    path = Path(folder) / "report.json"
    if not path.is_file():
        raise ConfigError(f"{folder} has no report.json; give the --out folder of a finished 'srl-swe eval' run.")
    return json.loads(path.read_text(encoding="utf-8"))


def _tasks(report: dict) -> list[str]:
    return report["submitted_ids"] + report["incomplete_ids"]


def compare(dir_a: Path, dir_b: Path) -> Comparison:
    report_a, report_b = _report(dir_a), _report(dir_b)
    rows = []
    for task in sorted(set(_tasks(report_a)) | set(_tasks(report_b))):
        ra, rb = read_record(attempt_dir(dir_a, task, 1)), read_record(attempt_dir(dir_b, task, 1))
        rows.append(Row(task=task, a=ra.status if ra else "-", b=rb.status if rb else "-",
                        steps_a=ra.steps if ra else None, steps_b=rb.steps if rb else None))
    pick = ("resolve_rate", "mean_steps", "format_error_rate", "mean_expert_similarity", *TOTAL_KEYS)
    return Comparison(name_a=f"{Path(dir_a).name} ({report_a['model_name_or_path']})",
                      name_b=f"{Path(dir_b).name} ({report_b['model_name_or_path']})", rows=rows,
                      totals_a={k: report_a.get(k) for k in pick}, totals_b={k: report_b.get(k) for k in pick})


def render(comparison: Comparison):
    from rich.table import Table

    table = Table(title="evaluation comparison")
    for column in ("task", comparison.name_a, comparison.name_b, "steps A", "steps B", "change"):
        table.add_column(column)
    for row in comparison.rows:
        table.add_row(row.task, row.a, row.b, _num(row.steps_a), _num(row.steps_b), row.change)
    table.add_section()
    for key in comparison.totals_a:
        table.add_row(key, _num(comparison.totals_a[key]), _num(comparison.totals_b[key]), "", "", "")
    return table


def _num(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)
