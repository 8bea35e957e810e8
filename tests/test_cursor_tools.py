"""SWE-agent 0.x's cursor tools in a real container: the window with the cursor marks, clamping
warnings, set_cursors, an edit that passes (END_CURSOR then ends the new lines) or is refused by
the syntax check with SWE-agent's message, and the per-episode state. (Shapes as in SWE-agent's
recorded cursor demonstrations.)"""

from __future__ import annotations

import pytest

from srl_swe.env.settings import load_env_settings
from srl_swe.tools.actions import make_action
from srl_swe.tools.cursor_window import END_MARK, START_MARK
from srl_swe.tools.execute import ToolRunner
from srl_swe.tools.schemas import BUNDLES
from srl_swe.tools.shell_tools import EDIT_SUCCESS, LINT_INTRO, LINT_OUTRO
from tests.file_tools_support import CODE, file_tools_sandbox

DASHES = "-" * 49


@pytest.fixture(scope="module")
def runner(base_image):
    with file_tools_sandbox(base_image) as sb:
        yield ToolRunner(sb, tools=load_env_settings("swe-agent-cursors").tools)


def call(runner: ToolRunner, name: str, **args) -> str:
    return runner.run(make_action(name, args)).observation


def numbered(first: int, last: int, prefix: str = "line ") -> str:
    return "\n".join(f"{i}:{prefix}{i}" for i in range(first, last + 1))


def test_window_marks_the_cursors_and_moves_them_into_view(runner):
    runner.reset()
    assert call(runner, "set_cursors", start_line=1, end_line=1) == "No file open. Use the open command first."
    # 201 lines around line 100; the cursors start at 0 and move into the window, with a warning each
    assert call(runner, "open", path="long.txt") == (
        f"[File: /testbed/long.txt (250 lines total)]\n{START_MARK}\n1:line 1\n{END_MARK}\n{numbered(2, 200)}\n"
        "(49 more lines below)\nSTART_CURSOR moved to 1\nEND_CURSOR moved to 1")
    assert call(runner, "goto", line_number=240) == (
        f"[File: /testbed/long.txt (250 lines total)]\n(49 more lines above)\n{START_MARK}\n50:line 50\n{END_MARK}\n"
        f"{numbered(51, 250)}\nSTART_CURSOR moved to 50\nEND_CURSOR moved to 50")
    shown = call(runner, "set_cursors", start_line=240, end_line=245)
    assert f"239:line 239\n{START_MARK}\n240:line 240\n" in shown and f"245:line 245\n{END_MARK}\n246:" in shown
    assert call(runner, "scroll_up").endswith(
        "(49 more lines below)\nSTART_CURSOR moved to 200\nEND_CURSOR moved to 200")
    assert call(runner, "set_cursors", start_line=5, end_line=2) == (
        "Usage: set_cursors <start_line> <end_line>\nError: start_line must be less than or equal to end_line")
    assert call(runner, "goto", line_number=251) == "Error: <line> must be less than or equal to 250"
    assert call(runner, "insert", text="x").startswith("The tool 'insert' is not available here.")


def test_edit_replaces_the_selection_or_is_refused_with_both_windows(runner):
    runner.reset()
    call(runner, "open", path="pkg/calc.py")
    call(runner, "set_cursors", start_line=2, end_line=2)
    original = (f"[File: /testbed/pkg/calc.py (6 lines total)]\n1:def add(a, b):\n{START_MARK}\n2:    return a - b\n"
                f"{END_MARK}\n3:\n4:\n5:def sub(a, b):\n6:    return a - b")
    assert call(runner, "edit", replacement_text="return a + b\n") == (
        f"{LINT_INTRO}\n\nERRORS:\n- E999 IndentationError: expected an indented block after function definition on "
        f"line 1\n\nThis is how your edit would have looked if applied\n{DASHES}\n"
        f"{original.replace('2:    return a - b', '2:return a + b')}\n{DASHES}\n\n"
        f"This is the original code before your edit\n{DASHES}\n{original}\n{DASHES}\n{LINT_OUTRO}")
    assert runner.sandbox.run("cat /testbed/pkg/calc.py").output == CODE
    # two lines for one: the end cursor moves to the last new line
    assert call(runner, "edit", replacement_text="    # sum\n    return a + b\n") == (
        f"[File: /testbed/pkg/calc.py (7 lines total)]\n1:def add(a, b):\n{START_MARK}\n2:    # sum\n"
        f"3:    return a + b\n{END_MARK}\n4:\n5:\n6:def sub(a, b):\n7:    return a - b\n{EDIT_SUCCESS}")
    assert runner.sandbox.run("cat /testbed/pkg/calc.py").output == CODE.replace("    return a - b", "    # sum\n"
                                                                                "    return a + b", 1)
    call(runner, "set_cursors", start_line=4, end_line=5)
    assert call(runner, "edit", replacement_text="").startswith(  # nothing: the selection is deleted
        f"[File: /testbed/pkg/calc.py (5 lines total)]\n1:def add(a, b):\n2:    # sum\n3:    return a + b\n"
        f"{START_MARK}\n4:def sub(a, b):\n{END_MARK}\n")
    assert call(runner, "edit", start_line=1, end_line=1, replacement_text="x").startswith(
        "This edit is the cursor form: `edit` takes only replacement_text")
    assert BUNDLES["swe-agent-cursors"] == load_env_settings("swe-agent-cursors").tools
