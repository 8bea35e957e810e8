"""SWE-agent 0.x's cursor bundle (`cursors_defaults.sh`, `cursors_edit_linting.sh`, `search.sh`):
`open`, `goto`, `scroll_up`, `scroll_down`, `create`, `set_cursors`, and `edit` whose only
argument is the replacement text for the lines between the start and end cursor; the search
tools are SWE-agent's, shared with the windowed bundle. Run over the Sandbox.

The open file, the current line (the window's centre) and the two cursors are the state of one
episode (the shell kept them in environment variables); `reset()` sets them to the configs'
start values. Messages are the shell functions' own, so that observations replay as recorded;
the window is `cursor_window`."""

from __future__ import annotations

import shlex
from typing import Any

from srl_swe.tools import cursor_window as cw
from srl_swe.tools.lint import LintError, format_errors, lint_staged
from srl_swe.tools.windowed import FileTools, Refused
from srl_swe.tools.windowed_messages import NO_FILE_OPEN as NO_FILE

NAMES = ("open", "goto", "scroll_up", "scroll_down", "create", "set_cursors", "edit", "find_file", "search_dir",
         "search_file")

EDIT_NO_FILE = "No file open. Use the `open` command first."
EDIT_SUCCESS = ("File updated. Please review the changes and make sure they are correct (correct indentation, no "
                "duplicate lines, etc). Edit the file again if necessary.")
_DASHES = "-" * 49
# The wording of the bundle's first version, which recorded SWE-agent's cursor demonstrations
# (later versions say "Please read this error message carefully and then retry editing the file.").
LINT_INTRO = ("Your proposed edit has introduced new syntax error(s). Please understand the fixes and retry your edit "
              "commmand.")
LINT_OUTRO = (
    "Your changes have NOT been applied. Please fix your edit command and try again.\n"
    "You either need to 1) Specify the correct start/end line arguments or 2) Correct your edit code.\n"
    "DO NOT re-run the same failed edit command. Running it again will lead to the same error."
)
USAGE_SET_CURSORS = "Usage: set_cursors <start_line> <end_line>"


class CursorTools(FileTools):
    def reset(self) -> None:
        # The cursor configs' env_variables: CURRENT_LINE, START_CURSOR and END_CURSOR start at 0.
        super().reset()  # the open file, resolved (the shell's `realpath`)
        self.line = 0
        self.start_cursor = 0
        self.end_cursor = 0

    # -- state -------------------------------------------------------------------------------------
    def _text(self) -> str:
        if self.current is None:
            raise Refused(NO_FILE)
        return self.editor.read_text(self.current)

    def _print(self, text: str, window: int = cw.WINDOW) -> str:
        """`_print`: the window, keeping the cursors as it clamped them (the shell exports them)."""
        shown = cw.render(self.current, self.line, self.start_cursor, self.end_cursor, text, window)
        self.start_cursor, self.end_cursor = shown.start_cursor, shown.end_cursor
        return shown.text

    def _show(self, text: str) -> str:
        self.line = cw.constrain_line(self.line, len(cw.file_lines(text)))
        return self._print(text)

    # -- viewing -----------------------------------------------------------------------------------
    def _open(self, path: str, line_number: int | None = None) -> str:
        if not path:
            raise Refused("Usage: open <file>")
        resolved, kind = self.editor.inspect(path)
        notes = []
        if line_number is None:
            line = cw.WINDOW // 2
        elif line_number < 0:  # the shell's ^[0-9]+$ check
            raise Refused("Usage: open <file> [<line_number>]\nError: <line_number> must be a number")
        else:
            line = line_number
            if kind == "file":
                total = len(cw.file_lines(self.editor.read_text(resolved)))
                if line_number > total:
                    notes = [f"Warning: <line_number> ({line_number}) is greater than the number of lines in the "
                             f"file ({total})", f"Warning: Setting <line_number> to {total}"]
                    line = total
                elif line_number < 1:
                    notes = [f"Warning: <line_number> ({line_number}) is less than 1",
                             "Warning: Setting <line_number> to 1"]
                    line = 1
        if kind != "file":
            return "\n".join([*notes, f"File {path} not found"])
        self.current, self.line = resolved, line
        return "\n".join([*notes, self._show(self._text())])

    def _goto(self, line_number: int) -> str:
        text = self._text()
        if line_number < 0:
            raise Refused("Usage: goto <line>\nError: <line> must be a number")
        total = len(cw.file_lines(text))
        if line_number > total:
            raise Refused(f"Error: <line> must be less than or equal to {total}")
        self.line = max(line_number + cw.WINDOW // 2 - cw.WINDOW // 6, 1)
        return self._show(text)

    def _scroll(self, by: int) -> str:
        text = self._text()
        self.line += by
        return self._show(text)

    def _scroll_up(self) -> str:
        return self._scroll(-(cw.WINDOW - cw.OVERLAP))

    def _scroll_down(self) -> str:
        return self._scroll(cw.WINDOW - cw.OVERLAP)

    def _create(self, filename: str) -> str:
        if not filename:
            raise Refused("Usage: create <filename>")
        _, kind = self.editor.inspect(filename)
        if kind != "missing":
            return f"Error: File '{filename}' already exists.\n{self._open(filename)}"
        # `printf "\n" > file`: a file of one empty line, in the shell's current directory.
        made = self.sandbox.run(f"printf '\\n' > {shlex.quote(filename)}", timeout=30)
        if made.exit_code != 0:
            return f"{made.output.rstrip()}\n{self._open(filename)}"
        return self._open(filename)

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
        out = [LINT_INTRO, "", "ERRORS:", format_errors(errors), "",
               "This is how your edit would have looked if applied", _DASHES]
        self.end_cursor = moved_end
        out += [self._framed(new, n // 2 + start, n + 10), _DASHES, "",
                "This is the original code before your edit", _DASHES]
        self.end_cursor = end_cursor
        out += [self._framed(old, (end - start) // 2 + start, end - start + 10), _DASHES, LINT_OUTRO]
        self.line, self.end_cursor = line, end_cursor
        return "\n".join(out)

    def _framed(self, text: str, line: int, window: int) -> str:
        self.line = cw.constrain_line(line, len(cw.file_lines(text)), window)
        return self._print(text, window)

    def _lint(self, new: str) -> list[LintError]:
        """flake8 over the whole edited file: any error refuses the edit (this bundle does not
        forgive errors the file had before)."""
        if not self.current.endswith(".py"):
            return []
        (errors,) = lint_staged(self.sandbox, new, [])
        return errors
