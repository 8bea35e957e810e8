"""What a node of a Ray cluster needs from the sandbox layer (see srl_swe.executors.NodeHooks):
the images it lacks, loaded from the driver's engine through the object store (never pulled from
a registry), the folders its workers read (the task registry) where the node lacks them or holds
another version of them, and the containers of its dead workers removed."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from srl_swe.atomic import replacing_dir
from srl_swe.executors import NodeHooks
from srl_swe.folders import tar_folder, untar_into
from srl_swe.sandbox.engine import docker_client, image_exists
from srl_swe.sandbox.images import find_base
from srl_swe.sandbox.lifecycle import close_all, prune

IMAGE, FOLDER = "image:", "folder:"  # what a missing thing is, in the names probe gives provide
# In a folder shipped to a node: the digest of the driver's copy it was made from, then its own
# as unpacked (which differs: the files' times are the archive's), so a copy changed since is seen.
SHIPPED = ".srl-swe-shipped"


def digest(folder: str | Path) -> str:
    """A folder's version, from a walk of its files' names, sizes and modification times (stats
    only: a registry's bundles are not read). '' when there is no such folder."""
    root = Path(folder)
    if not root.is_dir():
        return ""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            if rel == SHIPPED:
                continue
            st = path.lstat()
            h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def stale(folder: str | Path, driver_digest: str) -> bool:
    """Whether a node needs the driver's copy of `folder`: it has none, or one that an earlier run
    shipped from another version (or that changed since). A folder of the node's own (a shared file
    system, a copy put there by hand) has no marker and is used as it is: it is never replaced."""
    path = Path(folder)
    if not path.is_dir():
        return True
    marker = path / SHIPPED
    return marker.is_file() and marker.read_text() != f"{driver_digest} {digest(path)}"


def missing(tags: list[str], folders: dict[str, str]) -> list[str]:
    """On a node: the images it lacks and the folders (absolute path: the driver's digest) it
    needs the driver's copy of, as names for provide."""
    return ([IMAGE + tag for tag in tags if not image_exists(tag)]
            + [FOLDER + folder for folder, want in folders.items() if stale(folder, want)])


def provide(names: list[str]) -> list[tuple[str, bytes]]:
    """On the driver: each missing image as a `docker save` tarball, each folder as a tar of its files."""
    return [(name, _save_image(name.removeprefix(IMAGE)) if name.startswith(IMAGE)
             else tar_folder(name.removeprefix(FOLDER))) for name in names]


def install(folders: dict[str, str], payloads: list[tuple[str, bytes]]) -> None:
    """On the node: load the images; put each folder at its path in one move, in place of a stale
    shipped copy (what another worker of the node put there first meanwhile is kept)."""
    for name, data in payloads:
        if name.startswith(IMAGE):
            docker_client().images.load(data)
            continue
        folder = name.removeprefix(FOLDER)
        want = folders[folder]
        with replacing_dir(folder, keep_theirs=lambda path, want=want: not stale(path, want)) as staging:
            untar_into(data, staging)
            (staging / SHIPPED).write_text(f"{want} {digest(staging)}")


def _save_image(tag: str) -> bytes:
    return b"".join(docker_client().images.get(tag).save(named=True))


def reap_orphans() -> list[str]:
    """Containers on this host whose owning process is gone (a worker killed with its node)."""
    return prune(docker_client())


def node_hooks(ray: str | None, folders: Sequence[str] = ()) -> NodeHooks:
    """Threads: an interrupt closes the live sandboxes. Ray: each node also gets the driver's base
    image if it lacks it (task images are built on the node, from the registry's bundles), and each
    of `folders` (absolute paths its workers read: the task registry) where it has no such path, or
    another version of it (a copy shipped by an earlier run, the registry changed since)."""
    if ray is None:
        return NodeHooks(abort=close_all)
    base = find_base()
    versions = {folder: digest(folder) for folder in folders}
    return NodeHooks(probe=functools.partial(missing, [base] if base else [], versions), provide=provide,
                     install=functools.partial(install, versions), reap=reap_orphans, abort=close_all)
