"""Small tasks for evaluation tests, registered through the task layer's API: a `clamp` library
whose upper bound is ignored, fixed by one commit with a test, plus an expert trajectory."""

from __future__ import annotations

import subprocess
from pathlib import Path

from srl_swe.tasks.register import RegisterOptions, register_fix_commit
from srl_swe.tasks.registry import bundle_path, expert_path, load_task, save_task
from srl_swe.tools.actions import bash, make_action, submit
from srl_swe.trajectories.schema import Step, Trajectory, write_jsonl

BUGGY = "def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x > hi:\n        return x\n    return x\n"
FIXED = BUGGY.replace("        return x\n    return x", "        return hi\n    return x")
OLD_TEST = "from clamp import clamp\n\n\ndef test_low():\n    assert clamp(-1, 0, 5) == 0\n"
NEW_TEST = OLD_TEST + "\n\ndef test_high():\n    assert clamp(9, 0, 5) == 5\n"
ISSUE = "clamp(9, 0, 5) returns 9, but a value above the upper bound should come back as the bound (5)."


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _repo(root: Path) -> Path:
    repo = root / "clamp"
    (repo / "tests").mkdir(parents=True)
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "dev")
    for source, test, message in ((BUGGY, OLD_TEST, "clamp"), (FIXED, NEW_TEST, "Fix clamp above the upper bound")):
        (repo / "clamp.py").write_text(source)
        (repo / "tests" / "test_clamp.py").write_text(test)
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", message)
    return repo


def expert() -> list[Step]:
    fix = make_action(
        "str_replace_editor",
        {
            "command": "str_replace",
            "path": "/testbed/clamp.py",
            "old_str": "        return x\n    return x",
            "new_str": "        return hi\n    return x",
        },
    )
    return [
        Step(thought="Read the code.", action=bash("cat clamp.py")),
        Step(thought="Return hi above the bound.", action=fix),
        Step(thought="Check.", action=bash("python -m pytest -q tests")),
        Step(thought="Done.", action=submit()),
    ]


def make_clamp_tasks(root: Path, count: int = 1) -> list[str]:
    """Register `clamp-1` from a fix commit, then copies `clamp-2`.. (same repo, other ids) in
    `root/tasks`, each with an expert trajectory. Returns the ids."""
    tasks_dir = root / "tasks"
    spec = register_fix_commit(
        str(_repo(root / "src")),
        "HEAD",
        # The base image's Python and pytest: evaluation is what these tasks test, not offline installs.
        RegisterOptions(task_id="clamp-1", problem_statement=ISSUE, environment="system"),
        tasks_dir=tasks_dir,
        log=lambda _m: None,
    )
    ids = [f"clamp-{n}" for n in range(1, count + 1)]
    for task_id in ids[1:]:
        save_task(load_task("clamp-1", tasks_dir).model_copy(update={"instance_id": task_id}), tasks_dir,
                  bundle=bundle_path("clamp-1", tasks_dir))
    for task_id in ids:
        write_jsonl(
            expert_path(task_id, tasks_dir),
            [Trajectory(task_id=task_id, problem_statement=spec.problem_statement, steps=expert())],
        )
    return ids
