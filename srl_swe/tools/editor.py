"""`str_replace_editor` with SWE-agent's semantics and messages, over the Sandbox protocol, so
that expert trajectories recorded with SWE-agent replay with the same observations.

Every misuse returns an observation that says what was wrong (EditorError); nothing here
raises for bad input from a policy. Edits are confined to the repository (the workdir)."""

from __future__ import annotations

import base64
import binascii
import posixpath
import shlex
import uuid
from typing import Any

from srl_swe.sandbox.protocol import Sandbox

SNIPPET_LINES = 4
MAX_RESPONSE_LEN = 16000
TRUNCATED_NOTE = (
    "<response clipped><NOTE>To save on context only part of this file has been shown to you. You should retry "
    "this tool after you have searched inside the file with `grep -n` in order to find the line numbers of what "
    "you are looking for.</NOTE>"
)
COMMANDS = ("view", "create", "str_replace", "insert", "undo_edit")


class EditorError(Exception):
    """A misuse of the editor; its message is the observation the agent sees."""


def clip(text: str) -> str:
    """SWE-agent's cap on what one view shows."""
    return text if len(text) <= MAX_RESPONSE_LEN else text[:MAX_RESPONSE_LEN] + TRUNCATED_NOTE


def numbered(text: str, descriptor: str, first_line: int = 1) -> str:
    """SWE-agent's `cat -n` rendering: six-wide line numbers, a tab, the line (tabs expanded)."""
    lines = _lines(clip(text).expandtabs())
    body = "\n".join(f"{i + first_line:6}\t{line}" for i, line in enumerate(lines))
    return f"Here's the result of running `cat -n` on {descriptor}:\n{body}\n"


def _lines(text: str) -> list[str]:
    """Lines as `cat -n` counts them: a final newline ends the last line, it does not start one."""
    if not text:
        return []
    return (text[:-1] if text.endswith("\n") else text).split("\n")


def _join(lines: list[str], trailing_newline: bool) -> str:
    return "\n".join(lines) + ("\n" if trailing_newline and lines else "")


class Editor:
    """One agent's editor: holds the per-path undo history for the sandbox it edits."""

    def __init__(self, sandbox: Sandbox, workdir: str | None = None):
        self.sandbox = sandbox
        self.workdir = posixpath.normpath(workdir or sandbox.workdir)
        self._history: dict[str, list[bytes | None]] = {}

    def clear_history(self) -> None:
        self._history.clear()

    def __call__(self, command: str, path: str, **args: Any) -> str:
        """Run one editor command; returns the observation (an error message on misuse)."""
        try:
            if command not in COMMANDS:
                raise EditorError(
                    f"Unrecognized command {command!r}. The allowed commands for the str_replace_editor tool are: "
                    + ", ".join(COMMANDS)
                )
            path, kind = self._check_path(command, path)
            return getattr(self, f"_{command}")(path, kind, **{k: v for k, v in args.items() if v is not None})
        except EditorError as exc:
            return str(exc)
        except OSError as exc:  # e.g. a parent path that is a file: the agent's mistake, told plainly
            return f"The editor could not complete `{command}` on {path}: {exc}"

    # -- file access shared with SWE-agent's windowed tools ---------------------------------------
    def inspect(self, path: str) -> tuple[str, str]:
        """`path` (relative to the shell's cwd, symlinks resolved) and its kind: file, dir,
        unreadable, other or missing."""
        return self._stat(path, resolve=True)

    def read_text(self, path: str) -> str:
        """A UTF-8 file's text (EditorError otherwise)."""
        return self._read(path)

    def write_text(self, path: str, text: str) -> None:
        """Rewrite an existing file in place (mode, owner and links kept); no undo history."""
        self._write_bytes(path, text.encode("utf-8"), new=False)

    # -- paths -----------------------------------------------------------------------------------
    def _check_path(self, command: str, path: str) -> tuple[str, str]:
        if not path.startswith("/"):
            suggestion = posixpath.normpath(posixpath.join(self.workdir, path))
            raise EditorError(
                f"The path {path} is not an absolute path, it should start with `/`. Maybe you meant {suggestion}?"
            )
        resolved, kind = self._stat(path, resolve=command != "view")
        if command != "view" and not (resolved == self.workdir or resolved.startswith(self.workdir + "/")):
            raise EditorError(
                f"The path {path} is outside the repository {self.workdir}; only files inside it can be edited."
            )
        if command == "create":
            if kind != "missing":
                raise EditorError(f"File already exists at: {path}. Cannot overwrite files using command `create`.")
        elif kind == "missing":
            raise EditorError(f"The path {path} does not exist. Please provide a valid path.")
        elif kind == "dir" and command != "view":
            raise EditorError(f"The path {path} is a directory and only the `view` command can be used on directories")
        elif kind == "unreadable":
            raise EditorError(f"The file {path} is not readable by the sandbox user.")
        elif kind == "other":
            raise EditorError(f"The path {path} is neither a regular file nor a directory; use bash to inspect it.")
        return path, kind

    def _stat(self, path: str, resolve: bool) -> tuple[str, str]:
        """The path's kind and, with `resolve`, the path with symlinks resolved (so that a link
        cannot lead edits out of the repo). Shell builtins only, unless resolving."""
        q = shlex.quote(path)
        script = (
            f"if [ -d {q} ]; then echo dir; elif [ -f {q} ] && [ -r {q} ]; then echo file; "
            f"elif [ -f {q} ]; then echo unreadable; elif [ -e {q} ] || [ -L {q} ]; then echo other; "
            f"else echo missing; fi" + (f" && realpath -m -- {q}" if resolve else "")
        )
        result = self.sandbox.run(script, timeout=30)
        kind, _, resolved = result.output.partition("\n")
        if result.exit_code != 0 or kind not in ("dir", "file", "unreadable", "other", "missing"):
            raise EditorError(f"Could not inspect {path}: {result.output.strip()[:300]}")
        return posixpath.normpath(resolved.removesuffix("\n")) if resolve else path, kind

    def _read_bytes(self, path: str) -> bytes:
        """Through the open shell (base64 keeps bytes exact), which is much faster than an archive
        round trip; files too big for one command's output go the archive way."""
        result = self.sandbox.run(f"base64 -w0 -- {shlex.quote(path)}", timeout=60)
        if result.exit_code == 0 and not result.truncated:
            try:
                return base64.b64decode(result.output.strip(), validate=True)
            except binascii.Error:
                pass  # something else wrote to the output; the archive way is exact
        return self.sandbox.read_file(path)

    def _write_bytes(self, path: str, data: bytes, new: bool) -> None:
        """A new file is written in place. An existing one is rewritten with `cat` from a staged
        copy, so that its mode (an executable script stays executable), owner and links survive."""
        if new:
            self.sandbox.write_file(path, data)
            return
        staged = f"/tmp/.srl_swe_edit_{uuid.uuid4().hex}"
        self.sandbox.write_file(staged, data)
        result = self.sandbox.run(
            f"cat -- {staged} > {shlex.quote(path)}; rc=$?; rm -f -- {staged}; [ $rc -eq 0 ]", timeout=60
        )
        if result.exit_code != 0:
            raise EditorError(f"Could not write {path}: {result.output.strip()[:300]}")

    def _read(self, path: str) -> str:
        data = self._read_bytes(path)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EditorError(
                f"The file {path} is not UTF-8 text (byte {exc.start}); the editor handles text files only. Use bash "
                "for it."
            ) from exc

    def _write(self, path: str, text: str, previous: bytes | None) -> None:
        self._write_bytes(path, text.encode("utf-8"), new=previous is None)
        self._history.setdefault(path, []).append(previous)

    # -- commands --------------------------------------------------------------------------------
    def _view(self, path: str, kind: str, view_range: list[int] | None = None) -> str:
        if kind == "dir":
            if view_range is not None:
                raise EditorError("The `view_range` parameter is not allowed when `path` points to a directory.")
            listing = self.sandbox.run(f"find {shlex.quote(path)} -maxdepth 2 -not -path '*/.*' | sort", timeout=60)
            return (
                f"Here's the files and directories up to 2 levels deep in {path}, excluding hidden items:\n"
                f"{clip(listing.output.rstrip())}\n"
            )
        text = self._read_bytes(path).decode("utf-8", "replace")
        if view_range is None:
            return numbered(text, path)
        lines = _lines(text)
        start, end = self._check_range(view_range, len(lines))
        shown = lines[start - 1 :] if end == -1 else lines[start - 1 : end]
        return numbered("\n".join(shown), path, start)

    @staticmethod
    def _check_range(view_range: Any, n_lines: int) -> tuple[int, int]:
        if not isinstance(view_range, list) or len(view_range) != 2 or not all(isinstance(x, int) for x in view_range):
            raise EditorError("Invalid `view_range`. It should be a list of two integers.")
        start, end = view_range
        if start < 1 or start > max(n_lines, 1):
            raise EditorError(
                f"Invalid `view_range`: {view_range}. Its first element `{start}` should be within the range of "
                f"lines of the file: {[1, n_lines]}"
            )
        if end != -1 and end > n_lines:
            raise EditorError(
                f"Invalid `view_range`: {view_range}. Its second element `{end}` should be smaller than the number "
                f"of lines in the file: `{n_lines}`"
            )
        if end != -1 and end < start:
            raise EditorError(
                f"Invalid `view_range`: {view_range}. Its second element `{end}` should be larger or equal than its "
                f"first `{start}`"
            )
        return start, end

    def _create(self, path: str, kind: str, file_text: str | None = None) -> str:
        if file_text is None:
            raise EditorError("Parameter `file_text` is required for command: create")
        self._write(path, file_text, None)
        return f"File created successfully at: {path}"

    def _str_replace(self, path: str, kind: str, old_str: str | None = None, new_str: str = "") -> str:
        if old_str is None:
            raise EditorError("Parameter `old_str` is required for command: str_replace")
        if old_str == "":
            raise EditorError("Parameter `old_str` must not be empty; give the exact text to replace.")
        text = self._read(path)
        count = text.count(old_str)
        if count == 0:
            raise EditorError(f"No replacement was performed, old_str `{old_str}` did not appear verbatim in {path}.")
        if count > 1:
            lines = _occurrence_lines(text, old_str)
            raise EditorError(
                f"No replacement was performed. Multiple occurrences of old_str `{old_str}` ({count} times) in lines "
                f"{lines}. Please ensure it is unique"
            )
        new_text = text.replace(old_str, new_str)
        self._write(path, new_text, text.encode("utf-8"))
        line = text.split(old_str)[0].count("\n")
        start = max(0, line - SNIPPET_LINES)
        end = line + SNIPPET_LINES + new_str.count("\n")
        snippet = "\n".join(new_text.split("\n")[start : end + 1])
        return (
            f"The file {path} has been edited. "
            + numbered(snippet, f"a snippet of {path}", start + 1)
            + "Review the changes and make sure they are as expected. Edit the file again if necessary."
        )

    def _insert(self, path: str, kind: str, insert_line: int | None = None, new_str: str | None = None) -> str:
        if insert_line is None:
            raise EditorError("Parameter `insert_line` is required for command: insert")
        if new_str is None:
            raise EditorError("Parameter `new_str` is required for command: insert")
        text = self._read(path)
        lines = _lines(text)
        if not 0 <= insert_line <= len(lines):
            raise EditorError(
                f"Invalid `insert_line` parameter: {insert_line}. It should be within the range of lines of the "
                f"file: {[0, len(lines)]}"
            )
        inserted = new_str.split("\n")
        new_lines = lines[:insert_line] + inserted + lines[insert_line:]
        self._write(path, _join(new_lines, text.endswith("\n") or not text), text.encode("utf-8"))
        start = max(0, insert_line - SNIPPET_LINES)
        snippet = lines[start:insert_line] + inserted + lines[insert_line : insert_line + SNIPPET_LINES]
        return (
            f"The file {path} has been edited. "
            + numbered("\n".join(snippet), "a snippet of the edited file", start + 1)
            + "Review the changes and make sure they are as expected (correct indentation, no duplicate lines, etc). "
            "Edit the file again if necessary."
        )

    def _undo_edit(self, path: str, kind: str) -> str:
        history = self._history.get(path)
        if not history:
            raise EditorError(f"No edit history found for {path}.")
        previous = history.pop()
        if previous is None:
            result = self.sandbox.run(f"rm -f -- {shlex.quote(path)}", timeout=30)
            if result.exit_code != 0:
                raise EditorError(f"Could not remove {path}: {result.output.strip()[:300]}")
            return f"Last edit to {path} undone successfully. The file it created was removed."
        self._write_bytes(path, previous, new=False)
        return f"Last edit to {path} undone successfully. " + numbered(previous.decode("utf-8", "replace"), path)


def _occurrence_lines(text: str, needle: str) -> list[int]:
    """1-based line number where each (non-overlapping) occurrence starts."""
    lines, at = [], text.find(needle)
    while at != -1:
        lines.append(text.count("\n", 0, at) + 1)
        at = text.find(needle, at + len(needle))
    return lines
