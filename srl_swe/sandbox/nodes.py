"""What a node of a Ray cluster needs from the sandbox layer (see srl_swe.executors.NodeHooks):
the images it lacks, loaded from the driver's engine through the object store (never pulled from
a registry), the folders its workers read (the task registry) where the node lacks them, and the
containers of its dead workers removed."""

from __future__ import annotations

import functools
import io
import tarfile
from collections.abc import Sequence
from pathlib import Path

from srl_swe.atomic import replacing_dir
from srl_swe.executors import NodeHooks
from srl_swe.sandbox.engine import docker_client, image_exists
from srl_swe.sandbox.images import find_base
from srl_swe.sandbox.lifecycle import close_all, prune

IMAGE, FOLDER = "image:", "folder:"  # what a missing thing is, in the names probe gives provide


def missing(tags: list[str], folders: list[str]) -> list[str]:
    """On a node: the images and folders (absolute paths) it lacks, as names for provide."""
    return ([IMAGE + tag for tag in tags if not image_exists(tag)]
            + [FOLDER + folder for folder in folders if not Path(folder).is_dir()])


def provide(names: list[str]) -> list[tuple[str, bytes]]:
    """On the driver: each missing image as a `docker save` tarball, each folder as a tar of its files."""
    return [(name, _save_image(name.removeprefix(IMAGE)) if name.startswith(IMAGE)
             else _tar_folder(name.removeprefix(FOLDER))) for name in names]


def install(payloads: list[tuple[str, bytes]]) -> None:
    """On the node: load the images; put each folder at its path in one move (a copy another
    worker of the node put there first is kept)."""
    for name, data in payloads:
        if name.startswith(IMAGE):
            docker_client().images.load(data)
            continue
        with replacing_dir(name.removeprefix(FOLDER), keep_theirs=lambda _path: True) as staging, \
                tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(staging, filter="data")


def _save_image(tag: str) -> bytes:
    return b"".join(docker_client().images.get(tag).save(named=True))


def _tar_folder(folder: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(Path(folder).iterdir()):
            tar.add(path, arcname=path.name)
    return buffer.getvalue()


def reap_orphans() -> list[str]:
    """Containers on this host whose owning process is gone (a worker killed with its node)."""
    return prune(docker_client())


def node_hooks(ray: str | None, folders: Sequence[str] = ()) -> NodeHooks:
    """Threads: an interrupt closes the live sandboxes. Ray: each node also gets the driver's base
    image if it lacks it (task images are built on the node, from the registry's bundles), and each
    of `folders` (absolute paths its workers read: the task registry) where it has no such path."""
    if ray is None:
        return NodeHooks(abort=close_all)
    base = find_base()
    return NodeHooks(probe=functools.partial(missing, [base] if base else [], list(folders)), provide=provide,
                     install=install, reap=reap_orphans, abort=close_all)
