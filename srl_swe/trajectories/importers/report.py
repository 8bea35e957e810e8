"""What an import did, per source file: records imported or skipped, steps kept, and every step
left out with its reason. Nothing is dropped without an entry here."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from srl_swe.errors import SrlSweError


class StrictImportError(SrlSweError):
    """`--strict`: a record or a step was left out."""


class Where(NamedTuple):
    """A record's place: its file, and its line for JSONL files (None for a whole-file JSON;
    for a JSON array, the record's index is given as `item`). (A tuple: one is made per record, and a frozen
    dataclass costs several times as much to make.)"""

    file: str
    line: int | None = None
    item: int | None = None

    def __str__(self) -> str:
        text = self.file if self.line is None else f"{self.file}:{self.line}"
        return text if self.item is None else f"{text}[{self.item}]"


@dataclass(frozen=True)
class Entry:
    where: Where
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}: {self.detail}"


@dataclass
class SourceCounts:
    """One file's figures for the report table."""

    records: int = 0
    skipped: int = 0
    steps: int = 0
    dropped: Counter = field(default_factory=Counter)


@dataclass
class ImportReport:
    """`skipped`: records (whole trajectories) not imported. `dropped`: steps of imported records
    left out. `notes`: records imported with a change that keeps every step (an observation
    clipped, a bash-then-submit step kept as two)."""

    imported: int = 0
    files: int = 0
    skipped: list[Entry] = field(default_factory=list)
    dropped: list[Entry] = field(default_factory=list)
    notes: list[Entry] = field(default_factory=list)
    formats: Counter = field(default_factory=Counter)
    sources: dict[str, SourceCounts] = field(default_factory=lambda: defaultdict(SourceCounts))

    def skip(self, where: Where, kind: str, detail: str) -> None:
        self.skipped.append(Entry(where, kind, _one_line(detail)))
        self.sources[where.file].skipped += 1

    def drop(self, where: Where, reason: str, detail: str) -> None:
        self.dropped.append(Entry(where, reason, _one_line(detail)))
        self.sources[where.file].dropped[reason] += 1

    def note(self, where: Where, kind: str, detail: str) -> None:
        self.notes.append(Entry(where, kind, _one_line(detail)))

    def kept(self, where: Where, fmt: str, steps: int) -> None:
        self.imported += 1
        self.formats[fmt] += 1
        counts = self.sources[where.file]
        counts.records += 1
        counts.steps += steps

    def skip_counts(self) -> Counter:
        return Counter(e.kind for e in self.skipped)

    def drop_counts(self) -> Counter:
        return Counter(e.kind for e in self.dropped)

    def note_counts(self) -> Counter:
        return Counter(e.kind for e in self.notes)

    def summary(self) -> str:
        formats = ", ".join(f"{n} {fmt}" for fmt, n in sorted(self.formats.items())) or "none"
        steps = sum(c.steps for c in self.sources.values())
        text = (f"imported {self.imported} trajectories ({steps} steps) from {self.files} file(s) ({formats}); "
                f"skipped {len(self.skipped)} records")
        if self.skipped:
            text += " (" + ", ".join(f"{n} {k}" for k, n in self.skip_counts().most_common()) + ")"
        text += f"; dropped {len(self.dropped)} steps"
        if self.dropped:
            text += " (" + ", ".join(f"{n} {k}" for k, n in self.drop_counts().most_common()) + ")"
        if self.notes:
            text += "; notes: " + ", ".join(f"{n} {k}" for k, n in self.note_counts().most_common())
        return text

    def table(self) -> list[list[str]]:
        """Rows per source file: file, records imported, records skipped, steps kept, steps dropped by reason."""
        rows = [["source", "records", "skipped", "steps kept", "steps dropped"]]
        for name, c in self.sources.items():
            dropped = "; ".join(f"{n} {k}" for k, n in c.dropped.most_common()) or "0"
            rows.append([name, str(c.records), str(c.skipped), str(c.steps), dropped])
        return rows

    def details(self, limit: int = 20) -> list[str]:
        """The first `limit` skipped records, dropped steps and notes, one line each, with file and line."""
        entries = [f"skipped {e}" for e in self.skipped] + [f"dropped {e}" for e in self.dropped]
        entries += [f"note {e}" for e in self.notes]
        lines = entries[:limit]
        if len(entries) > limit:
            lines.append(f"... and {len(entries) - limit} more")
        return lines

    def check_strict(self) -> None:
        """Raise when anything was left out (for `--strict`)."""
        if self.skipped or self.dropped:
            first = (self.skipped + self.dropped)[0]
            raise StrictImportError(
                f"--strict: {len(self.skipped)} record(s) skipped and {len(self.dropped)} step(s) dropped; "
                f"the first: {first}. Fix the input or import without --strict.")


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
