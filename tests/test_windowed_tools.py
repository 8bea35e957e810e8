"""SWE-agent's windowed and search tools in a real container: the window's movement and text,
per-episode state, edits that pass or are refused by the syntax check, and the search texts.
(Observations were checked against SWE-agent's own tools on the same calls.)"""

from __future__ import annotations

import pytest

from srl_swe.tools.actions import make_action
from srl_swe.tools.execute import ToolRunner
from srl_swe.tools.lint import LintError, new_errors
from srl_swe.tools.schemas import BUNDLES
from srl_swe.tools.windowed_messages import EDIT_FORMS
from tests.file_tools_support import CODE, file_tools_sandbox


@pytest.fixture(scope="module")
def runner(base_image):
    with file_tools_sandbox(base_image, {"/testbed/.hidden/calc.py": CODE}) as sb:
        yield ToolRunner(sb, tools=BUNDLES["swe-agent"])


def call(runner: ToolRunner, name: str, **args) -> str:
    return runner.run(make_action(name, args)).observation


def numbered(first: int, last: int) -> str:
    return "\n".join(f"{i}:line {i}" for i in range(first, last + 1))


def test_window_moves_like_swe_agent_and_is_forgotten_on_reset(runner):
    runner.reset()
    assert call(runner, "open", path="long.txt") == (
        f"[File: long.txt (250 lines total)]\n{numbered(1, 100)}\n(150 more lines below)")
    # a scroll moves a window less a 2-line overlap; the header then names the resolved path
    assert call(runner, "scroll_down") == (
        f"[File: /testbed/long.txt (250 lines total)]\n(98 more lines above)\n{numbered(99, 198)}\n"
        "(52 more lines below)")
    assert call(runner, "goto", line_number=250) == (
        f"[File: /testbed/long.txt (250 lines total)]\n(150 more lines above)\n{numbered(151, 250)}")
    assert call(runner, "scroll_up").startswith(
        "[File: /testbed/long.txt (250 lines total)]\n(52 more lines above)\n53:line 53\n")
    assert call(runner, "goto", line_number=251) == "Error: <line> must be less than or equal to 250"
    assert call(runner, "open", path="long.txt", line_number=400).startswith(
        "Warning: <line_number> (400) is greater than the number of lines in the file (250)\n"
        "Warning: Setting <line_number> to 250\n[File: long.txt (250 lines total)]\n(150 more lines above)\n")
    assert call(runner, "open", path="pkg") == (
        "Error: pkg is a directory. You can only open files. Use cd or ls to navigate directories.")
    runner.reset()
    assert call(runner, "goto", line_number=1) == "No file open. Use the open command first."
    assert call(runner, "search_file", search_term="x") == "No file open. Use the open command first."


def test_edits_apply_or_are_refused_with_what_they_would_have_done(runner):
    runner.reset()
    call(runner, "open", path="pkg/calc.py")
    assert call(runner, "edit", start_line=2, end_line=2, replacement_text="    return a + b\n") == (
        "File updated. Please review the changes and make sure they are correct\n"
        "(correct indentation, no duplicate lines, etc). Edit the file again if necessary.\n"
        "[File: /testbed/pkg/calc.py (6 lines total)]\n1:def add(a, b):\n2:    return a + b\n3:\n4:\n"
        "5:def sub(a, b):\n6:    return a - b")
    refused = call(runner, "insert", text="def mul(a, b:\n    return a * b", line=6)
    assert refused.startswith("Your proposed edit has introduced new syntax error(s).\nPlease read this error message")
    assert "ERRORS:\n\n- E999 SyntaxError: " in refused and "7:def mul(a, b:" in refused
    assert "This is the original code before your edit\n------------------------------------------------\n" \
        "[File: /testbed/pkg/calc.py (6 lines total)]\n1:def add(a, b):\n2:    return a + b\n" in refused
    two_spaces = call(runner, "edit", search="    return a - b", replace="  return a - b")
    assert "- E111 indentation is not a multiple of 4" in two_spaces
    assert runner.sandbox.run("cat /testbed/pkg/calc.py").output == CODE.replace("a - b", "a + b", 1)
    assert call(runner, "edit", search="a", replace="x").startswith(
        "Your edit was not applied (file not modified): Found more than one occurrence of 'a'")
    assert call(runner, "edit", search="return a", replace="return a", **{"replace-all": True}).startswith(
        "Your search and replace strings are the same.")
    assert call(runner, "edit", search="(a, b)", replace="(x, y)", **{"replace-all": True}).startswith(
        "Replaced 2 occurrences. Please review the changes")
    assert call(runner, "edit", start_line=1, end_line=1, replacement_text="x", search="a", replace="b") == EDIT_FORMS


def test_create_and_insert_write_any_text_into_a_non_python_file(runner):
    runner.reset()
    assert call(runner, "create", filename="notes/todo.md") == "[File: notes/todo.md (0 lines total)]"
    assert call(runner, "create", filename="notes/todo.md") == "Warning: File 'notes/todo.md' already exists."
    assert call(runner, "insert", text="def (\nbroken: yes\n") == (
        "[File: /testbed/notes/todo.md (2 lines total)]\n1:def (\n2:broken: yes")  # only .py files are checked
    assert runner.sandbox.run("cat /testbed/notes/todo.md").output == "def (\nbroken: yes"


def test_search_tools_count_and_list_like_swe_agent(runner):
    found = call(runner, "find_file", file_name="calc.py")
    # find's own order; hidden directories are searched (unlike search_dir)
    assert found.startswith('Found 2 matches for "calc.py" in /testbed:\n')
    assert sorted(found.splitlines()[1:]) == ["/testbed/.hidden/calc.py", "/testbed/pkg/calc.py"]
    # search_dir skips hidden paths and counts matching lines per file
    assert call(runner, "search_dir", search_term="def", dir="pkg") == (
        'Found 2 matches for "def" in /testbed/pkg:\n/testbed/pkg/calc.py (2 matches)\n'
        'End of matches for "def" in /testbed/pkg')
    assert call(runner, "search_dir", search_term="def", dir="nowhere") == "Directory nowhere not found"
    assert call(runner, "search_file", search_term="line 25", file="long.txt") == (
        'Found 2 matches for "line 25" in /testbed/long.txt:\nLine 25:line 25\nLine 250:line 250\n'
        'End of matches for "line 25" in /testbed/long.txt')
    assert call(runner, "search_file", search_term="line", file="long.txt") == (
        'More than 250 lines matched for "line" in /testbed/long.txt. Please narrow your search.')


def test_lint_errors_the_edit_did_not_introduce_are_forgiven():
    before = [LintError(3, 5, "F821 undefined name 'x'"), LintError(10, 1, "E111 indentation is not a multiple of 4"),
              LintError(20, 1, "F821 undefined name 'y'")]
    # lines 10..11 replaced by 4 lines: line 20's error moves to 22; the error inside the edit is not forgiven
    after = [LintError(3, 5, "F821 undefined name 'x'"), LintError(10, 1, "E111 indentation is not a multiple of 4"),
             LintError(22, 1, "F821 undefined name 'y'"), LintError(12, 9, "E999 SyntaxError: invalid syntax")]
    assert new_errors(before, after, (10, 11), 4) == [after[1], after[3]]
    assert new_errors(before, after, None) == after  # replace-all: every error counts
