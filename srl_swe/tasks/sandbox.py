"""A sandbox for a task: its image, its workdir, the usual isolation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig
from srl_swe.tasks.images import ensure_task_image
from srl_swe.tasks.spec import TaskSpec


def _quiet(_message: str) -> None:
    pass


def task_sandbox(
    spec: TaskSpec, tasks_dir: Path | str | None = None, log: Callable[[str], None] = _quiet, **config_overrides
) -> DockerSandbox:
    """A started DockerSandbox for `spec` (the caller closes it, or uses `with`). The task image is
    built first if missing. `config_overrides` are DockerSandboxConfig fields (memory, cpus, ...).
    Prebuilt images (SWE-bench, SWE-smith) have no `agent` user, so they run as root unless told."""
    image = ensure_task_image(spec, tasks_dir, log=log)
    options = {"workdir": spec.workdir, **({"user": "root"} if spec.image else {}), **config_overrides}
    return DockerSandbox(DockerSandboxConfig(image=image, **options))
