"""What an evaluation writes under `--out`, and how it is read back on resume.

    predictions.jsonl             SWE-bench's format: instance_id, model_name_or_path, model_patch
    logs/<id>/                    attempt 1: report.json (SWE-bench's per-instance shape),
                                  test_output.txt, patch.diff, trajectory.json, turns.json, result.json
    logs/<id>/attempt-<k>/        attempts 2..K, same files
    run.json                      the run's settings (a resumed run must match them)

Every file is written atomically, result.json last: an attempt whose result.json exists is done."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from srl_swe.atomic import write_json, write_text  # also imported from here by other modules

Status = Literal["resolved", "unresolved", "empty_patch", "error"]
PREDICTION_KEYS = ("instance_id", "model_name_or_path", "model_patch")
EMPTY_TESTS_STATUS = {
    k: {"success": [], "failure": []} for k in ("FAIL_TO_PASS", "PASS_TO_PASS", "FAIL_TO_FAIL", "PASS_TO_FAIL")
}


class InstanceRecord(BaseModel):
    """One attempt's outcome (`result.json`)."""

    model_config = ConfigDict(extra="forbid")

    instance_id: str
    attempt: int
    mode: str
    status: Status
    grade_status: Literal["FULL", "PARTIAL", "NO"] | None = None
    patch_applied: bool | None = None
    error: str | None = None
    note: str | None = None
    steps: int = 0
    format_errors: int = 0
    submitted: bool = False
    similarity: float | None = None
    duration_s: float = 0.0


def attempt_dir(out: Path, instance_id: str, attempt: int) -> Path:
    base = Path(out) / "logs" / instance_id
    return base if attempt == 1 else base / f"attempt-{attempt}"


def swebench_report(instance_id: str, patch: str, grade) -> dict:
    """SWE-bench's per-instance report.json. Without a grade (empty patch, error) nothing passed."""
    return {instance_id: {
        "patch_is_None": False,
        "patch_exists": bool(patch.strip()),
        "patch_successfully_applied": bool(grade.patch_applied) if grade is not None else False,
        "resolved": bool(grade.resolved) if grade is not None else False,
        "tests_status": _tests_status(grade.tests_status) if grade is not None else EMPTY_TESTS_STATUS,
    }}


def _tests_status(status: dict) -> dict:
    return {key: group.model_dump() if hasattr(group, "model_dump") else dict(group) for key, group in status.items()}


def write_attempt(folder: Path, record: InstanceRecord, patch: str, report: dict, test_output: str,
                  trajectory: dict, turns: list[dict]) -> None:
    write_text(folder / "patch.diff", patch)
    write_json(folder / "report.json", report)
    write_text(folder / "test_output.txt", test_output)
    write_json(folder / "trajectory.json", trajectory)
    write_json(folder / "turns.json", turns)
    write_json(folder / "result.json", record.model_dump(mode="json"))  # last: marks the attempt done


def read_record(folder: Path) -> InstanceRecord | None:
    path = folder / "result.json"
    return InstanceRecord.model_validate_json(path.read_text(encoding="utf-8")) if path.is_file() else None


def load_records(out: Path, instance_ids: list[str], attempts: int) -> dict[tuple[str, int], InstanceRecord]:
    records = {}
    for instance_id in instance_ids:
        for k in range(1, attempts + 1):
            record = read_record(attempt_dir(out, instance_id, k))
            if record is not None:
                records[(instance_id, k)] = record
    return records


def write_predictions(out: Path, instance_ids: list[str], model_name: str) -> int:
    """predictions.jsonl from attempt 1 of every finished instance, in task order."""
    lines = []
    for instance_id in instance_ids:
        folder = attempt_dir(out, instance_id, 1)
        if not (folder / "result.json").is_file():
            continue
        patch = (folder / "patch.diff").read_text(encoding="utf-8", errors="surrogateescape")
        lines.append(json.dumps({"instance_id": instance_id, "model_name_or_path": model_name, "model_patch": patch}))
    write_text(Path(out) / "predictions.jsonl", "".join(line + "\n" for line in lines))
    return len(lines)
