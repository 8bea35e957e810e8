"""SWE-agent's windowed tools (its `windowed`, `search`, `windowed_edit_linting` and
`windowed_edit_replace` bundles) in OpenAI function format, with SWE-agent's own names and
parameters, so that trajectories recorded with them import as steps and replay in the env.

`edit` has three forms in SWE-agent, one per bundle: lines `start_line:end_line` replaced by
`replacement_text`, `search` replaced by `replace` in the open window, or (SWE-agent 0.x's cursor
bundle, with `set_cursors`) `replacement_text` alone for the lines between the cursors. One tool
carries every parameter set; the runner tells which form a call is from the parameters it has."""

from __future__ import annotations

from typing import Any

from srl_swe.tools.cursor_window import OVERLAP, WINDOW


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required}}


def _string(description: str) -> dict[str, str]:
    return {"type": "string", "description": description}


def _integer(description: str) -> dict[str, str]:
    return {"type": "integer", "description": description}


WINDOWED_TOOLS: list[dict[str, Any]] = [
    _tool("open", "Opens the file at the given path in the editor; with line_number the window moves to include "
                  "that line.",
          {"path": _string("The path of the file to open."),
           "line_number": _integer("The line to move the window to (default: the top of the file).")}, ["path"]),
    _tool("goto", "Moves the window to show line_number.", {"line_number": _integer("The line to move the window to.")},
          ["line_number"]),
    _tool("scroll_up", "Moves the window up 100 lines.", {}, []),
    _tool("scroll_down", "Moves the window down 100 lines.", {}, []),
    _tool("create", "Creates and opens a new file with the given name.", {"filename": _string("The name of the file.")},
          ["filename"]),
    _tool("find_file", "Finds all files with the given name or shell pattern in dir (default: the current directory).",
          {"file_name": _string("The name or pattern (e.g. *.py)."), "dir": _string("The directory to search in.")},
          ["file_name"]),
    _tool("search_dir", "Searches for search_term in all files in dir (default: the current directory).",
          {"search_term": _string("The term to search for."), "dir": _string("The directory to search in.")},
          ["search_term"]),
    _tool("search_file", "Searches for search_term in file (default: the open file).",
          {"search_term": _string("The term to search for."), "file": _string("The file to search in.")},
          ["search_term"]),
    _tool("edit", "Edits the open file: replaces lines start_line through end_line (inclusive) with replacement_text, "
          "or replaces the first occurrence of search with replace in the displayed lines (all of them with "
          "replace-all). An edit that introduces a syntax error is refused.",
          {"start_line": _integer("First line to replace."), "end_line": _integer("Last line to replace (inclusive)."),
           "replacement_text": _string("The text that replaces the lines."),
           "search": _string("The text to search for in the displayed lines."),
           "replace": _string("The text that replaces it."),
           "replace-all": {"type": "boolean", "description": "Replace every occurrence in the displayed lines."}}, []),
    _tool("insert", "Inserts text at the end of the open file, or after line when given.",
          {"text": _string("The text to insert."), "line": _integer("The line after which the text goes.")}, ["text"]),
]

# SWE-agent 0.x's cursor bundle adds this; its open/goto/scroll/create/edit are the cursor versions.
SET_CURSORS = _tool("set_cursors", "Sets the start and end cursors to the given lines: the lines edit replaces.",
                    {"start_line": _integer("The line to set the start cursor to."),
                     "end_line": _integer("The line to set the end cursor to.")}, ["start_line", "end_line"])

# How the cursor bundle's versions of the shared names behave, for prompts and `tools` lists of a cursor tool set
# (calls still validate against the shared schemas above, which accept every form).
CURSOR_SCHEMAS: dict[str, dict[str, Any]] = {t["name"]: t for t in [
    _tool("open", f"Opens the file at the given path in the editor, showing {WINDOW} lines around line_number "
                  "(default: the top of the file) with the start and end cursors marked.",
          {"path": _string("The path of the file to open."),
           "line_number": _integer("The line to centre the window on.")}, ["path"]),
    _tool("goto", "Moves the window to show line_number.", {"line_number": _integer("The line to move the window to.")},
          ["line_number"]),
    _tool("scroll_up", f"Moves the window up {WINDOW - OVERLAP} lines.", {}, []),
    _tool("scroll_down", f"Moves the window down {WINDOW - OVERLAP} lines.", {}, []),
    _tool("create", "Creates and opens a new file with the given name.", {"filename": _string("The name of the file.")},
          ["filename"]),
    _tool("edit", "Replaces all lines from the start cursor to the end cursor (move them with set_cursors) with "
                  "replacement_text. An edit that leaves a Python file with a syntax error is refused.",
          {"replacement_text": _string("The text that replaces the selected lines.")}, ["replacement_text"]),
]}

# How SWE-agent 0.x's default bundle (`swe-agent-0`) words the shared names that differ: its edit is the line-range
# form only, and there is no insert.
LINE_RANGE_SCHEMAS: dict[str, dict[str, Any]] = {t["name"]: t for t in [
    _tool("edit", "Replaces lines start_line through end_line (inclusive) of the open file with replacement_text. An "
                  "edit that leaves a Python file with a syntax error is refused.",
          {"start_line": _integer("First line to replace."), "end_line": _integer("Last line to replace (inclusive)."),
           "replacement_text": _string("The text that replaces the lines.")},
          ["start_line", "end_line", "replacement_text"]),
]}
