"""SWE-agent's windowed file tools (`open`, `goto`, `scroll_up`, `scroll_down`, `create`, `edit` in
its line-range and search/replace forms, `insert`) and its search tools, run over the Sandbox.

The open file and the window's first line are the state of one episode (SWE-agent keeps them in
its tool registry); `reset()` forgets them. Paths are resolved in the shell's current directory,
as SWE-agent's tools resolve them. Unlike `str_replace_editor`, these tools may write outside
the repository, as SWE-agent's do: an expert's scratch file in /tmp must replay as recorded."""

from __future__ import annotations

import posixpath
import shlex
from pathlib import PurePosixPath
from typing import Any

from srl_swe.sandbox.protocol import Sandbox
from srl_swe.tools import search
from srl_swe.tools import window as win
from srl_swe.tools import windowed_messages as msg
from srl_swe.tools.editor import Editor, EditorError
from srl_swe.tools.lint import format_errors, lint_staged, new_errors

NAMES = ("open", "goto", "scroll_up", "scroll_down", "create", "edit", "insert", "find_file", "search_dir",
         "search_file")


class Refused(Exception):
    """The tool prints this message and changes nothing (SWE-agent's tools exit with it)."""


def _shown(path: str) -> str:
    """A path as SWE-agent prints one the agent typed: pathlib's normal form, not resolved."""
    return str(PurePosixPath(path))


def _universal(text: str) -> str:
    """SWE-agent reads files in text mode, which turns CRLF and CR line ends into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class FileTools:
    """What SWE-agent's file tool bundles share: the episode's open file (`current`), a tool run
    as a method `_<name>` whose refusal is its observation, and the search tools."""

    def __init__(self, sandbox: Sandbox, editor: Editor):
        self.sandbox = sandbox
        self.editor = editor
        self.reset()

    def reset(self) -> None:
        self.current: str | None = None  # the open file, resolved

    def __call__(self, name: str, args: dict[str, Any]) -> str:
        """Run one tool; returns its observation (the refusal message on misuse)."""
        try:
            return getattr(self, f"_{name}")(**args).rstrip()
        except (Refused, EditorError) as exc:
            return str(exc).rstrip()

    def _find_file(self, file_name: str, dir: str | None = None) -> str:
        return search.find_file(self.sandbox, file_name, dir)

    def _search_dir(self, search_term: str, dir: str | None = None) -> str:
        return search.search_dir(self.sandbox, search_term, dir)

    def _search_file(self, search_term: str, file: str | None = None) -> str:
        if file is None and self.current is None:
            raise Refused(msg.NO_FILE_OPEN)
        return search.search_file(self.sandbox, search_term, file if file is not None else self.current)


class WindowedTools(FileTools):
    def reset(self) -> None:
        super().reset()
        self.first = 0  # the window's first line (0-based); kept across files, as SWE-agent does

    # -- state -------------------------------------------------------------------------------------
    def _load(self, path: str) -> str:
        return _universal(self.editor.read_text(path))

    def _current_text(self, no_file: str) -> str:
        if self.current is None:
            raise Refused(no_file)
        _, kind = self.editor.inspect(self.current)
        if kind != "file":
            raise Refused(f"Error: File {self.current} not found")
        text = self._load(self.current)
        self.first = win.clamp_first(self.first, text)
        return text

    # -- viewing -----------------------------------------------------------------------------------
    def _open(self, path: str, line_number: int | None = None) -> str:
        resolved, kind = self.editor.inspect(path)
        if kind == "dir":
            raise Refused(f"Error: {_shown(path)} is a directory. You can only open files. "
                           "Use cd or ls to navigate directories.")
        if kind == "missing":
            raise Refused(f"Error: File {_shown(path)} not found")
        text = self._load(resolved)
        self.current, self.first = resolved, win.clamp_first(self.first, text)
        notes, total = [], win.line_count(text)
        # Without a line number SWE-agent re-opens at the previous window's first line.
        line = self.first if line_number is None else line_number
        if line_number is not None and line > total:
            notes = [f"Warning: <line_number> ({line}) is greater than the number of lines in the file ({total})",
                     f"Warning: Setting <line_number> to {total}"]
            line = total
        elif line_number is not None and line < 1:
            notes = [f"Warning: <line_number> ({line}) is less than 1", "Warning: Setting <line_number> to 1"]
            line = 1
        self.first = win.goto_first(line - 1, text)
        return "\n".join([*notes, win.render(_shown(path), self.first, text)])

    def _goto(self, line_number: int) -> str:
        text = self._current_text(msg.NO_FILE_OPEN)
        if line_number > win.line_count(text):
            raise Refused(f"Error: <line> must be less than or equal to {win.line_count(text)}")
        self.first = win.goto_first(line_number - 1, text)
        return win.render(self.current, self.first, text)

    def _scroll(self, down: bool) -> str:
        text = self._current_text(msg.NO_FILE_OPEN)
        self.first = win.scroll_first(self.first, down, text)
        return win.render(self.current, self.first, text)

    def _scroll_up(self) -> str:
        return self._scroll(down=False)

    def _scroll_down(self) -> str:
        return self._scroll(down=True)

    def _create(self, filename: str) -> str:
        resolved, kind = self.editor.inspect(filename)
        if kind != "missing":
            raise Refused(f"Warning: File '{_shown(filename)}' already exists.")
        made = self.sandbox.run(
            f"mkdir -p -- {shlex.quote(posixpath.dirname(resolved))} && touch -- {shlex.quote(resolved)}", timeout=30)
        if made.exit_code != 0:
            raise Refused(made.output)
        self.current, self.first = resolved, 0
        return win.render(_shown(filename), 0, "")

    # -- editing -----------------------------------------------------------------------------------
    def _edit(self, start_line: int | None = None, end_line: int | None = None, replacement_text: str | None = None,
              search: str | None = None, replace: str | None = None, **flags: Any) -> str:
        if None not in (start_line, end_line, replacement_text) and search is None and replace is None:
            return self._edit_lines(start_line - 1, end_line - 1, replacement_text.removesuffix("\n"))
        if (search is not None and replace is not None
                and start_line is None and end_line is None and replacement_text is None):
            return self._edit_replace(search, replace, bool(flags.get("replace-all", False)))
        raise Refused(msg.EDIT_FORMS)

    def _edit_lines(self, start: int, end: int, replacement: str) -> str:
        text = self._current_text(msg.EDIT_NO_FILE)
        new = win.replace_lines(text, start, end, replacement)
        first = self.first
        self._check(msg.LINT_EDIT_LINES, text, new, (start, end), len(replacement.splitlines()), first, first)
        self.first = win.goto_first(start, new)
        return f"{msg.EDIT_SUCCESS}\n{win.render(self.current, self.first, new)}"

    def _edit_replace(self, search: str, replace: str, everywhere: bool) -> str:
        text = self._current_text(msg.REPLACE_NO_FILE)
        if search == replace:
            raise Refused(msg.SAME_TEXT)
        if not everywhere and win.window_text(self.first, text).count(search) > 1:
            raise Refused(msg.MANY_IN_WINDOW.format(search=search))
        if everywhere:
            done = win.replace_all(text, search, replace)
        else:
            done = win.replace_in_window(text, self.first, search, replace)
        if done is None:
            found = win.occurrence_lines(text, search)
            if found:
                occurrences = "\n".join(f"- line {n}" for n in found)
                raise Refused(msg.NOT_IN_WINDOW.format(search=search, occurrences=occurrences))
            raise Refused(msg.NOT_FOUND.format(search=search))
        moved = win.goto_first(done.first_line, done.text)
        # With replace-all SWE-agent cannot track lines, so every lint error of the result counts.
        span = None if everywhere else (done.first_line, done.first_line + done.search_lines - 1)
        self._check(msg.LINT_EDIT_REPLACE, text, done.text, span, done.replace_lines, moved, self.first)
        self.first = moved
        head = msg.REPLACED_MANY.format(n=done.count) if everywhere else msg.REPLACED_ONE
        return f"{head}\n{win.render(self.current, self.first, done.text)}"

    def _insert(self, text: str, line: int | None = None) -> str:
        old = self._current_text(msg.INSERT_NO_FILE)
        new, at, added = win.insert(old, text, line)
        if not added:
            return win.render(self.current, self.first, old)
        moved = win.goto_first(at, new)
        self._check(msg.LINT_INSERT, old, new, (at, at), added, moved, self.first)
        self.first = moved
        return win.render(self.current, self.first, new)

    def _check(self, template: str, old: str, new: str, span: tuple[int, int] | None, new_lines: int,
               first_applied: int, first_original: int) -> None:
        """Write `new` over the open file unless it adds lint errors; then refuse, showing the
        window as the edit would have left it and as it is."""
        before, after = self._lint(old, new)
        errors = new_errors(before, after, span, new_lines)
        if errors:
            raise Refused(template.format(errors=format_errors(errors),
                                           applied=win.render(self.current, first_applied, new),
                                           original=win.render(self.current, first_original, old)))
        self.editor.write_text(self.current, new)

    def _lint(self, old: str, new: str):
        if not self.current.endswith(".py"):
            return [], []
        before, after = lint_staged(self.sandbox, new, [self.current])
        return before, after
