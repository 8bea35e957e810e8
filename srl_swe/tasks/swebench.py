"""SWE-bench / SWE-Gym / SWE-smith JSONL in and out.

Import keeps every field: known ones map onto TaskSpec, the rest go to `TaskSpec.extra`, and the
form of FAIL_TO_PASS / PASS_TO_PASS (list or JSON string) is remembered, so exporting an imported
file gives back the same records. `--image-template` names the prebuilt image of each record;
it is filled with the record's own fields, e.g. 'swebench/sweb.eval.x86_64.{instance_id}:latest'
or '{image_name}' for SWE-smith.
"""

from __future__ import annotations

import json
from pathlib import Path

from srl_swe import jsonl
from srl_swe.atomic import write_text
from srl_swe.errors import TaskError
from srl_swe.tasks.registry import list_tasks, load_task, save_task
from srl_swe.tasks.runners import get_runner
from srl_swe.tasks.spec import TaskSpec


def read_jsonl(path: Path | str, image_template: str | None = None, test_command: str | None = None,
               test_runner: str | None = None) -> list[TaskSpec]:
    """Every record of a JSONL file as a TaskSpec; TaskError naming the line of a bad record.
    `image_template`, `test_command` and `test_runner` set those fields on every record (export
    then writes them too)."""
    path = Path(path)
    specs: list[TaskSpec] = []
    for number, record in jsonl.read_jsonl(path, TaskError, "; each line must be one task record"):
        if not isinstance(record, dict) or "instance_id" not in record:
            raise TaskError(f"{path}:{number}: a task record is a JSON object with at least an instance_id.")
        spec = _with_image(TaskSpec.from_swebench(record), record, image_template, f"{path}:{number}")
        given = {key: value for key, value in (("test_command", test_command), ("test_runner", test_runner)) if value}
        if test_runner and not test_command and "test_command" not in record:
            given["test_command"] = get_runner(test_runner).default_command
        if test_runner and "test_scope" not in record:
            given["test_scope"] = "files"  # SWE-bench derives its lists from the test patch's files
        if given:
            spec = TaskSpec.model_validate(spec.model_dump(exclude_unset=True) | given)
        specs.append(spec)
    ids = [s.instance_id for s in specs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise TaskError(f"{path} holds {', '.join(dupes[:5])} more than once; instance ids must be unique.")
    return specs


def _with_image(spec: TaskSpec, record: dict, template: str | None, where: str) -> TaskSpec:
    if not template:
        return spec
    fields = {k: v for k, v in record.items() if isinstance(v, str | int | float)}
    # Docker Hub names of SWE-bench images spell '__' as '_1776_'.
    fields.setdefault("instance_id_docker", spec.instance_id.replace("__", "_1776_").lower())
    try:
        image = template.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        raise TaskError(f"{where}: --image-template {template!r} names a field the record lacks ({exc}).") from None
    data = spec.model_dump(exclude_unset=True) | {"image": image}
    return TaskSpec.model_validate(data)


def write_jsonl(specs: list[TaskSpec], path: Path | str) -> None:
    """Write SWE-bench records, one per line, atomically."""
    write_text(path, "".join(json.dumps(spec.to_swebench(), ensure_ascii=False) + "\n" for spec in specs))


def import_jsonl(
    path: Path | str,
    tasks_dir: Path | str | None = None,
    image_template: str | None = None,
    replace: bool = False,
    test_command: str | None = None,
    test_runner: str | None = None,
) -> list[TaskSpec]:
    """Register every record of a JSONL file. All records are checked before any is written."""
    specs = read_jsonl(path, image_template, test_command, test_runner)
    if not replace:
        clash = sorted(set(list_tasks(tasks_dir)) & {s.instance_id for s in specs})
        if clash:
            raise TaskError(f"{len(clash)} task(s) already registered ({', '.join(clash[:5])}); "
                            "pass --replace to overwrite them or remove them first.")
    for spec in specs:
        save_task(spec, tasks_dir, replace=replace)
    return specs


def export_jsonl(
    path: Path | str, task_ids: list[str] | None = None, tasks_dir: Path | str | None = None
) -> list[TaskSpec]:
    """Write the given tasks (all by default) as SWE-bench JSONL."""
    specs = [load_task(task_id, tasks_dir) for task_id in (task_ids or list_tasks(tasks_dir))]
    write_jsonl(specs, path)
    return specs
