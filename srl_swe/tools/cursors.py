"""SWE-agent 0.x's cursor bundle (`cursors_defaults.sh`, `cursors_edit_linting.sh`, `search.sh`):
`open`, `goto`, `scroll_up`, `scroll_down`, `create`, `set_cursors`, and `edit` whose only
argument is the replacement text for the lines between the start and end cursor; the search
tools are SWE-agent's, shared with the windowed bundle. Run over the Sandbox.

The open file, the current line (the window's centre) and the two cursors are the state of one
episode (the shell kept them in environment variables); `reset()` sets them to the configs'
start values. What it shares with 0.x's line-range bundle is `shell_tools`; the window is
`cursor_window`."""

from __future__ import annotations

from typing import Any

from srl_swe.tools import cursor_window as cw
from srl_swe.tools.lint import LintError
from srl_swe.tools.shell_tools import EDIT_NO_FILE, EDIT_SUCCESS, ShellTools
from srl_swe.tools.windowed import Refused
from srl_swe.tools.windowed_messages import NO_FILE_OPEN as NO_FILE

NAMES = ("open", "goto", "scroll_up", "scroll_down", "create", "set_cursors", "edit", "find_file", "search_dir",
         "search_file")

USAGE_SET_CURSORS = "Usage: set_cursors <start_line> <end_line>"


class CursorTools(ShellTools):
    def reset(self) -> None:
        # The cursor configs' env_variables: CURRENT_LINE, START_CURSOR and END_CURSOR start at 0.
        super().reset()
        self.start_cursor = 0
        self.end_cursor = 0

    def _print(self, text: str, window: int | None = None) -> str:
        """`_print`: the window, keeping the cursors as it clamped them (the shell exports them)."""
        shown = cw.render(self.current, self.line, self.start_cursor, self.end_cursor, text, window or self.window)
        self.start_cursor, self.end_cursor = shown.start_cursor, shown.end_cursor
        return shown.text

    def _open_line(self, line_number: int) -> int:
        return line_number  # this bundle's open centres the window on the line itself

    # -- editing -----------------------------------------------------------------------------------
    def _set_cursors(self, start_line: int, end_line: int) -> str:
        if self.current is None:
            raise Refused(NO_FILE)
        for name, value in (("start_line", start_line), ("end_line", end_line)):
            if value < 0:
                raise Refused(f"{USAGE_SET_CURSORS}\nError: {name} must be a number")
        if start_line > end_line:
            raise Refused(f"{USAGE_SET_CURSORS}\nError: start_line must be less than or equal to end_line")
        self.start_cursor, self.end_cursor = start_line, end_line
        return self._print(self._text())

    def _edit(self, replacement_text: str | None = None, **other: Any) -> str:
        if replacement_text is None or other:
            raise Refused("This edit is the cursor form: `edit` takes only replacement_text, which replaces the "
                           "lines between the start and end cursor (move them with set_cursors).")
        if self.current is None:
            raise Refused(EDIT_NO_FILE)
        old = self._text()
        replacement = cw.replacement_lines(replacement_text)
        new = cw.splice(old, self.start_cursor, self.end_cursor, replacement)
        errors = self._lint(new)
        n = len(replacement)
        moved_end = self.start_cursor if n == 0 else self.start_cursor + n - 1
        if not errors:
            self.editor.write_text(self.current, new)
            self.end_cursor = moved_end
            return f"{self._show(new)}\n{EDIT_SUCCESS}"
        return self._refusal(old, new, errors, n, moved_end)

    def _refusal(self, old: str, new: str, errors: list[LintError], n: int, moved_end: int) -> str:
        """The shell's refusal: both windows are printed with the current line and window set
        around the edit; the current line, window and END_CURSOR are restored afterwards, the
        START_CURSOR stays as those prints clamped it (the shell does not restore it)."""
        line, end_cursor = self.line, self.end_cursor
        start, end = max(self.start_cursor - 1, 0), max(self.end_cursor, 0)
        self.end_cursor = moved_end
        applied = self._framed(new, n // 2 + start, n + 10)
        self.end_cursor = end_cursor
        original = self._framed(old, (end - start) // 2 + start, end - start + 10)
        self.line, self.end_cursor = line, end_cursor
        return self._refused(errors, applied, original)
