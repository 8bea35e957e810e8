"""Running one parsed Action in a sandbox: bash in the persistent shell, the editor, SWE-agent's
windowed (or cursor) tools, submit.
The result is always an observation for the agent; a policy's bad call never raises here."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from srl_swe.sandbox.protocol import Sandbox
from srl_swe.tools.actions import Action
from srl_swe.tools.cursors import NAMES as CURSORS
from srl_swe.tools.cursors import CursorTools
from srl_swe.tools.editor import Editor
from srl_swe.tools.line_range import NAMES as LINE_RANGE_NAMES
from srl_swe.tools.line_range import LineRangeTools
from srl_swe.tools.schemas import CURSOR_TOOL, DEFAULT_TOOLS, FILE_TOOLS, LINE_RANGE
from srl_swe.tools.windowed import NAMES as WINDOWED
from srl_swe.tools.windowed import WindowedTools

DEFAULT_COMMAND_TIMEOUT = 60.0
NO_OUTPUT = "Your command ran successfully and did not produce any output."
# Control characters other than tab/newline/CR break tokenizers and terminals: show them escaped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ToolResult(BaseModel):
    """What one action did. `submitted`: the episode is over and `diff` is the solution;
    `exit_code`: bash's exit status (None for the editor and submit)."""

    model_config = ConfigDict(extra="forbid")

    observation: str
    submitted: bool = False
    exit_code: int | None = None
    timed_out: bool = False
    diff: str | None = None


def clean_output(text: str) -> str:
    """Make output safe to show a model: control bytes become visible escapes, and undecodable
    bytes (kept as surrogates by a diff) become U+FFFD."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        data = text.encode("utf-8", "replace")
    text = data.decode("utf-8", "replace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class ToolRunner:
    """The tools of one episode on one sandbox. `reset()` forgets the editor's undo history and
    the windowed tools' open file and window (call it when the sandbox is reset). `file_tools`:
    which SWE-agent version's file tools run (schemas.FILE_TOOLS; set_cursors in `tools` overrides it)."""

    def __init__(
        self, sandbox: Sandbox, command_timeout: float = DEFAULT_COMMAND_TIMEOUT, tools: list[str] | None = None,
        file_tools: str = FILE_TOOLS[0],
    ):
        self.sandbox = sandbox
        self.command_timeout = command_timeout
        self.tools = list(tools or DEFAULT_TOOLS)
        self.editor = Editor(sandbox)
        # SWE-agent's file tools: the cursor bundle's versions where the tool set has set_cursors, else 1.x's
        # windowed ones or 0.x's line-range ones as file_tools says (their names are the same).
        if CURSOR_TOOL in self.tools:
            kind, self.windowed_names = CursorTools, CURSORS
        elif file_tools == LINE_RANGE:
            kind, self.windowed_names = LineRangeTools, LINE_RANGE_NAMES
        else:
            kind, self.windowed_names = WindowedTools, WINDOWED
        self.windowed = kind(sandbox, self.editor)

    def reset(self) -> None:
        self.editor.clear_history()
        self.windowed.reset()

    def run(self, action: Action) -> ToolResult:
        result = self._dispatch(action)
        return result.model_copy(update={"observation": clean_output(result.observation)})

    def _dispatch(self, action: Action) -> ToolResult:
        if action.name not in self.tools:
            return ToolResult(
                observation=f"The tool {action.name!r} is not available here. Available tools: {', '.join(self.tools)}."
            )
        if action.name == "bash":
            return self._bash(action.arguments["command"])
        if action.name == "str_replace_editor":
            args = dict(action.arguments)
            return ToolResult(observation=self.editor(args.pop("command"), args.pop("path"), **args))
        if action.name in self.windowed_names:
            return ToolResult(observation=self.windowed(action.name, dict(action.arguments)))
        if action.name == "submit":
            diff = self.sandbox.diff()
            return ToolResult(
                observation=diff or "Submitted with no changes to the repository.", submitted=True, diff=diff
            )
        raise ValueError(f"No runner for tool {action.name!r}; add one to ToolRunner.run.")

    def _bash(self, command: str) -> ToolResult:
        if not command.strip():
            return ToolResult(observation="The command is empty; give a shell command to run.")
        result = self.sandbox.run(command, timeout=self.command_timeout)
        text = result.output
        notes = []
        if result.timed_out:
            notes.append(
                f"The command did not finish within {self.command_timeout:g} seconds and was interrupted "
                f"(exit code {result.exit_code}). Run long commands in the background, or with less work."
            )
        elif result.exit_code != 0:
            notes.append(f"[exit code {result.exit_code}]")
        if not text.strip() and not notes:
            return ToolResult(observation=NO_OUTPUT, exit_code=0)
        observation = "\n".join(part for part in [text.rstrip("\n"), *notes] if part)
        return ToolResult(observation=observation, exit_code=result.exit_code, timed_out=result.timed_out)
