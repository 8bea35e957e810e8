"""A git diff read as the edits an agent would make: each hunk becomes one `str_replace` whose
old_str holds the hunk's changed lines plus just enough surrounding lines to occur once in the
file as it is at that moment (earlier hunks already applied); new files become `create`, deleted
ones `rm`, renames `mv`. Pure logic on text: the scripted expert turns these into tool calls."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from srl_swe.errors import TaskError

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")
_GIT_HEADER = re.compile(r"^diff --git a/(.+) b/(.+)$")
NO_NEWLINE = "\\ No newline at end of file"


@dataclass
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    header: str  # the function context git prints after the second @@
    lines: list[tuple[str, str]] = field(default_factory=list)  # (" " | "-" | "+", text)
    no_newline: set[str] = field(default_factory=set)  # the tags of lines followed by NO_NEWLINE

    @property
    def old_lines(self) -> list[str]:
        return [text for tag, text in self.lines if tag != "+"]

    @property
    def new_lines(self) -> list[str]:
        return [text for tag, text in self.lines if tag != "-"]


@dataclass
class FilePatch:
    old_path: str | None  # None: a new file
    new_path: str | None  # None: a deleted file
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


@dataclass(frozen=True)
class Replacement:
    """One str_replace: `old_str` occurs exactly once in the file before it. `changed_line`: the
    first line it changes there (1-based); `view`: the hunk with `margin` lines around it, clipped to
    the file (what a view_range shows); `added` / `removed`: changed lines."""

    old_str: str
    new_str: str
    changed_line: int
    view: tuple[int, int]
    added: int
    removed: int


def parse_patch(diff: str) -> list[FilePatch]:
    """The files of a `git diff` in order; TaskError for text that is no git diff."""
    files: list[FilePatch] = []
    current: FilePatch | None = None
    hunk: Hunk | None = None
    for number, line in enumerate(diff.split("\n"), 1):
        header = _GIT_HEADER.match(line)
        if header:
            current = FilePatch(old_path=header.group(1), new_path=header.group(2))
            files.append(current)
            hunk = None
        elif current is None:
            continue  # text before the first file (a commit message, say)
        elif hunk is None and (line.startswith(("--- ", "+++ ", "rename from ", "rename to "))):
            _file_line(current, line)
        elif hunk is None and line.startswith(("GIT binary patch", "Binary files ")):
            current.binary = True
        elif line.startswith("@@"):
            match = _HUNK.match(line)
            if match is None:
                raise TaskError(f"patch line {number}: {line[:80]!r} is not a hunk header; regenerate the patch.")
            old_start, old_len, new_start, new_len, context = match.groups()
            hunk = Hunk(int(old_start), int(1 if old_len is None else old_len), int(new_start),
                        int(1 if new_len is None else new_len), context.strip())
            current.hunks.append(hunk)
        elif hunk is not None and line == NO_NEWLINE and hunk.lines:
            hunk.no_newline.add(hunk.lines[-1][0])
        elif hunk is not None and line[:1] in (" ", "-", "+"):
            hunk.lines.append((line[0], line[1:]))
        elif hunk is not None and line == "" and _hunk_open(hunk):
            hunk.lines.append((" ", ""))  # an empty context line whose space was stripped
    for patch in files:
        for hunk in patch.hunks:
            if len(hunk.old_lines) != hunk.old_len:
                raise TaskError(f"{patch.path}: a hunk at line {hunk.old_start} has {len(hunk.old_lines)} old lines, "
                                f"its header says {hunk.old_len}; regenerate the patch.")
    return files


def _file_line(patch: FilePatch, line: str) -> None:
    if line == "--- /dev/null":
        patch.old_path = None
    elif line == "+++ /dev/null":
        patch.new_path = None
    elif line.startswith("rename from "):
        patch.old_path = line.removeprefix("rename from ")
    elif line.startswith("rename to "):
        patch.new_path = line.removeprefix("rename to ")


def _hunk_open(hunk: Hunk) -> bool:
    old = sum(tag != "+" for tag, _ in hunk.lines)
    new = sum(tag != "-" for tag, _ in hunk.lines)
    return old < hunk.old_len or new < hunk.new_len


def _pseudo(hunk: Hunk, side: str) -> int:
    """1 if the `side` ("-" old, "+" new) gets an end-of-file empty line. Lines are kept as
    `text.split("\\n")` gives them, where a final newline shows as a last empty line; a hunk that
    changes whether the file ends with a newline marks one side only, and the other side, which
    does end with one, gets that empty line."""
    marks = hunk.no_newline
    if not marks or " " in marks:
        return 0
    return int(side not in marks)


def _side(hunk: Hunk, side: str) -> list[str]:
    lines = hunk.old_lines if side == "-" else hunk.new_lines
    return lines + [""] * _pseudo(hunk, side)


def file_replacements(path: str, text: str, hunks: list[Hunk], margin: int = 3) -> tuple[list[Replacement], str]:
    """The str_replace of each hunk, in order, on `text` (the file before the patch), and the text
    after all of them. TaskError when a hunk does not match the file where it says it applies."""
    lines = text.split("\n")
    replacements: list[Replacement] = []
    shift = 0
    for number, hunk in enumerate(hunks, 1):
        old, new = _side(hunk, "-"), _side(hunk, "+")
        at = (hunk.old_start if hunk.old_len == 0 else hunk.old_start - 1) + shift
        if lines[at:at + len(old)] != old:
            raise TaskError(f"{path}: hunk {number} (line {hunk.old_start}) does not match the file; "
                            "the patch is not against this base commit.")
        lead = _common_prefix(old, new)
        trail = _common_prefix(old[lead:][::-1], new[lead:][::-1])
        start, end = at + lead, at + len(old) - trail  # the changed lines of the file
        middle = new[lead:len(new) - trail]
        low, high = _unique_window(lines, start, end, not middle)
        old_str = "\n".join(lines[low:high])
        new_lines = lines[low:start] + middle + lines[end:high]
        size = len(lines) - (lines[-1] == "")  # as `cat -n` counts them
        view = (max(1, at + 1 - margin), min(size, max(at + len(old), at + 1) + margin))
        replacements.append(Replacement(old_str=old_str, new_str="\n".join(new_lines), changed_line=start + 1,
                                        view=view, added=len(middle), removed=end - start))
        lines[low:high] = new_lines
        shift += len(new) - len(old)
    return replacements, "\n".join(lines)


def _common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _unique_window(lines: list[str], start: int, end: int, deletes: bool) -> tuple[int, int]:
    """The smallest window of whole lines around [start, end) whose text occurs once in the file,
    growing one line at a time (after, then before). An insertion (start == end) or a deletion
    needs at least one unchanged line, or the joined text would lose or gain a line break."""
    text = "\n".join(lines)
    low, high = start, end
    if low == high or deletes:
        low, high = _grow(low, high, len(lines), prefer_before=True)

    def unique(lo: int, hi: int) -> bool:
        # Overlapping matches count too: in "a\na\na", "a\na" occurs twice, though str.count (and
        # so the editor) sees one, and the editor would replace the first, not necessarily ours.
        needle = "\n".join(lines[lo:hi])
        at = len("\n".join(lines[:lo])) + (1 if lo else 0)
        return bool(needle.strip()) and text.find(needle) == at and text.find(needle, at + 1) == -1

    while not unique(low, high):
        grown = _grow(low, high, len(lines), prefer_before=(high - low) % 2 == 1)
        if grown == (low, high):
            break  # the whole file: it occurs once by definition
        low, high = grown
    return low, high


def _grow(low: int, high: int, size: int, prefer_before: bool) -> tuple[int, int]:
    if prefer_before and low > 0:
        return low - 1, high
    if high < size:
        return low, high + 1
    if low > 0:
        return low - 1, high
    return low, high


def new_file_text(patch: FilePatch) -> str:
    """The whole text of a file the patch creates."""
    if not patch.hunks:
        return ""
    hunk = patch.hunks[0]
    return "\n".join(hunk.new_lines) + ("" if "+" in hunk.no_newline else "\n")


def defining_symbol(lines: list[str], line: int, pattern: Callable[[str], str | None]) -> str | None:
    """The name `pattern` finds on the nearest line at or above `line` (1-based): the function or
    class that holds a change."""
    for index in range(min(line, len(lines)) - 1, -1, -1):
        name = pattern(lines[index])
        if name:
            return name
    return None
