"""The task registry on disk.

    tasks/<id>/task.yaml                  the TaskSpec
    tasks/<id>/repo.bundle                the repo's history up to base_commit only (absent for prebuilt images)
    tasks/<id>/trajectories/expert.jsonl  expert trajectories (optional)

Folders without a task.yaml (e.g. `_src/`, staging folders) are not tasks. A task is written in
a staging folder next to its final place and moved there in one `os.replace` (atomic.replacing_dir), so a failed write
leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import yaml

from srl_swe import paths
from srl_swe.atomic import remove_dir, replacing_dir, write_text
from srl_swe.errors import TaskError
from srl_swe.tasks.spec import TASK_ID, TaskSpec, parse_spec

TASK_FILE = "task.yaml"
BUNDLE_FILE = "repo.bundle"
TRAJECTORIES_DIR = "trajectories"
STAGING_PREFIX = ".staging-"


def default_tasks_dir() -> Path:
    """`SRL_SWE_TASKS_DIR`, else the project's `tasks/` next to the package."""
    return paths.tasks_dir()


def absolute_tasks_dir(tasks_dir: Path | str | None) -> str:
    """The registry as an absolute path: what a worker on another process or node is given, where
    a relative or default one would resolve elsewhere."""
    return str(_dir(tasks_dir).resolve())


def _dir(tasks_dir: Path | str | None) -> Path:
    return Path(tasks_dir) if tasks_dir is not None else default_tasks_dir()


def task_path(task_id: str, tasks_dir: Path | str | None = None) -> Path:
    """The folder of a task (whether or not it exists)."""
    if not TASK_ID.match(task_id):
        raise TaskError(f"{task_id!r} is not a task id; 'srl-swe tasks list' shows the registered ones.")
    return _dir(tasks_dir) / task_id


def bundle_path(task_id: str, tasks_dir: Path | str | None = None) -> Path:
    return task_path(task_id, tasks_dir) / BUNDLE_FILE


def expert_path(task_id: str, tasks_dir: Path | str | None = None) -> Path:
    """Where the task's expert trajectories live (the file may not exist)."""
    return task_path(task_id, tasks_dir) / TRAJECTORIES_DIR / "expert.jsonl"


def list_tasks(tasks_dir: Path | str | None = None) -> list[str]:
    """Registered task ids, sorted."""
    root = _dir(tasks_dir)
    if not root.is_dir():
        return []
    return sorted(
        child.name for child in root.iterdir()
        if child.is_dir() and not child.name.startswith((".", "_")) and (child / TASK_FILE).is_file()
    )


def load_task(task_id: str, tasks_dir: Path | str | None = None) -> TaskSpec:
    """The TaskSpec of a registered task; TaskError naming what to do if it is unknown or broken."""
    path = task_path(task_id, tasks_dir) / TASK_FILE
    if not path.is_file():
        known = list_tasks(tasks_dir)
        hint = (
            f" Known: {', '.join(known[:8])}{f' ... ({len(known)} in all)' if len(known) > 8 else ''}." if known else ""
        )
        raise TaskError(
            f"No task {task_id!r} in {_dir(tasks_dir)}; 'srl-swe tasks list' shows the registered ones.{hint}"
        )
    return read_spec(path)


def read_spec(path: Path) -> TaskSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TaskError(
            f"{path} is not valid YAML ({str(exc).splitlines()[0]}); fix or re-register the task."
        ) from None
    return parse_spec(data, where=str(path))


class _Dumper(yaml.SafeDumper):
    """Multi-line text (patches, issue text) as `|` blocks where YAML allows it; quoted otherwise."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def dump_spec(spec: TaskSpec) -> str:
    return yaml.dump(spec.to_yaml_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


@contextlib.contextmanager
def staging(task_id: str, tasks_dir: Path | str | None = None, replace: bool = False) -> Iterator[Path]:
    """A fresh folder to write a task into; on success it becomes `tasks/<id>` in one move, on any
    error it is removed and the registry is as it was."""
    final = task_path(task_id, tasks_dir)
    if final.exists() and not replace:
        raise TaskError(
            f"Task {task_id!r} already exists in {final.parent}; pick another --id or 'srl-swe tasks remove {task_id}' "
            "first."
        )
    # the staging prefix keeps half-written folders out of list_tasks
    with replacing_dir(final, prefix=f"{STAGING_PREFIX}{task_id}-") as tmp:
        (tmp / TRAJECTORIES_DIR).mkdir()
        yield tmp


def write_spec(folder: Path, spec: TaskSpec) -> None:
    """Write task.yaml into a (staging or existing) task folder, atomically."""
    write_text(folder / TASK_FILE, dump_spec(spec))


def save_task(
    spec: TaskSpec, tasks_dir: Path | str | None = None, bundle: Path | None = None, replace: bool = False
) -> Path:
    """Register `spec` (with the repo bundle file `bundle`, copied) as one atomic step."""
    with staging(spec.instance_id, tasks_dir, replace=replace) as folder:
        if bundle is not None:
            shutil.copyfile(bundle, folder / BUNDLE_FILE)
        write_spec(folder, spec)
    return task_path(spec.instance_id, tasks_dir)


def remove_task(task_id: str, tasks_dir: Path | str | None = None) -> None:
    """Delete a task folder (spec, bundle and trajectories)."""
    load_task(task_id, tasks_dir)  # unknown id: the usual message
    path = task_path(task_id, tasks_dir)
    remove_dir(path, prefix=f"{STAGING_PREFIX}rm-{task_id}-")  # gone from the registry at once
