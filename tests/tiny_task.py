"""A tiny task registered through the task layer's API, with an expert recorded by the recorder:
a repo whose `add` subtracts, a hidden test that catches it, and a five-step expert.
Commit dates are fixed so the bundle (and so the task image) is the same on every run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from srl_swe.agents.record import record_actions, save_expert
from srl_swe.tasks.registry import expert_path, save_task
from srl_swe.tasks.spec import TaskSpec

TASK_ID = "tiny-calc"
SOURCE = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"
TESTS = "from calc import sub\n\n\ndef test_sub():\n    assert sub(5, 3) == 2\n"
TEST_PATCH = "\n".join([
    "diff --git a/test_calc.py b/test_calc.py",
    "--- a/test_calc.py",
    "+++ b/test_calc.py",
    "@@ -1,5 +1,9 @@",
    "-from calc import sub",
    "+from calc import add, sub",
    " ",
    " ",
    " def test_sub():",
    "     assert sub(5, 3) == 2",
    "+",
    "+",
    "+def test_add():",
    "+    assert add(2, 3) == 5",
    "",
])

EXPERT_STEPS = [
    ("Look at the repository first.", "<function=bash>\n<parameter=command>ls</parameter>\n</function>"),
    (
        "Read the module.",
        "<function=str_replace_editor>\n<parameter=command>view</parameter>\n<parameter=path>/testbed/calc.py</parameter>\n</function>",
    ),
    (
        "Reproduce.",
        "<function=bash>\n<parameter=command>python -c 'from calc import add; print(add(2, "
        "3))'</parameter>\n</function>",
    ),
    (
        "add subtracts; fix it.",
        "<function=str_replace_editor>\n<parameter=command>str_replace</parameter>\n<parameter=path>"
        "/testbed/calc.py</parameter>\n<parameter=old_str>def add(a, b):\n    return a - b</parameter>\n"
        "<parameter=new_str>def add(a, b):\n    return a + b</parameter>\n</function>",
    ),
    (
        "Check.",
        "<function=bash>\n<parameter=command>python -c 'from calc import add; print(add(2, "
        "3))'</parameter>\n</function>",
    ),
    ("Done.", "<function=submit>\n</function>"),
]


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def make_tiny_task(tasks_dir: Path, work: Path, with_expert: bool = True) -> str:
    """Register TASK_ID in `tasks_dir` (and record its expert); returns the task id."""
    repo = work / "repo"
    repo.mkdir(parents=True)
    (repo / "calc.py").write_text(SOURCE)
    (repo / "test_calc.py").write_text(TESTS)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD").strip()
    bundle = work / "repo.bundle"
    _git(repo, "bundle", "create", "-q", str(bundle), "main")
    spec = TaskSpec(
        instance_id=TASK_ID, repo="local/tiny-calc", base_commit=base, problem_statement="add(2, 3) returns -1, not 5.",
        test_patch=TEST_PATCH, FAIL_TO_PASS=["test_calc.py::test_add"], PASS_TO_PASS=["test_calc.py::test_sub"],
    )
    save_task(spec, tasks_dir, bundle=bundle)
    if with_expert:
        trajectory = record_actions(TASK_ID, EXPERT_STEPS, tasks_dir=tasks_dir)
        assert trajectory.outcome.resolved, trajectory.outcome.diff
        save_expert(trajectory, tasks_dir)
        assert expert_path(TASK_ID, tasks_dir).is_file()
    return TASK_ID
