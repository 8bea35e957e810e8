"""SWE-agent's command lines -> Actions: `str_replace_editor view /testbed --view_range 1 20`,
the windowed tools (`open "src/a.py" 10`, `goto 40`, `scroll_down`, `create r.py`,
`find_file a.py src`, `search_dir "term" src`, `search_file term`, `edit 3:5\\n<text>\\nend_of_edit`,
`edit 'search' 'replace' [True]`, `insert 'text' [line]`), SWE-agent 0.x's cursor tools
(`set_cursors 10 12`, `edit\\n<text>\\nend_of_edit` with no line range), `submit`, or a bash command.
Argument values are kept verbatim (only SWE-agent's shell quoting is undone)."""

from __future__ import annotations

import re
import shlex
from typing import Any

from srl_swe.errors import FormatError
from srl_swe.tools.actions import Action, bash, make_action, submit

# Each windowed tool's positional arguments in its signature's order (SWE-agent's tools/*/config.yaml).
POSITIONAL = {
    "open": ["path", "line_number"],
    "goto": ["line_number"],
    "scroll_up": [],
    "scroll_down": [],
    "create": ["filename"],
    "find_file": ["file_name", "dir"],
    "search_dir": ["search_term", "dir"],
    "search_file": ["search_term", "file"],
    "insert": ["text", "line"],
    "edit": ["search", "replace", "replace-all"],
    "set_cursors": ["start_line", "end_line"],
}
# The replacement text starts after the first newline: its own indentation is part of it.
_LINE_EDIT = re.compile(r"edit[ \t]+(\d+)[ \t]*:[ \t]*(\d+)[ \t]*(?:\n(.*?))?(?:\n?end_of_edit\s*)?$", re.S)
# The cursor bundle's edit: the here-document's lines, each with its newline (none: the selection is deleted).
_CURSOR_EDIT = re.compile(r"edit[ \t]*\n((?:.*\n)?)end_of_edit", re.S)
NOT_CURSORS = ("`edit` with no line range is the edit of SWE-agent's cursor tools (set_cursors), but this trajectory "
               "used other tools ({tools}); expected `edit <start_line>:<end_line>`")
# What shlex.split (POSIX, no comments) gives for text without backslashes, read by regexes: words of unquoted runs
# and quoted strings, split on shlex's four whitespace characters. shlex reads a character at a time in Python, the
# most of importing a windowed command; text with a backslash, or an unclosed quote, still goes to shlex.
# (Possessive quantifiers: with plain ones, `open aaa…a'` backtracks exponentially before it fails.)
_SHELL_WORDS = re.compile(r"""[ \t\r\n]*+(?:(?:[^ \t\r\n'"]++|'[^']*+'|"[^"]*+")++[ \t\r\n]*+)*+""")
_SHELL_WORD = re.compile(r"""(?:[^ \t\r\n'"]++|'[^']*+'|"[^"]*+")++""")
_SHELL_PART = re.compile(r"""'([^']*)'|"([^"]*)"|([^'"]+)""")
_LIST_FLAGS = {"view_range"}
# Only the editor's own flags start a new argument, so a value such as `--new_str '--verbose'` stays a value.
_EDITOR_FLAGS = {"file_text", "old_str", "new_str", "insert_line", "view_range"}


def action_from_command(command: str, tools: str | None = None) -> Action:
    """One SWE-agent action string -> an Action (FormatError when it is malformed). `tools`: the
    trajectory's tool files when they are known not to be the cursor bundle's, whose `edit` is
    then refused; None when they are the cursor bundle's or unknown (only it has a bare edit)."""
    text = command.strip()
    if not text:
        raise FormatError("empty action")
    head = text.split(maxsplit=1)[0]
    if head == "submit" and text == "submit":
        return submit()
    if head == "str_replace_editor":
        return _editor(text)
    if head == "edit" and (match := _LINE_EDIT.fullmatch(text)):
        start, end, replacement = match.groups()
        return make_action("edit", {"start_line": int(start), "end_line": int(end),
                                    "replacement_text": replacement or ""})
    if head == "edit" and (match := _CURSOR_EDIT.fullmatch(text)):
        if tools is not None:
            raise FormatError(NOT_CURSORS.format(tools=tools))
        return make_action("edit", {"replacement_text": match[1]})
    if head in POSITIONAL:
        return _windowed(head, text)
    return bash(text)


def split_submit(command: str) -> tuple[str, bool]:
    """A bash command whose last line is `submit` ran the commands before it, then submitted
    (SWE-agent's submit is a shell command): (the commands before it, True); else (command, False)."""
    lines = command.strip().splitlines()
    if len(lines) > 1 and lines[-1].strip() == "submit":
        return "\n".join(lines[:-1]).strip(), True
    return command, False


def shell_words(text: str) -> list[str]:
    """shlex.split's words of a command line (FormatError when it cannot split it)."""
    if "\\" not in text and _SHELL_WORDS.fullmatch(text):
        return [_unquoted(word) if "'" in word or '"' in word else word for word in _SHELL_WORD.findall(text)]
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise FormatError(f"cannot split command ({exc}): {text[:80]!r}") from exc


def _unquoted(word: str) -> str:
    return "".join(single or double or plain for single, double, plain in _SHELL_PART.findall(word))


def _windowed(name: str, text: str) -> Action:
    values = shell_words(text)[1:]
    names = POSITIONAL[name]
    if len(values) > len(names):
        raise FormatError(f"{name} takes at most {len(names)} argument(s) ({', '.join(names) or 'none'}), "
                          f"got {len(values)}")
    return make_action(name, dict(zip(names, values, strict=False)))


def _editor(text: str) -> Action:
    tokens = shell_words(text)
    if len(tokens) < 3:
        raise FormatError(f"editor command needs a subcommand and a path: {text[:80]!r}")
    arguments: dict[str, Any] = {"command": tokens[1], "path": tokens[2]}
    key = None
    for token in tokens[3:]:
        if token.startswith("--") and token[2:] in _EDITOR_FLAGS:
            key = token[2:]
            arguments[key] = [] if key in _LIST_FLAGS else None
        elif key is None:
            raise FormatError(f"unexpected editor argument {token[:40]!r}")
        elif key in _LIST_FLAGS:
            arguments[key].append(int(token))
        else:
            arguments[key] = token if arguments[key] is None else f"{arguments[key]} {token}"
    return make_action("str_replace_editor", {k: ("" if v is None else v) for k, v in arguments.items()})
