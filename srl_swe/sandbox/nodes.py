"""What a node of a Ray cluster needs from the sandbox layer (see srl_swe.executors.NodeHooks):
the images it lacks, loaded from the driver's engine through the object store (never pulled from
a registry), and the containers of its dead workers removed."""

from __future__ import annotations

import functools

from srl_swe.executors import NodeHooks
from srl_swe.sandbox.engine import docker_client, image_exists
from srl_swe.sandbox.images import find_base
from srl_swe.sandbox.lifecycle import close_all, prune


def missing_images(tags: list[str]) -> list[str]:
    return [tag for tag in tags if not image_exists(tag)]


def save_images(tags: list[str]) -> list[bytes]:
    """Each image as a `docker save` tarball, read from this (the driver's) engine."""
    return [b"".join(docker_client().images.get(tag).save(named=True)) for tag in tags]


def load_images(tarballs: list[bytes]) -> None:
    for tarball in tarballs:
        docker_client().images.load(tarball)


def reap_orphans() -> list[str]:
    """Containers on this host whose owning process is gone (a worker killed with its node)."""
    return prune(docker_client())


def node_hooks(ray: str | None) -> NodeHooks:
    """Threads: an interrupt closes the live sandboxes. Ray: each node also gets the driver's base
    image if it lacks it (task images are built on the node, from the registry's bundles)."""
    if ray is None:
        return NodeHooks(abort=close_all)
    base = find_base()
    return NodeHooks(probe=functools.partial(missing_images, [base] if base else []), provide=save_images,
                     install=load_images, reap=reap_orphans, abort=close_all)
