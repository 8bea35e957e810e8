"""Files -> trajectories, whatever their format. A file is one JSON record (`.traj`, `.traj.json`,
`.json`), a JSON array of records, or JSONL (one record per line); any of them may be gzipped
(`.gz`). Paths may be files, folders (searched recursively) or glob patterns. Every record that does
not become a trajectory, and every step left out, is in the report with its file, line and reason."""

from __future__ import annotations

import glob
import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from srl_swe import jsonl
from srl_swe.errors import ConfigError, FormatError
from srl_swe.trajectories.importers import (
    detect,
    messages,
    mini_swe_agent,
    native,
    openhands_events,
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
    "openhands": openhands_events.convert,
    "messages": messages.convert,
    "srl-swe": native.convert,
}
SUFFIXES = tuple(s + gz for s in (".traj", ".json", ".jsonl") for gz in ("", ".gz"))

_RecordErrors = (SkipRecord, FormatError, ValueError, KeyError, TypeError, AttributeError)


def import_file(path: str | Path, format: str = "auto", report: ImportReport | None = None) -> Iterator[Trajectory]:
    """The trajectories of one file, streamed; skipped records and dropped steps go to `report`."""
    if format != "auto" and format not in CONVERTERS:
        raise ConfigError(f"Unknown trajectory format {format!r}; use auto or one of: {', '.join(CONVERTERS)}.")
    path = Path(path)
    report = report if report is not None else ImportReport()
    report.files += 1
    chosen = (None if format == "auto" else format) or detect.by_name(_plain_name(path))
    for where, record in _records(path, report):
        fmt = chosen or detect.by_record(record)
        if fmt is None:
            report.skip(where, "unknown format", f"not a trajectory in any known format ({detect.describe(record)}); "
                        f"expected one of {', '.join(CONVERTERS)} (see `srl-swe data import --help`)")
            continue
        try:
            trajectory = CONVERTERS[fmt](record, where, report)
        except SkipRecord as exc:
            report.skip(where, exc.kind, f"{fmt}: {exc.detail}")
            continue
        except _RecordErrors as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            report.skip(where, "bad record", f"read as {fmt}: {type(exc).__name__}: {first_line}")
            continue
        report.kept(where, fmt, len(trajectory.steps))
        yield trajectory


def _plain_name(path: Path) -> Path:
    return path.with_suffix("") if path.suffix == ".gz" else path


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _records(path: Path, report: ImportReport) -> Iterator[tuple[Where, Any]]:
    name = str(path)
    plain = _plain_name(path)
    if plain.suffix == ".jsonl":
        yield from _jsonl(path, report)
        return
    with _open(path) as fh:
        text = fh.read()
    try:
        data = jsonl.loads(text)
    except json.JSONDecodeError as exc:
        if plain.suffix in (".traj", ".json") or "\n" not in text.strip():
            report.skip(Where(name, exc.lineno), "invalid JSON", f"{exc.msg} at line {exc.lineno} column {exc.colno}")
            return
        yield from _jsonl(path, report)  # an unnamed file that is not one JSON document: try lines
        return
    if detect.is_record_array(data):
        for index, record in enumerate(data):
            yield Where(name, item=index), record
    else:
        yield Where(name), data


def _jsonl(path: Path, report: ImportReport) -> Iterator[tuple[Where, Any]]:
    name = str(path)
    with _open(path) as fh:
        for number, line in enumerate(fh, start=1):
            if line.isspace():  # (not line.strip(): that copies every line, a tenth of the import time)
                continue
            where = Where(name, number)
            try:
                yield where, jsonl.loads(line)
            except json.JSONDecodeError as exc:
                report.skip(where, "invalid JSON", f"{exc.msg} at column {exc.colno}")


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders searched recursively for trajectory files; glob patterns expanded;
    in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
        elif path.exists():
            found.append(path)
        elif glob.has_magic(str(raw)) and (matches := sorted(glob.glob(str(raw), recursive=True))):
            found += expand_paths(matches)
        else:
            why = " (the pattern matched nothing)" if glob.has_magic(str(raw)) else ""
            raise FileNotFoundError(2, "No such file or directory" + why, str(path))
    return found


def stream_paths(files: Iterable[Path], format: str = "auto", report: ImportReport | None = None,
                 done: Callable[[Path], None] | None = None) -> Iterator[Trajectory]:
    """Every trajectory of `files` (expand_paths' list), streamed, file after file; `done(path)` after each file."""
    report = report if report is not None else ImportReport()
    for path in files:
        yield from import_file(path, format, report)
        if done is not None:
            done(path)


def import_paths(paths: Iterable[str | Path], format: str = "auto",
                 strict: bool = False) -> tuple[list[Trajectory], ImportReport]:
    """Every trajectory under `paths`, with the report. `strict`: raise StrictImportError when any
    record was skipped or any step dropped."""
    report = ImportReport()
    trajectories = list(stream_paths(expand_paths(paths), format, report))
    if strict:
        report.check_strict()
    return trajectories, report
