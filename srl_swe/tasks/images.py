"""Per-task images: the base image plus the task's repo at base_commit in the workdir.

The repo comes from the task's git bundle, which holds history up to base_commit only, and the
clone is stripped of its remote and every ref but `main`, so nothing in the container reaches
the fix. `setup` commands run once at build time, as root, without network. Images are tagged
by a hash of everything that goes into them, so a task image is built once per change.

A spec with `environment: venv` gets a clean virtualenv at VENV_DIR, first on PATH, filled offline
from the task's wheelhouse (resolved on the host, see wheelhouse.py): the requirements that are not
the repo itself, then the `install` commands, as `agent` in the workdir, with the wheelhouse as the
only index. The wheelhouse stays in the image at WHEELS_DIR and the venv's pip.conf points there,
so an agent's `pip install` answers at once from it instead of waiting on a network it has not.
`setup` runs after the install, as root, with the venv on PATH. Python's system packages (Debian's
pytest and the like) are not visible from the venv.
"""

from __future__ import annotations

import hashlib
import io
import shlex
import tarfile
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import docker.errors

from srl_swe.errors import SandboxError, TaskCheckFailed, TaskError
from srl_swe.sandbox.engine import docker_client, image_exists
from srl_swe.sandbox.images import ensure_base, find_base
from srl_swe.tasks import gitrepo
from srl_swe.tasks.install import WHEELS_DIR, is_repo_requirement, requirement_args
from srl_swe.tasks.registry import bundle_path
from srl_swe.tasks.spec import VENV_DIR, TaskSpec
from srl_swe.tasks.wheelhouse import WHEELHOUSE_VERSION, ensure_wheelhouse, image_target, pip_failure

TASK_REPO = "srl-swe/task"
RECIPE_VERSION = "1"  # bump when the Dockerfile below changes meaning
Log = Callable[[str], None]

# The repo at base_commit from the bundle, with no ref or object that could reach the fix.
_CLONE = """\
USER agent
COPY --chown=agent:agent repo.bundle /tmp/repo.bundle
RUN mkdir -p {workdir} && git clone -q --no-checkout /tmp/repo.bundle {workdir} \\
 && cd {workdir} && git checkout -q -B main {commit} \\
 && git remote remove origin \\
 && git for-each-ref --format='%(refname)' | grep -vx refs/heads/main | xargs -r -n1 git update-ref -d \\
 && git reflog expire --expire=now --all && git gc -q --prune=now \\
 && test "$(git rev-parse HEAD)" = {commit} \\
 && rm /tmp/repo.bundle
"""
_DOCKERFILE = """\
FROM {base}
""" + _CLONE + """\
USER root
{setup}
RUN chown -R agent:agent {workdir} && cd {workdir} \\
 && git status --porcelain --ignored=no | sed -n 's/^?? //p' >> .git/info/exclude
USER agent
WORKDIR {workdir}
LABEL srl_swe.built_for={task_id} srl_swe.base_commit={commit}
"""

# The venv recipe. What does not depend on the repo's files (the wheelhouse, the venv, pip and
# requirements that name no file) comes before the clone, so tasks of one repo that share a
# wheelhouse (other commits, synthesized bugs) reuse those layers from Docker's cache and only
# clone and install the repo itself (the venv's files are chowned only where setup left them
# root's: a chown of every file would copy the whole venv into each task's layer). Install steps
# carry the marker INSTALL_MARK, so a failed build can be told apart as an install_error. PIP_* are
# set on those steps only: setup (maybe with network) keeps pip's defaults.
INSTALL_MARK = "srl-swe-install"
_PIP_OFFLINE = f"export PIP_NO_INDEX=1 PIP_FIND_LINKS={WHEELS_DIR} PIP_DISABLE_PIP_VERSION_CHECK=1"
_VENV_DOCKERFILE = """\
FROM {base}
USER root
COPY wheels {wheels}
RUN python3 -m venv --without-pip {venv} && chown -R agent:agent {venv}
ENV VIRTUAL_ENV={venv} PATH={venv}/bin:$PATH
USER agent
RUN : {mark} && {pip_offline} && python "$(ls {wheels}/pip-*.whl | sort -V | tail -n1)/pip" install -q pip
{requirements}
""" + _CLONE + """\
{install}
USER root
{setup}
RUN chown -R agent:agent {workdir} && find {venv} ! -user agent -exec chown agent:agent {{}} + \\
 && printf '[global]\\nno-index = true\\nfind-links = {wheels}\\n' > {venv}/pip.conf \\
 && cd {workdir} && git status --porcelain --ignored=no | sed -n 's/^?? //p' >> .git/info/exclude
USER agent
WORKDIR {workdir}
LABEL srl_swe.built_for={task_id} srl_swe.base_commit={commit} srl_swe.environment=venv
"""

_build_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _setup_lines(spec: TaskSpec) -> str:
    return "\n".join(f"RUN cd {shlex.quote(spec.workdir)} && {cmd}" for cmd in spec.setup)


def _install_lines(spec: TaskSpec) -> tuple[str, str]:
    """The venv's install steps (before the clone, after it): the requirements that are not the
    repo (before the clone unless one is an option line such as `-r requirements.txt`, which may
    name a file of the repo), then `install`, in the workdir."""
    wheelhouse_reqs = [req for req in spec.requirements if not is_repo_requirement(req)]
    commands = [f"python -m pip install -q {shlex.join(requirement_args(wheelhouse_reqs))}"] if wheelhouse_reqs else []
    if commands and not any(req.lstrip().startswith("-") for req in wheelhouse_reqs):
        return _run_lines(commands, None), _run_lines(spec.install, spec.workdir)
    return "", _run_lines([*commands, *spec.install], spec.workdir)


def _run_lines(commands: list[str], workdir: str | None) -> str:
    cd = f"cd {shlex.quote(workdir)} && " if workdir else ""
    return "\n".join(f"RUN : {INSTALL_MARK} && {cd}{_PIP_OFFLINE} && {cmd}" for cmd in commands)


def task_image_tag(spec: TaskSpec, bundle: Path, base: str) -> str:
    """The tag of the task image: a hash of the base tag, bundle bytes, setup, base commit and recipe;
    for a venv spec also the venv recipe, requirements and install commands. Those, the bundle
    (which holds the repo's dependency files) and the base image (its Python) are what the
    wheelhouse key is made of, so the tag follows the wheelhouse without cloning the bundle."""
    parts = [RECIPE_VERSION, _DOCKERFILE, base, spec.base_commit, spec.workdir, *spec.setup]
    if spec.environment == "venv":  # a system spec hashes exactly what it did before venvs existed
        parts += ["environment=venv", _VENV_DOCKERFILE, WHEELHOUSE_VERSION, "requirements", *spec.requirements,
                  "install", *spec.install]
    h = hashlib.sha256()
    for part in parts:
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
    fields = dict(base=base, workdir=shlex.quote(spec.workdir), commit=spec.base_commit,
                  setup=_setup_lines(spec), task_id=spec.instance_id)
    if spec.environment == "venv":
        wheels = _wheelhouse(spec, bundle, base, log)
        requirements, install = _install_lines(spec)
        dockerfile = _VENV_DOCKERFILE.format(**fields, wheels=WHEELS_DIR, venv=VENV_DIR, mark=INSTALL_MARK,
                                             pip_offline=_PIP_OFFLINE, requirements=requirements, install=install)
    else:
        wheels, dockerfile = None, _DOCKERFILE.format(**fields)
    log(f"building {tag} for {spec.instance_id}")
    with tempfile.TemporaryFile() as context:  # a wheelhouse can be large: the context goes to disk, not memory
        with tarfile.open(fileobj=context, mode="w") as tar:
            _add(tar, "Dockerfile", dockerfile.encode())
            tar.add(str(bundle), arcname="repo.bundle")
            if wheels is not None:
                tar.add(str(wheels), arcname="wheels", filter=_readable)
        context.seek(0)
        try:
            docker_client().images.build(
                fileobj=context, custom_context=True, tag=tag, rm=True, forcerm=True,
                network_mode=None if setup_network else "none",
            )
        except docker.errors.BuildError as exc:
            raise _build_failure(spec, exc) from exc
        except docker.errors.APIError as exc:
            raise SandboxError(f"Docker refused to build {tag}: {exc.explanation or exc}") from exc


def _wheelhouse(spec: TaskSpec, bundle: Path, base: str, log: Log) -> Path:
    """The spec's wheelhouse, resolved from the repo at base_commit checked out of the bundle."""
    with tempfile.TemporaryDirectory(prefix="srl-swe-resolve-") as tmp:
        repo = gitrepo.clone(str(bundle), Path(tmp) / "repo")
        gitrepo.git(
            ["checkout", "-q", spec.base_commit], repo, f"Cannot check out {spec.base_commit[:12]} from the bundle"
        )
        return ensure_wheelhouse(spec, repo, log, target=image_target(base))


def _readable(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Wheels enter the image root-owned and world-readable, whatever the cache's modes."""
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mode = 0o755 if info.isdir() else 0o644
    return info


def _build_failure(spec: TaskSpec, exc: docker.errors.BuildError) -> TaskError:
    """install_error with pip's own line when an install step failed; else the build's tail."""
    log_text = "".join(str(c.get("stream", c.get("error", ""))) for c in exc.build_log)
    step = log_text[log_text.rfind("Step "):] if "Step " in log_text else log_text
    if INSTALL_MARK in step.split("\n", 1)[0] or INSTALL_MARK in str(exc.msg):
        return TaskCheckFailed("install_error", pip_failure(step),
                               "Pass --install CMD or --requirement REQ to change how the repo is installed")
    tail = log_text.strip().splitlines()
    return TaskError(
        f"Building the image of {spec.instance_id!r} failed: {' | '.join(tail[-3:])[-400:]}. "
        "Check its setup commands and base_commit."
    )


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def describe_image(spec: TaskSpec, tasks_dir: Path | str | None = None) -> str:
    """Where the task runs, in words, without building anything: its prebuilt image, or its task
    image's tag and whether that is built yet."""
    if spec.image:
        return f"{spec.image} (prebuilt, used as is)"
    bundle = bundle_path(spec.instance_id, tasks_dir)
    if not bundle.is_file():
        return "none: neither an image nor a repo bundle"
    base = find_base()
    if base is None:
        return "not built (no base image yet: 'srl-swe images build-base')"
    tag = task_image_tag(spec, bundle, base)
    return f"{tag} ({'built' if image_exists(tag) else 'not built yet'})"
