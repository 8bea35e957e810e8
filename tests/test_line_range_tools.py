"""SWE-agent 0.x's default (line-range) tools in a real container, with the shapes its recorded
demonstrations show: the 100-line window with the absolute path, `create` writing one empty line,
a good `edit` printing the window before "File updated", a refused one both windows; and that the
same names run 1.x's windowed tools unless the env spec asks for 0.x's."""

from __future__ import annotations

import pytest

from srl_swe.env.settings import load_env_settings
from srl_swe.tools.actions import make_action
from srl_swe.tools.execute import ToolRunner
from srl_swe.tools.schemas import BUNDLES
from srl_swe.tools.shell_tools import DASHES, EDIT_SUCCESS, LINT_INTRO, LINT_OUTRO
from tests.file_tools_support import CODE, file_tools_sandbox


@pytest.fixture(scope="module")
def sandbox(base_image):
    with file_tools_sandbox(base_image) as sb:
        yield sb


@pytest.fixture
def runner(sandbox):
    settings = load_env_settings("swe-agent-0")
    tools = ToolRunner(sandbox, tools=settings.tools, file_tools=settings.file_tools)
    tools.reset()
    return tools


def call(runner: ToolRunner, name: str, **args) -> str:
    return runner.run(make_action(name, args)).observation


def numbered(first: int, last: int, prefix: str = "line ") -> str:
    return "\n".join(f"{i}:{prefix}{i}" for i in range(first, last + 1))


def test_the_window_is_the_shells_print(runner):
    header = "[File: /testbed/long.txt (250 lines total)]"
    # no line: the current line is WINDOW/2, so lines 1-100
    assert call(runner, "open", path="long.txt") == f"{header}\n{numbered(1, 100)}\n(150 more lines below)"
    # a line a sixth of a window from the top, kept a half window from the end: lines 151-250
    assert call(runner, "open", path="long.txt", line_number=200) == f"{header}\n(150 more lines above)\n" + numbered(
        151, 250)
    # up a window less the overlap: current line 102, so 52 above by its count, lines 53-152 shown
    assert call(runner, "scroll_up") == f"{header}\n(52 more lines above)\n{numbered(53, 152)}\n(98 more lines below)"
    assert call(runner, "goto", line_number=251) == "Error: <line> must be less than or equal to 250"
    assert call(runner, "open", path="pkg") == (
        "Error: pkg is a directory. You can only open files. Use cd or ls to navigate directories.")
    assert call(runner, "insert", text="x").startswith("The tool 'insert' is not available here.")


def test_create_writes_one_empty_line_and_opens_it(runner, sandbox):
    assert call(runner, "create", filename="new.py") == "[File: /testbed/new.py (1 lines total)]\n1:"
    assert sandbox.run("cat /testbed/new.py").output == "\n"
    assert call(runner, "create", filename="new.py") == (
        "Error: File 'new.py' already exists.\n[File: /testbed/new.py (1 lines total)]\n1:")


def test_edit_prints_the_window_then_updated_or_is_refused_with_both_windows(runner, sandbox):
    call(runner, "open", path="pkg/calc.py")
    window = ("[File: /testbed/pkg/calc.py (6 lines total)]\n1:def add(a, b):\n{}\n3:\n4:\n5:def sub(a, b):\n"
              "6:    return a - b")
    assert call(runner, "edit", start_line=2, end_line=2, replacement_text="return a + b\n") == (
        f"{LINT_INTRO}\n\nERRORS:\n- E999 IndentationError: expected an indented block after function definition on "
        f"line 1\n\nThis is how your edit would have looked if applied\n{DASHES}\n{window.format('2:return a + b')}\n"
        f"{DASHES}\n\nThis is the original code before your edit\n{DASHES}\n{window.format('2:    return a - b')}\n"
        f"{DASHES}\n{LINT_OUTRO}")
    assert sandbox.run("cat /testbed/pkg/calc.py").output == CODE
    assert call(runner, "edit", start_line=2, end_line=2, replacement_text="    return a + b\n") == (
        f"{window.format('2:    return a + b')}\n{EDIT_SUCCESS}")
    assert sandbox.run("cat /testbed/pkg/calc.py").output == CODE.replace("a - b", "a + b", 1)


def test_the_same_names_run_the_windowed_tools_without_file_tools(sandbox):
    runner = ToolRunner(sandbox, tools=BUNDLES["swe-agent-0"])
    assert call(runner, "create", filename="other.py") == "[File: other.py (0 lines total)]"
