"""Files -> trajectories, whatever their format. A file is one JSON record (`.traj`, `.traj.json`,
`.json`) or JSONL (one record per line). Every record that does not become a trajectory is in the
report with its file, line and reason; nothing is dropped silently."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from srl_swe.errors import ConfigError, FormatError
from srl_swe.trajectories.importers import (
    detect,
    messages,
    mini_swe_agent,
    native,
    openhands,
    swe_agent,
    swe_smith,
)
from srl_swe.trajectories.importers.common import SkipRecord
from srl_swe.trajectories.importers.report import ImportReport, Where
from srl_swe.trajectories.schema import Trajectory

CONVERTERS = {
    "swe-agent": swe_agent.convert,
    "swe-smith": swe_smith.convert,
    "mini-swe-agent": mini_swe_agent.convert,
    "openhands": openhands.convert,
    "messages": messages.convert,
    "srl-swe": native.convert,
}
SUFFIXES = (".traj", ".json", ".jsonl")

_RecordErrors = (SkipRecord, FormatError, ValueError, KeyError, TypeError, AttributeError)


def import_file(path: str | Path, format: str = "auto", report: ImportReport | None = None) -> Iterator[Trajectory]:
    """The trajectories of one file, streamed; skipped records go to `report`."""
    if format != "auto" and format not in CONVERTERS:
        raise ConfigError(f"Unknown trajectory format {format!r}; use auto or one of: {', '.join(CONVERTERS)}.")
    path = Path(path)
    report = report if report is not None else ImportReport()
    report.files += 1
    chosen = None if format == "auto" else format
    for where, record in _records(path, report):
        fmt = chosen or detect.by_name(path) or detect.by_record(record)
        if fmt is None:
            report.skip(where, "unknown format", "not a trajectory in any known format (see `srl-swe data import --help`)")
            continue
        chosen = chosen or (fmt if where.line is not None else None)  # a JSONL file holds one format
        try:
            trajectory = CONVERTERS[fmt](record, where, report)
        except SkipRecord as exc:
            report.skip(where, exc.kind, exc.detail)
            continue
        except _RecordErrors as exc:
            report.skip(where, "bad record", f"{fmt}: {type(exc).__name__}: {exc}")
            continue
        report.imported += 1
        report.formats[fmt] += 1
        yield trajectory


def _records(path: Path, report: ImportReport) -> Iterator[tuple[Where, Any]]:
    name = str(path)
    if path.suffix == ".jsonl":
        yield from _jsonl(path, report)
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        yield Where(name), json.loads(text)
    except json.JSONDecodeError as exc:
        if path.suffix in (".traj", ".json") or "\n" not in text.strip():
            report.skip(Where(name, exc.lineno), "invalid JSON", exc.msg)
            return
        yield from _jsonl(path, report)  # an unnamed file that is not one JSON document: try lines


def _jsonl(path: Path, report: ImportReport) -> Iterator[tuple[Where, Any]]:
    with open(path, encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = Where(str(path), number)
            try:
                yield where, json.loads(line)
            except json.JSONDecodeError as exc:
                report.skip(where, "invalid JSON", f"{exc.msg} at column {exc.colno}")


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders searched recursively for trajectory files, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(2, "No such file or directory", str(path))
    return found


def import_paths(paths: Iterable[str | Path], format: str = "auto") -> tuple[list[Trajectory], ImportReport]:
    report = ImportReport()
    trajectories = [t for path in expand_paths(paths) for t in import_file(path, format, report)]
    return trajectories, report
