"""Per-task images: the base image plus the task's repo at base_commit in the workdir.

The repo comes from the task's git bundle, which holds history up to base_commit only, and the
clone is stripped of its remote and every ref but `main`, so nothing in the container reaches
the fix. `setup` commands run once at build time, as root, without network. Images are tagged
by a hash of everything that goes into them, so a task image is built once per change.
"""

from __future__ import annotations

import hashlib
import io
import shlex
import tarfile
import threading
from collections.abc import Callable
from pathlib import Path

import docker.errors

from srl_swe.errors import SandboxError, TaskError
from srl_swe.sandbox.engine import docker_client, image_exists
from srl_swe.sandbox.images import ensure_base
from srl_swe.tasks.registry import bundle_path
from srl_swe.tasks.spec import TaskSpec

TASK_REPO = "srl-swe/task"
RECIPE_VERSION = "1"  # bump when the Dockerfile below changes meaning
Log = Callable[[str], None]

_DOCKERFILE = """\
FROM {base}
USER agent
COPY --chown=agent:agent repo.bundle /tmp/repo.bundle
RUN mkdir -p {workdir} && git clone -q --no-checkout /tmp/repo.bundle {workdir} \\
 && cd {workdir} && git checkout -q -B main {commit} \\
 && git remote remove origin \\
 && git for-each-ref --format='%(refname)' | grep -vx refs/heads/main | xargs -r -n1 git update-ref -d \\
 && git reflog expire --expire=now --all && git gc -q --prune=now \\
 && test "$(git rev-parse HEAD)" = {commit} \\
 && rm /tmp/repo.bundle
USER root
{setup}
RUN chown -R agent:agent {workdir} && cd {workdir} \\
 && git status --porcelain --ignored=no | sed -n 's/^?? //p' >> .git/info/exclude
USER agent
WORKDIR {workdir}
LABEL srl_swe.built_for={task_id} srl_swe.base_commit={commit}
"""

_build_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _setup_lines(spec: TaskSpec) -> str:
    return "\n".join(f"RUN cd {shlex.quote(spec.workdir)} && {cmd}" for cmd in spec.setup)


def task_image_tag(spec: TaskSpec, bundle: Path, base: str) -> str:
    """The tag of the task image: a hash of the base tag, bundle bytes, setup, base commit and recipe."""
    h = hashlib.sha256()
    for part in (RECIPE_VERSION, _DOCKERFILE, base, spec.base_commit, spec.workdir, *spec.setup):
        h.update(part.encode())
        h.update(b"\0")
    with bundle.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return f"{TASK_REPO}:{h.hexdigest()[:16]}"


def ensure_task_image(
    spec: TaskSpec, tasks_dir: Path | str | None = None, log: Log = print, bundle: Path | None = None,
    setup_network: bool = False,
) -> str:
    """The image to run `spec` in: its prebuilt `image` as is, else the task image, built if missing.
    `bundle` overrides the registry's bundle (used while a task is being registered);
    `setup_network` lets setup commands reach the network (on a machine that has one)."""
    if spec.image:
        return spec.image
    bundle = bundle or bundle_path(spec.instance_id, tasks_dir)
    if not bundle.is_file():
        raise TaskError(f"Task {spec.instance_id!r} has neither an image nor a repo bundle ({bundle}); "
                        "re-register it with 'srl-swe tasks add' or import it with --image-template.")
    if not spec.base_commit:
        raise TaskError(f"Task {spec.instance_id!r} has no base_commit; fix its task.yaml.")
    base = ensure_base(log=log)
    tag = task_image_tag(spec, bundle, base)
    with _lock_for(tag):
        if not image_exists(tag):
            _build(spec, bundle, base, tag, log, setup_network)
    return tag


def _lock_for(tag: str) -> threading.Lock:
    with _locks_guard:
        return _build_locks.setdefault(tag, threading.Lock())


def _build(spec: TaskSpec, bundle: Path, base: str, tag: str, log: Log, setup_network: bool) -> None:
    dockerfile = _DOCKERFILE.format(
        base=base, workdir=shlex.quote(spec.workdir), commit=spec.base_commit,
        setup=_setup_lines(spec), task_id=spec.instance_id,
    )
    log(f"building {tag} for {spec.instance_id}")
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        _add(tar, "Dockerfile", dockerfile.encode())
        tar.add(str(bundle), arcname="repo.bundle")
    context.seek(0)
    try:
        docker_client().images.build(
            fileobj=context, custom_context=True, tag=tag, rm=True, forcerm=True,
            network_mode=None if setup_network else "none",
        )
    except docker.errors.BuildError as exc:
        tail = "".join(str(c.get("stream", c.get("error", ""))) for c in exc.build_log).strip().splitlines()
        raise TaskError(
            f"Building the image of {spec.instance_id!r} failed: {' | '.join(tail[-3:])[-400:]}. "
            "Check its setup commands and base_commit."
        ) from exc
    except docker.errors.APIError as exc:
        raise SandboxError(f"Docker refused to build {tag}: {exc.explanation or exc}") from exc


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
