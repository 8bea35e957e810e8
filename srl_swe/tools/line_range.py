"""SWE-agent 0.x's default file bundle (`defaults.sh`, `edit_linting.sh`, `search.sh`): `open`,
`goto`, `scroll_up`, `scroll_down`, `create`, and `edit <start_line>:<end_line>` that replaces
those lines; the search tools are SWE-agent's, shared with the other bundles. Run over the Sandbox.

Its tool names are SWE-agent 1.x's, but it prints the absolute path, `create` writes one empty
line, a successful `edit` prints the window before "File updated. ...", and a refused edit shows
both windows: what it shares with 0.x's cursor bundle is `shell_tools`. The window is `render`,
the shell's `_print` (its `jq` arithmetic, floats and rounding included)."""

from __future__ import annotations

import math
from typing import Any

from srl_swe.tools import cursor_window as cw
from srl_swe.tools.shell_tools import EDIT_NO_FILE, EDIT_SUCCESS, ShellTools
from srl_swe.tools.windowed import Refused

NAMES = ("open", "goto", "scroll_up", "scroll_down", "create", "edit", "find_file", "search_dir", "search_file")
WINDOW = 100  # the default configs' WINDOW env variable
USAGE_EDIT = "Usage: edit <start_line>:<end_line>"


def render(path: str, line: int, text: str, window: int = WINDOW) -> str:
    """`_print`: header, lines above, `grep -n $ | head -n TOP | tail -n WINDOW`, lines below. The
    counts above and below come from the current line, not from the lines shown (jq: floor above,
    round half away from zero below)."""
    lines = cw.file_lines(text)
    total = len(lines)
    half = window / 2
    above = math.floor(max(0, line - half))
    below = math.floor(max(0, total - line - half) + 0.5)
    top = min(math.floor(max(line + half, half)), total)
    out = [f"[File: {path} ({total} lines total)]"]
    if above > 0:
        out.append(f"({above} more lines above)")
    out.extend(f"{n}:{lines[n - 1]}" for n in range(max(top - window, 0) + 1, top + 1))
    if below > 0:
        out.append(f"({below} more lines below)")
    return "\n".join(out)


class LineRangeTools(ShellTools):
    window = WINDOW

    def _print(self, text: str, window: int | None = None) -> str:
        return render(self.current, self.line, text, window or self.window)

    def _open_line(self, line_number: int) -> int:
        return self._goto_line(line_number)  # this bundle's open places the line as goto does

    def _not_opened(self, path: str, kind: str) -> str:
        if kind == "dir":
            return f"Error: {path} is a directory. You can only open files. Use cd or ls to navigate directories."
        return super()._not_opened(path, kind)

    def _edit(self, start_line: int | None = None, end_line: int | None = None, replacement_text: str | None = None,
              **other: Any) -> str:
        if self.current is None:
            raise Refused(EDIT_NO_FILE)
        if start_line is None or end_line is None or replacement_text is None or other:
            raise Refused(f"{USAGE_EDIT}\n(this edit takes start_line, end_line and replacement_text)")
        for name, value in (("start_line", start_line), ("end_line", end_line)):
            if value < 0:  # the shell's ^[0-9]+$ check
                raise Refused(f"{USAGE_EDIT}\nError: {name} must be a number")
        old = self._text()
        replacement = cw.replacement_lines(replacement_text)
        # Lines start_line..end_line replaced, as the shell's array slices do (start 0-based, end exclusive).
        new = cw.splice(old, start_line, end_line, replacement)
        start, end, n = max(start_line - 1, 0), end_line, len(replacement)
        errors = self._lint(new)
        if not errors:
            self.editor.write_text(self.current, new)
            self.line = start
            return f"{self._show(new)}\n{EDIT_SUCCESS}"
        line = self.line
        applied = self._framed(new, n // 2 + start, n + 10)
        original = self._framed(old, (end - start + 1) // 2 + start, end - start + 10)
        self.line = line
        return self._refused(errors, applied, original)
