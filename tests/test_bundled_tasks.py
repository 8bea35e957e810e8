"""Every task bundled in the project's tasks/ validates `ok` in a fresh sandbox (real containers)."""

from __future__ import annotations

import pytest

from srl_swe.tasks.registry import default_tasks_dir, list_tasks, load_task
from srl_swe.tasks.validate import validate_tasks

pytestmark = pytest.mark.long


def test_every_bundled_task_validates():
    tasks_dir = default_tasks_dir()
    ids = list_tasks(tasks_dir)
    if not ids:
        pytest.skip(f"no bundled tasks in {tasks_dir} yet")
    results = validate_tasks([load_task(i, tasks_dir) for i in ids], tasks_dir, workers=2, timeout=120)
    bad = [f"{r.task_id}: {r.outcome} {r.detail}" for r in results if not r.ok]
    assert not bad, "\n".join(bad)
