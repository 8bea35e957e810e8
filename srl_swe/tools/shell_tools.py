"""What SWE-agent 0.x's two shell-function file bundles share (`defaults.sh` with `edit_linting.sh`,
and `cursors_defaults.sh` with `cursors_edit_linting.sh`): the current line (the window's centre),
`open`, `goto`, `scroll_up`/`scroll_down`, `create`, the whole-file lint of an edit, and the frame
of a refused edit. Each bundle prints its own window (`_print`) and has its own `edit`.

Messages are the shell functions' own, of the version that recorded SWE-agent's 0.x
demonstrations, so that observations replay as recorded."""

from __future__ import annotations

import shlex

from srl_swe.tools import cursor_window as cw
from srl_swe.tools.lint import LintError, format_errors, lint_staged
from srl_swe.tools.windowed import FileTools, Refused
from srl_swe.tools.windowed_messages import NO_FILE_OPEN as NO_FILE

EDIT_NO_FILE = "No file open. Use the `open` command first."
EDIT_SUCCESS = ("File updated. Please review the changes and make sure they are correct (correct indentation, no "
                "duplicate lines, etc). Edit the file again if necessary.")
DASHES = "-" * 49
# The wording of the bundles' first version, which recorded SWE-agent's 0.x demonstrations
# (later versions say "Please read this error message carefully and then retry editing the file.").
LINT_INTRO = ("Your proposed edit has introduced new syntax error(s). Please understand the fixes and retry your edit "
              "commmand.")
LINT_OUTRO = (
    "Your changes have NOT been applied. Please fix your edit command and try again.\n"
    "You either need to 1) Specify the correct start/end line arguments or 2) Correct your edit code.\n"
    "DO NOT re-run the same failed edit command. Running it again will lead to the same error."
)


class ShellTools(FileTools):
    window = cw.WINDOW  # the config's WINDOW env variable

    def reset(self) -> None:
        super().reset()  # the open file, resolved (the shell's `realpath`)
        self.line = 0  # CURRENT_LINE; the configs start it at 0

    def _print(self, text: str, window: int | None = None) -> str:
        raise NotImplementedError

    # -- state -------------------------------------------------------------------------------------
    def _text(self) -> str:
        if self.current is None:
            raise Refused(NO_FILE)
        return self.editor.read_text(self.current)

    def _show(self, text: str) -> str:
        self.line = cw.constrain_line(self.line, len(cw.file_lines(text)), self.window)
        return self._print(text)

    def _framed(self, text: str, line: int, window: int) -> str:
        """A print with the current line and WINDOW set around an edit, as a refused edit shows it."""
        self.line = cw.constrain_line(line, len(cw.file_lines(text)), window)
        return self._print(text, window)

    # -- viewing -----------------------------------------------------------------------------------
    def _open_line(self, line_number: int) -> int:
        """The current line `open <file> <line_number>` sets for a line inside the file."""
        raise NotImplementedError

    def _not_opened(self, path: str, kind: str) -> str:
        return f"File {path} not found"

    def _open(self, path: str, line_number: int | None = None) -> str:
        if not path:
            raise Refused("Usage: open <file>")
        resolved, kind = self.editor.inspect(path)
        notes = []
        if line_number is None:
            line = self.window // 2
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
                else:
                    line = self._open_line(line_number)
        if kind != "file":
            return "\n".join([*notes, self._not_opened(path, kind)])
        self.current, self.line = resolved, line
        return "\n".join([*notes, self._show(self._text())])

    def _goto(self, line_number: int) -> str:
        text = self._text()
        if line_number < 0:
            raise Refused("Usage: goto <line>\nError: <line> must be a number")
        total = len(cw.file_lines(text))
        if line_number > total:
            raise Refused(f"Error: <line> must be less than or equal to {total}")
        self.line = self._goto_line(line_number)
        return self._show(text)

    def _goto_line(self, line_number: int) -> int:
        """`goto`'s current line: the line a sixth of a window below the window's top."""
        return max(line_number + self.window // 2 - self.window // 6, 1)

    def _scroll(self, by: int) -> str:
        text = self._text()
        self.line += by
        return self._show(text)

    def _scroll_up(self) -> str:
        return self._scroll(-(self.window - cw.OVERLAP))

    def _scroll_down(self) -> str:
        return self._scroll(self.window - cw.OVERLAP)

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
    def _lint(self, new: str) -> list[LintError]:
        """flake8 over the whole edited file: any error refuses the edit (the first version of
        these bundles does not forgive errors the file had before)."""
        if not self.current.endswith(".py"):
            return []
        (errors,) = lint_staged(self.sandbox, new, [])
        return errors

    @staticmethod
    def _refused(errors: list[LintError], applied: str, original: str) -> str:
        """The refusal: the errors, the window as the edit would have left it and as it is."""
        return "\n".join([LINT_INTRO, "", "ERRORS:", format_errors(errors), "",
                          "This is how your edit would have looked if applied", DASHES, applied, DASHES, "",
                          "This is the original code before your edit", DASHES, original, DASHES, LINT_OUTRO])
