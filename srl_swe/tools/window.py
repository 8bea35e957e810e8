"""The windowed view of one file that SWE-agent's `open`/`goto`/`scroll_*`/`edit`/`insert` show,
as pure text functions, so that replayed expert steps see the same observations SWE-agent gave.

Lines are 0-based inside, 1-based in what the agent sees. SWE-agent's own rules are kept, quirks
included, because observations are compared with recorded ones: the line count is
`len(text.splitlines())` while the shown lines come from `text.split("\\n")`; `goto` puts the line
a sixth of a window below the top; a scroll moves a window minus a 2-line overlap."""

from __future__ import annotations

from dataclasses import dataclass

WINDOW = 100
OVERLAP = 2
GOTO_OFFSET = WINDOW / 6  # goto puts the target line this far below the window's first line


def line_count(text: str) -> int:
    return len(text.splitlines())


def clamp_first(first: float, text: str) -> int:
    """A window start that keeps a full window on screen where the file is long enough."""
    return max(0, min(int(first), line_count(text) - WINDOW))


def goto_first(line: int, text: str) -> int:
    """The window start that shows 0-based `line` a sixth of a window from the top."""
    return clamp_first(line - GOTO_OFFSET, text)


def scroll_first(first: int, down: bool, text: str) -> int:
    step = WINDOW - OVERLAP
    return clamp_first(first + (step if down else -step), text)


def line_range(first: int, text: str) -> tuple[int, int]:
    """First and last (inclusive, 0-based) lines shown; last is -1 for an empty file."""
    return first, min(first + WINDOW - 1, line_count(text) - 1)


def window_text(first: int, text: str) -> str:
    """The shown lines as they are (no numbers): what `edit`'s search runs over."""
    start, end = line_range(first, text)
    return "\n".join(text.split("\n")[start : end + 1])


def render(path: str, first: int, text: str) -> str:
    """The window as the agent sees it: header, lines above, numbered lines, lines below."""
    start, end = line_range(first, text)
    total = line_count(text)
    out = [f"[File: {path} ({total} lines total)]"]
    if start > 0:
        out.append(f"({start} more lines above)")
    out.extend(f"{start + i + 1}:{line}" for i, line in enumerate(text.split("\n")[start : end + 1]))
    if end < total - 1:
        out.append(f"({total - end - 1} more lines below)")
    return "\n".join(out)


def replace_lines(text: str, start: int, end: int, replacement: str) -> str:
    """Lines start..end (0-based, inclusive) replaced; an empty replacement deletes them."""
    lines = text.split("\n")
    lines[start : end + 1] = replacement.split("\n") if replacement else []
    return "\n".join(lines)


@dataclass(frozen=True)
class Replaced:
    """Where a search/replace edit happened: `first_line` as SWE-agent reports it for the
    window's lint filter and goto (0-based in the window form, 1-based with replace-all)."""

    text: str
    first_line: int
    search_lines: int
    replace_lines: int
    count: int


def replace_in_window(text: str, first: int, search: str, replace: str) -> Replaced | None:
    """`search` replaced in the shown lines; None where the window does not hold it."""
    shown = window_text(first, text)
    index = shown.find(search)
    if index == -1:
        return None
    start, end = line_range(first, text)
    at = start + shown[:index].count("\n")
    return Replaced(replace_lines(text, start, end, shown.replace(search, replace)), at,
                    search.count("\n") + 1, replace.count("\n") + 1, 1)


def replace_all(text: str, search: str, replace: str) -> Replaced | None:
    count = text.count(search)
    if not count:
        return None
    return Replaced(text.replace(search, replace), text[: text.find(search)].count("\n") + 1,
                    search.count("\n") + 1, replace.count("\n") + 1, count)


def occurrence_lines(text: str, search: str) -> list[int]:
    """1-based line of each non-overlapping occurrence."""
    lines, at = [], text.find(search)
    while at != -1 and search:
        lines.append(text.count("\n", 0, at) + 1)
        at = text.find(search, at + len(search))
    return lines


def insert(text: str, new: str, line: int | None) -> tuple[str, int, int]:
    """`new` (one trailing newline dropped) after 1-based `line`, or at the end of the file
    (whose own final newline is then dropped, as SWE-agent does); before the first line for a
    negative one. Returns the text, the 0-based line the insert starts at, and lines added."""
    if not new:
        return text, line_count(text) if line is None else line, 0
    new = new.removesuffix("\n")
    added = new.count("\n") + 1
    if line is None:
        return (text.removesuffix("\n") + "\n" + new if text else new), line_count(text), added
    if line < 0:
        return (new + "\n" + text.removeprefix("\n") if text else new), 0, added
    lines = text.split("\n")
    lines.insert(line, new)
    return "\n".join(lines), line, added
