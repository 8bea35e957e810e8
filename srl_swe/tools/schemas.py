"""The agent's tools in OpenAI function format (for chat templates with `tools=`), with
SWE-agent names, and the OpenHands aliases that map onto them.

Tools come in bundles: `default` (bash, str_replace_editor, submit) is what envs and prompts use
unless a spec names others; `swe-agent` is SWE-agent's windowed editor and search tools;
`swe-agent-cursors` is SWE-agent 0.x's cursor editor (`set_cursors`, and `edit` of the lines
between the cursors) with the same tool names for the rest: a tool set with `set_cursors` runs
the cursor versions of open/goto/scroll/create/edit. `swe-agent-0` is SWE-agent 0.x's default
editor (line-range `edit`, no insert): its names are all 1.x's, so no tool set tells it apart;
`file_tools="swe-agent-0"` (an env spec's `file_tools`, a trajectory's `tools`) selects it.
`TOOLS` holds every tool of every bundle, so any of them parses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from srl_swe.tools.windowed_schemas import CURSOR_SCHEMAS, LINE_RANGE_SCHEMAS, SET_CURSORS, WINDOWED_TOOLS

BASH = {
    "name": "bash",
    "description": "Run a bash command in the repository's persistent shell (cwd and exported variables persist). "
    "Commands that do not finish within the time limit are interrupted.",
    "parameters": {
        "type": "object",
        "properties": {"command": {"type": "string", "description": "The command to run."}},
        "required": ["command"],
    },
}

STR_REPLACE_EDITOR = {
    "name": "str_replace_editor",
    "description": "View, create and edit files. `view` shows a file with line numbers (or a directory two levels "
    "deep); `create` writes a new file; `str_replace` replaces `old_str`, which must occur exactly once, with "
    "`new_str`; `insert` adds `new_str` after line `insert_line`; `undo_edit` reverts the last edit of `path`. "
    "Paths are absolute.",
    "parameters": {
        "type": "object",
        "properties": {
            "command": {"type": "string", "enum": ["view", "create", "str_replace", "insert", "undo_edit"]},
            "path": {"type": "string", "description": "Absolute path of a file or directory."},
            "file_text": {"type": "string", "description": "Content of the file for `create`."},
            "old_str": {"type": "string", "description": "Text to replace for `str_replace`."},
            "new_str": {"type": "string", "description": "Replacement for `str_replace`, or text for `insert`."},
            "insert_line": {"type": "integer", "description": "`new_str` goes after this line for `insert`."},
            "view_range": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "[start, end] lines for `view`; end -1 for the end.",
            },
        },
        "required": ["command", "path"],
    },
}

SUBMIT = {
    "name": "submit",
    "description": "Finish: submit the changes made to the repository as the solution.",
    "parameters": {"type": "object", "properties": {}, "required": []},
}

TOOLS: dict[str, dict[str, Any]] = {
    t["name"]: t for t in (BASH, STR_REPLACE_EDITOR, SUBMIT, *WINDOWED_TOOLS, SET_CURSORS)
}

BUNDLES: dict[str, list[str]] = {
    "default": ["bash", "str_replace_editor", "submit"],
    "swe-agent": ["bash", *(t["name"] for t in WINDOWED_TOOLS), "submit"],
    "swe-agent-cursors": ["bash", "open", "goto", "scroll_up", "scroll_down", "create", "set_cursors", "edit",
                          "find_file", "search_dir", "search_file", "submit"],
    "swe-agent-0": ["bash", "open", "goto", "scroll_up", "scroll_down", "create", "edit", "find_file", "search_dir",
                    "search_file", "submit"],
}
# Which SWE-agent version's file tools (open/goto/scroll/create/edit) a tool set runs, where its names do not tell:
# 1.x's windowed ones, or 0.x's default (line-range) ones. A set with set_cursors runs the cursor ones either way.
FILE_TOOLS = ("swe-agent", "swe-agent-0")
LINE_RANGE = "swe-agent-0"
_ORDER = sorted(TOOLS, key=lambda name: name == "submit")  # TOOLS' order, submit last (stable sort)
CURSOR_TOOL = SET_CURSORS["name"]  # its presence in a tool set selects the cursor bundle's file tools
DEFAULT_TOOLS = BUNDLES["default"]

# `edit` is SWE-agent's windowed edit (a tool of its own), not an alias of str_replace_editor.
ALIASES = {"execute_bash": "bash", "finish": "submit"}


def canonical_name(name: str) -> str:
    return ALIASES.get(name, name)


def parameter_order(name: str) -> list[str]:
    """Parameters in schema order: the order canonical text writes them in."""
    return list(TOOLS[name]["parameters"]["properties"]) if name in TOOLS else []


def tool_schemas(names: Iterable[str], file_tools: str = FILE_TOOLS[0]) -> list[dict[str, Any]]:
    """The schemas of a tool set as a model is shown them, in TOOLS order (so a set's prompt does not depend on how a
    spec lists it): a set with set_cursors shows the cursor versions of the shared file tools, `file_tools`
    swe-agent-0 the line-range ones."""
    wanted = set(names)
    versions = CURSOR_SCHEMAS if CURSOR_TOOL in wanted else LINE_RANGE_SCHEMAS if file_tools == LINE_RANGE else {}
    return [versions.get(name, TOOLS[name]) for name in _ORDER if name in wanted]


def openai_tools(names: Iterable[str] | None = None, file_tools: str = FILE_TOOLS[0]) -> list[dict[str, Any]]:
    """Tool schemas wrapped as OpenAI `tools` entries."""
    return [{"type": "function", "function": schema} for schema in tool_schemas(names or DEFAULT_TOOLS, file_tools)]


def bundle_file_tools(bundle: str | None) -> str:
    """The file_tools a bundle name (a trajectory's `tools`) runs."""
    return LINE_RANGE if bundle == LINE_RANGE else FILE_TOOLS[0]


def tools_for(calls: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
    """The tool set that recorded (name, arguments) calls come from: the first bundle that holds them all (default,
    swe-agent, swe-agent-cursors; a cursor edit needs the cursor bundle), else the default tools and the names.
    Calls alone never pick swe-agent-0 (its names are 1.x's): a trajectory says so in its `tools`."""
    needed = set()
    for name, arguments in calls:
        needed.add(CURSOR_TOOL if is_cursor_call(name, arguments) else name)
    for tools in BUNDLES.values():
        if needed <= set(tools):
            return list(tools)
    return [name for name in _ORDER if name in needed or name in DEFAULT_TOOLS]


def is_cursor_call(name: str, arguments: dict[str, Any]) -> bool:
    """Only the cursor bundle has this call: `set_cursors`, or an `edit` with replacement_text alone."""
    return name == CURSOR_TOOL or (name == "edit" and arguments.keys() == {"replacement_text"})
