"""The bundled tasks and experts in tasks/ are in step with their sources in tasks/_src/ (no Docker):
each definition is registered with the same base commit, patches and issue text, and its recorded
expert holds exactly the actions of its expert script. A mismatch means someone edited a source
without rerunning `tasks/_src/build.py --all`."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import pytest

from srl_swe.agents.record import parse_steps
from srl_swe.tasks.registry import expert_path
from srl_swe.trajectories.schema import read_jsonl

BUILD = Path(__file__).resolve().parents[1] / "tasks" / "_src" / "build.py"


def _load_build():
    spec = importlib.util.spec_from_file_location("bundled_tasks_build", BUILD)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


build = _load_build()
DEFS = build.load_defs(None)
REBUILD = "rerun `.venv/bin/python tasks/_src/build.py --all`"


def test_at_least_twelve_tasks_over_four_libraries():
    assert len(DEFS) >= 12
    assert len({task.library for task in DEFS}) >= 4


@pytest.mark.parametrize("task", DEFS, ids=lambda t: t.id)
def test_registered_task_matches_its_definition(task):
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / task.library
        base, fix = build.make_repo(task, repo)
        assert build.is_current(task, repo, base, fix), f"tasks/{task.id} is stale or missing; {REBUILD}"


@pytest.mark.parametrize("task", DEFS, ids=lambda t: t.id)
def test_recorded_expert_matches_its_script(task):
    wanted = [action for _, action in parse_steps(build.expert_steps(task.id))]
    assert 6 <= len(wanted) <= 20
    assert wanted[-1].name == "submit"
    path = expert_path(task.id, build.TASKS_DIR)
    assert path.is_file(), f"no recorded expert for {task.id}; {REBUILD}"
    recorded = list(read_jsonl(path))
    assert len(recorded) == 1 and recorded[0].outcome.resolved is True
    assert [step.action for step in recorded[0].steps] == wanted, f"{path} is stale; {REBUILD}"
    # The expert works from the issue alone: its scripted edits never touch the hidden tests.
    edited = [
        a.arguments["path"] for a in wanted if a.name == "str_replace_editor" and a.arguments["command"] != "view"
    ]
    assert not [p for p in edited if "/tests/" in p]
