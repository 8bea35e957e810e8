"""The window of SWE-agent 0.x's cursor bundle (`config/commands/cursors_defaults.sh`) as pure
text functions: a window centred on the current line, with the start and end cursor marks
around the lines they select, so that replayed expert steps see the observations SWE-agent gave.

The shell's rules are kept, quirks included, because observations are compared with recorded
ones: a file's line count is awk's `NR` (a last line without a newline counts); the window shows
`WINDOW / 2` lines on each side of the current line, so WINDOW + 1 lines; the cursors are clamped
into the window on every print, with a warning line for each one moved. Lines are 1-based here,
as in the shell."""

from __future__ import annotations

from dataclasses import dataclass

WINDOW = 200  # the cursor configs' `WINDOW` env variable (the "window100" in their names notwithstanding)
OVERLAP = 2
START_MARK = "<<<<< START CURSOR >>>>>"
END_MARK = "<<<<< END CURSOR >>>>>"


def file_lines(text: str) -> list[str]:
    """The lines as `mapfile -t` and awk read them: split on newlines, a final newline ends the last."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def constrain_line(line: int, total: int, window: int = WINDOW) -> int:
    """`_constrain_line`: the current line kept half a window from either end (the top wins)."""
    half = window // 2
    return max(min(line, total - half), half)


@dataclass(frozen=True)
class Shown:
    """A printed window and the cursors as the print left them (it clamps them into the window)."""

    text: str
    start_cursor: int
    end_cursor: int


def _bounds(line: int, total: int, window: int) -> tuple[int, int]:
    return max(line - window // 2, 1), min(line + window // 2, total)


def _clamp(name: str, cursor: int, low: int, high: int, warnings: list[str]) -> int:
    # The shell compares with the lower bound first, so an empty range (high < low) clamps to low.
    if cursor < low:
        warnings.append(f"{name} moved to {low}")
        return low
    if cursor > high:
        warnings.append(f"{name} moved to {high}")
        return high
    return cursor


def render(path: str, line: int, start_cursor: int, end_cursor: int, text: str, window: int = WINDOW) -> Shown:
    """`_print`: header, lines above, the numbered lines with the cursor marks, lines below, then
    a warning for each cursor that had to move into the window."""
    lines = file_lines(text)
    total = len(lines)
    warnings: list[str] = []
    low, high = _bounds(line, max(total, 1), window)  # _constrain_cursors treats an empty file as one line
    start_cursor = _clamp("START_CURSOR", start_cursor, low, high, warnings)
    end_cursor = _clamp("END_CURSOR", end_cursor, low, high, warnings)
    first, last = _bounds(line, total, window)
    shown = lines[first - 1 : last] if last >= first else []
    out = [f"[File: {path} ({total} lines total)]"]
    if first > 1:
        out.append(f"({first - 1} more lines above)")
    # One step past the last shown line, as the shell loops: a cursor there still gets its mark.
    for i in range(len(shown) + 1):
        number = first + i
        if number == start_cursor:
            out.append(START_MARK)
        if i < len(shown):
            out.append(f"{number}:{shown[i]}")
        if number == end_cursor:
            out.append(END_MARK)
    below = max(0, total - first - len(shown))
    if below:
        out.append(f"({below} more lines below)")
    out.extend(warnings)
    return Shown("\n".join(out), start_cursor, end_cursor)


def replacement_lines(replacement_text: str) -> list[str]:
    """The lines `edit` reads from its here-document: none for empty text, else one per line
    (a final newline ends the last line; without one, the last line still counts)."""
    return replacement_text.removesuffix("\n").split("\n") if replacement_text else []


def splice(text: str, start_cursor: int, end_cursor: int, replacement: list[str]) -> str:
    """The file after `edit`: lines START_CURSOR..END_CURSOR replaced, written back one
    `printf "%s\\n"` per line (so an empty result is a single newline)."""
    lines = file_lines(text)
    start, end = max(start_cursor - 1, 0), max(end_cursor, 0)
    new = lines[:start] + replacement + lines[end:]
    return "".join(f"{line}\n" for line in new) or "\n"
