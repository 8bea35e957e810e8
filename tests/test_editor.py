"""str_replace_editor and the ToolRunner against a real container holding a small git repo.
One container for the module: each test works on its own files, and the repo is reset between tests."""

from __future__ import annotations

import pytest

from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig
from srl_swe.tools.actions import bash, make_action, submit
from srl_swe.tools.editor import Editor
from srl_swe.tools.execute import NO_OUTPUT, ToolRunner
from tests.conftest import image_after

SOURCE = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"


def _make_repo(sb) -> None:
    setup = (
        "cd /testbed && git init -q && git config user.email t@t && git config user.name t && "
        "mkdir -p pkg/sub/deep .hidden && touch pkg/sub/deep/x.py .hidden/h pkg/sub/leaf.py"
    )
    assert sb.run(setup).exit_code == 0
    sb.write_file("/testbed/pkg/calc.py", SOURCE)
    assert sb.run("cd /testbed && git add -A && git commit -qm base").exit_code == 0


@pytest.fixture(scope="module")
def repo_box(base_image):
    # reset() returns to the image, so the repo is committed into one.
    with image_after(base_image, _make_repo) as image, DockerSandbox(DockerSandboxConfig(image=image)) as sb:
        yield sb


@pytest.fixture
def box(repo_box):
    repo_box.reset()
    return repo_box


@pytest.fixture
def editor(box):
    return Editor(box)


def test_view_file_numbers_lines_like_cat_n(editor):
    out = editor("view", "/testbed/pkg/calc.py")
    assert out.startswith("Here's the result of running `cat -n` on /testbed/pkg/calc.py:\n")
    assert "     1\tdef add(a, b):\n     2\t    return a - b\n" in out
    assert out.rstrip().endswith("     6\t    return a - b")  # no phantom line after the final newline


def test_view_range_and_its_validation(editor):
    out = editor("view", "/testbed/pkg/calc.py", view_range=[5, -1])
    assert "     5\tdef sub(a, b):" in out and "def add" not in out
    assert "     2\t" in editor("view", "/testbed/pkg/calc.py", view_range=[2, 2])
    assert "first element `9` should be within the range of lines of the file: [1, 6]" in editor(
        "view", "/testbed/pkg/calc.py", view_range=[9, 10]
    )
    assert "second element `7` should be smaller than the number of lines in the file: `6`" in editor(
        "view", "/testbed/pkg/calc.py", view_range=[1, 7]
    )
    assert "should be larger or equal than its first `4`" in editor("view", "/testbed/pkg/calc.py", view_range=[4, 2])
    assert "should be a list of two integers" in editor("view", "/testbed/pkg/calc.py", view_range=[1])


def test_view_directory_two_levels_without_hidden(editor):
    out = editor("view", "/testbed")
    assert out.startswith("Here's the files and directories up to 2 levels deep in /testbed, excluding hidden items:")
    assert "/testbed/pkg/calc.py" in out and "/testbed/pkg/sub" in out
    assert "/testbed/pkg/sub/leaf.py" not in out  # three levels deep
    assert ".hidden" not in out and ".git" not in out
    assert "not allowed when `path` points to a directory" in editor("view", "/testbed", view_range=[1, 2])


def test_create_then_refuse_overwrite(editor, box):
    assert (
        editor("create", "/testbed/new/mod.py", file_text="x = 1\n")
        == "File created successfully at: /testbed/new/mod.py"
    )
    assert box.read_file("/testbed/new/mod.py") == b"x = 1\n"
    assert box.run("stat -c %U /testbed/new/mod.py").output.strip() == "agent"
    again = editor("create", "/testbed/new/mod.py", file_text="y = 2\n")
    assert again == "File already exists at: /testbed/new/mod.py. Cannot overwrite files using command `create`."
    assert editor("create", "/testbed/other.py") == "Parameter `file_text` is required for command: create"


def test_str_replace_once_with_snippet(editor, box):
    out = editor(
        "str_replace",
        "/testbed/pkg/calc.py",
        old_str="def add(a, b):\n    return a - b",
        new_str="def add(a, b):\n    return a + b",
    )
    assert out.startswith(
        "The file /testbed/pkg/calc.py has been edited. Here's the result of running `cat -n` on a snippet of "
        "/testbed/pkg/calc.py:"
    )
    assert "     2\t    return a + b" in out
    assert out.endswith("Review the changes and make sure they are as expected. Edit the file again if necessary.")
    assert box.read_file("/testbed/pkg/calc.py").decode() == SOURCE.replace("a - b", "a + b", 1)


def test_str_replace_counts_occurrences_and_lines(editor, box):
    out = editor("str_replace", "/testbed/pkg/calc.py", old_str="return a - b", new_str="return 0")
    assert out == (
        "No replacement was performed. Multiple occurrences of old_str `return a - b` (2 times) in lines [2, 6]. "
        "Please ensure it is unique"
    )
    missing = editor("str_replace", "/testbed/pkg/calc.py", old_str="nowhere", new_str="x")
    assert missing == "No replacement was performed, old_str `nowhere` did not appear verbatim in /testbed/pkg/calc.py."
    assert box.read_file("/testbed/pkg/calc.py").decode() == SOURCE
    assert editor("str_replace", "/testbed/pkg/calc.py") == "Parameter `old_str` is required for command: str_replace"


def test_insert_after_line_and_range(editor, box):
    out = editor("insert", "/testbed/pkg/calc.py", insert_line=2, new_str="    # done")
    assert "     3\t    # done" in out and "(correct indentation, no duplicate lines, etc)" in out
    assert box.read_file("/testbed/pkg/calc.py").decode().splitlines()[2] == "    # done"
    editor("insert", "/testbed/pkg/calc.py", insert_line=0, new_str="import os")
    text = box.read_file("/testbed/pkg/calc.py").decode()
    assert text.startswith("import os\ndef add") and text.endswith("return a - b\n")
    bad = editor("insert", "/testbed/pkg/calc.py", insert_line=99, new_str="x")
    assert bad == "Invalid `insert_line` parameter: 99. It should be within the range of lines of the file: [0, 8]"
    assert (
        editor("insert", "/testbed/pkg/calc.py", new_str="x")
        == "Parameter `insert_line` is required for command: insert"
    )
    assert (
        editor("insert", "/testbed/pkg/calc.py", insert_line=1) == "Parameter `new_str` is required for command: insert"
    )


def test_undo_edit_per_path_history(editor, box):
    assert editor("undo_edit", "/testbed/pkg/calc.py") == "No edit history found for /testbed/pkg/calc.py."
    editor("str_replace", "/testbed/pkg/calc.py", old_str="def add", new_str="def plus")
    editor("str_replace", "/testbed/pkg/calc.py", old_str="def sub", new_str="def minus")
    editor("create", "/testbed/made.py", file_text="z = 3\n")
    first = editor("undo_edit", "/testbed/pkg/calc.py")
    assert first.startswith("Last edit to /testbed/pkg/calc.py undone successfully.")
    assert "def plus" in box.read_file("/testbed/pkg/calc.py").decode()
    assert "def sub" in box.read_file("/testbed/pkg/calc.py").decode()
    editor("undo_edit", "/testbed/pkg/calc.py")
    assert box.read_file("/testbed/pkg/calc.py").decode() == SOURCE
    assert "The file it created was removed" in editor("undo_edit", "/testbed/made.py")
    assert box.run("test -e /testbed/made.py").exit_code == 1


def test_path_errors(editor, box):
    assert editor("view", "pkg/calc.py") == (
        "The path pkg/calc.py is not an absolute path, it should start with `/`. Maybe you meant /testbed/pkg/calc.py?"
    )
    assert (
        editor("view", "/testbed/nope.py") == "The path /testbed/nope.py does not exist. Please provide a valid path."
    )
    assert editor("str_replace", "/testbed/pkg", old_str="a", new_str="b") == (
        "The path /testbed/pkg is a directory and only the `view` command can be used on directories"
    )
    outside = editor("create", "/tmp/evil.py", file_text="x")
    assert outside == "The path /tmp/evil.py is outside the repository /testbed; only files inside it can be edited."
    box.run("ln -s /etc /testbed/etc_link")
    assert "outside the repository" in editor("create", "/testbed/etc_link/x", file_text="x")
    assert "outside the repository" in editor("create", "/testbed/../tmp/x", file_text="x")
    assert editor("view", "/etc/hostname").startswith("Here's the result of running `cat -n` on /etc/hostname")
    assert "not readable by the sandbox user" in editor("view", "/etc/shadow")
    assert editor("delete", "/testbed/pkg/calc.py").startswith("Unrecognized command 'delete'.")


def test_binary_files_are_refused_for_edits(editor, box):
    box.write_file("/testbed/blob.bin", b"\xff\xfe\x00abc")
    assert "is not UTF-8 text" in editor("str_replace", "/testbed/blob.bin", old_str="abc", new_str="x")
    assert "Here's the result of running `cat -n`" in editor("view", "/testbed/blob.bin")


def test_runner_bash_submit_and_editor(box):
    runner = ToolRunner(box, command_timeout=2)
    assert runner.run(bash("true")).observation == NO_OUTPUT
    failed = runner.run(bash("echo oops; (exit 3)"))
    assert failed.observation == "oops\n[exit code 3]" and failed.exit_code == 3 and not failed.submitted
    slow = runner.run(bash("sleep 100"))
    assert slow.timed_out and "did not finish within 2 seconds and was interrupted" in slow.observation
    assert runner.run(bash("echo alive")).observation == "alive"
    binary = runner.run(bash("printf 'a\\x00b\\x01c\\xff'"))
    assert binary.observation.startswith("a\\x00b\\x01c") and "\x00" not in binary.observation
    edit = make_action(
        "str_replace_editor",
        {
            "command": "str_replace",
            "path": "/testbed/pkg/calc.py",
            "old_str": "def add(a, b):\n    return a - b",
            "new_str": "def add(a, b):\n    return a + b",
        },
    )
    assert "has been edited" in runner.run(edit).observation
    done = runner.run(submit())
    assert done.submitted and done.diff == done.observation
    assert "-    return a - b\n+    return a + b" in done.diff


def test_long_views_are_clipped_with_a_note(editor, box):
    box.write_file("/testbed/big.py", "".join(f"x_{i} = {i}\n" for i in range(5000)))
    out = editor("view", "/testbed/big.py")
    assert "<response clipped><NOTE>To save on context only part of this file has been shown" in out
    assert len(out) < 30000 and "     1\tx_0 = 0" in out
    assert "  4000\tx_3999 = 3999" in editor("view", "/testbed/big.py", view_range=[4000, 4001])


def test_edits_keep_the_file_mode(editor, box):
    box.write_file("/testbed/run.sh", "#!/bin/sh\necho one\n")
    box.run("chmod 755 /testbed/run.sh")
    editor("str_replace", "/testbed/run.sh", old_str="echo one", new_str="echo two")
    editor("insert", "/testbed/run.sh", insert_line=2, new_str="echo three")
    assert box.run("stat -c '%a %U' /testbed/run.sh && /testbed/run.sh").output == "755 agent\ntwo\nthree\n"
    editor("undo_edit", "/testbed/run.sh")
    assert box.run("stat -c %a /testbed/run.sh && /testbed/run.sh").output == "755\ntwo\n"
    assert box.run("ls -A /tmp | grep -c srl_swe_edit").output.strip() == "0"  # staged copies are removed


def test_large_files_round_trip_exactly(editor, box):
    text = "".join(f"line {i} \u00e9\t\u4e2d\n" for i in range(20000))  # beyond one command's output cap
    box.write_file("/testbed/large.txt", text)
    editor("str_replace", "/testbed/large.txt", old_str="line 19999 ", new_str="last ")
    assert box.read_file("/testbed/large.txt").decode() == text.replace("line 19999 ", "last ")
