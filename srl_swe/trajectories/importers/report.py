"""What an import did: how many trajectories came in, and every record or turn left out, with its
file, line and reason. Nothing is dropped without an entry here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Where:
    """A record's place: its file, and its line for JSONL files (None for a whole-file JSON)."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Entry:
    where: Where
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}: {self.detail}"


@dataclass
class ImportReport:
    """`skipped`: records (whole trajectories) not imported. `notes`: records imported with a change
    (a turn with no parseable action left out, an observation clipped)."""

    imported: int = 0
    files: int = 0
    skipped: list[Entry] = field(default_factory=list)
    notes: list[Entry] = field(default_factory=list)
    formats: Counter = field(default_factory=Counter)

    def skip(self, where: Where, kind: str, detail: str) -> None:
        self.skipped.append(Entry(where, kind, _one_line(detail)))

    def note(self, where: Where, kind: str, detail: str) -> None:
        self.notes.append(Entry(where, kind, _one_line(detail)))

    def skip_counts(self) -> Counter:
        return Counter(e.kind for e in self.skipped)

    def note_counts(self) -> Counter:
        return Counter(e.kind for e in self.notes)

    def summary(self) -> str:
        formats = ", ".join(f"{n} {fmt}" for fmt, n in sorted(self.formats.items())) or "none"
        text = f"imported {self.imported} trajectories from {self.files} file(s) ({formats}); skipped {len(self.skipped)}"
        if self.skipped:
            text += " (" + ", ".join(f"{n} {k}" for k, n in self.skip_counts().most_common()) + ")"
        if self.notes:
            text += "; notes: " + ", ".join(f"{n} {k}" for k, n in self.note_counts().most_common())
        return text

    def details(self, limit: int = 20) -> list[str]:
        """The first `limit` skipped records and notes, one line each, with file and line."""
        lines = [f"skipped {e}" for e in self.skipped[:limit]]
        lines += [f"note {e}" for e in self.notes[: max(0, limit - len(lines))]]
        hidden = len(self.skipped) + len(self.notes) - len(lines)
        if hidden > 0:
            lines.append(f"... and {hidden} more")
        return lines


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
