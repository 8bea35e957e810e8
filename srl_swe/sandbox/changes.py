"""Which paths of a container's filesystem an episode added, changed or deleted, and where the
image's own copy of each lies.

Two sources. `OverlayLayers` reads the container's overlay2 layers on the host when the engine
is local and they are readable: the upper dir holds exactly the paths written since the start
(a walk costs about a millisecond), and the lower dirs are the image's pristine files. Otherwise
`engine_changes` asks the engine (`docker diff`), which has no pristine copies to offer and, on
engines without native overlay diff, walks the whole root filesystem (about as slow as starting a
new container)."""

from __future__ import annotations

import functools
import os
import posixpath
import stat
from dataclasses import dataclass

_OVERLAY_XATTRS = ("trusted.overlay.opaque", "trusted.overlay.redirect", "user.overlay.opaque", "user.overlay.redirect")
_KINDS = {0: "C", 1: "A", 2: "D"}


@dataclass(frozen=True)
class Entry:
    """One path in the container's upper layer. `signature` changes whenever the path is written
    (inode and ctime, which the agent cannot set back), so an entry equal to the one recorded
    after the last reset is clean."""

    path: str
    kind: str  # "whiteout" (deleted), "dir", "file" (regular, symlink, fifo...), "special" (overlay metadata)
    signature: tuple[int, int]


class OverlayLayers:
    """A container's overlay2 upper dir and the image's lower dirs, read from the host."""

    def __init__(self, upper: str, lowers: list[str]):
        self.upper = upper
        self.lowers = lowers

    @classmethod
    def of(cls, client, container_id: str) -> OverlayLayers | None:
        """The layers when this process can read them (local engine, overlay2, no user namespace
        remapping, root on the host); None otherwise."""
        if not client.api.base_url.startswith("http+docker://localhost"):
            return None
        graph = client.api.inspect_container(container_id)["GraphDriver"]
        data = graph.get("Data") or {}
        if graph.get("Name") != "overlay2" or not data.get("UpperDir") or not data.get("LowerDir"):
            return None
        if any("name=userns" in opt for opt in _security_options(client)):
            return None
        layers = cls(data["UpperDir"], data["LowerDir"].split(":"))
        return layers if layers._readable() else None

    def _readable(self) -> bool:
        # Root: the kernel hides trusted.* attributes (opaque dirs) from anyone else without a word.
        return os.geteuid() == 0 and all(os.access(d, os.R_OK | os.X_OK) for d in (self.upper, *self.lowers))

    # -- the upper layer ------------------------------------------------------------------------------
    def walk(self) -> dict[str, Entry]:
        """Every path in the upper layer, by container path."""
        entries: dict[str, Entry] = {}
        stack = [""]
        while stack:
            rel = stack.pop()
            with os.scandir(self.upper + rel) as it:
                for item in it:
                    path = f"{rel}/{item.name}"
                    st = item.stat(follow_symlinks=False)
                    kind = _kind(item.path, st)
                    entries[path] = Entry(path, kind, (st.st_ino, st.st_ctime_ns))
                    if kind == "dir":
                        stack.append(path)
        return entries

    # -- the image's copy -----------------------------------------------------------------------------
    def pristine(self, path: str) -> str | None:
        """The host path of `path` as the image has it, or None when the image lacks it."""
        for layer in self.lowers:
            full = layer + path
            try:
                st = os.lstat(full)
            except FileNotFoundError:
                if self._hidden_below(layer, path):
                    return None
                continue
            return None if _is_whiteout(st) else full
        return None

    def _hidden_below(self, layer: str, path: str) -> bool:
        """True when this layer hides `path` in the layers below it: an ancestor is a whiteout,
        or an opaque directory."""
        parent = posixpath.dirname(path)
        while parent != "/":
            full = layer + parent
            try:
                st = os.lstat(full)
            except FileNotFoundError:
                parent = posixpath.dirname(parent)
                continue
            return _is_whiteout(st) or _overlay_marked(full)
        return False

    def tree(self, path: str) -> list[tuple[str, str]] | None:
        """(container path, host path) of `path` and everything under it as the image has it,
        parents first; None when a layer below marks part of it in a way this cannot merge."""
        seen: dict[str, str] = {}
        hidden: set[str] = set()
        for layer in self.lowers:
            root = layer + path
            if not os.path.lexists(root):
                if self._hidden_below(layer, path):
                    break
                continue
            for rel, full, st in _walk_host(root, path):
                if rel in seen or rel in hidden or any(rel.startswith(h + "/") for h in hidden):
                    continue
                if _is_whiteout(st):
                    hidden.add(rel)
                    continue
                seen[rel] = full
                if stat.S_ISDIR(st.st_mode) and _overlay_marked(full):
                    hidden.add(rel)  # opaque: nothing below this layer shows through here
            if _overlay_marked(root) or not stat.S_ISDIR(os.lstat(root).st_mode):
                break
        return sorted(seen.items()) if seen else None


def engine_changes(client, container_id: str) -> dict[str, str]:
    """`docker diff` as {path: "A" | "C" | "D"}."""
    return {c["Path"]: _KINDS[c["Kind"]] for c in client.api.diff(container_id) or []}


@functools.lru_cache(maxsize=4)
def _security_options(client) -> tuple[str, ...]:
    """The engine's security options, asked once per client: `docker info` costs tens of ms."""
    return tuple(client.info().get("SecurityOptions") or [])


def _walk_host(root: str, path: str):
    """(container path, host path, stat) of `root` and all below it, parents first."""
    st = os.lstat(root)
    yield path, root, st
    if not stat.S_ISDIR(st.st_mode):
        return
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = path + dirpath[len(root):]
        for name in sorted(dirnames) + sorted(filenames):
            full = os.path.join(dirpath, name)
            yield f"{rel_dir}/{name}", full, os.lstat(full)


def _kind(full: str, st: os.stat_result) -> str:
    if _is_whiteout(st):
        return "whiteout"
    if stat.S_ISDIR(st.st_mode):
        return "special" if _overlay_marked(full) else "dir"
    return "file"


def _is_whiteout(st: os.stat_result) -> bool:
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def _overlay_marked(full: str) -> bool:
    """An opaque or redirected directory: overlay metadata that a copy through the container
    cannot reproduce."""
    for name in _OVERLAY_XATTRS:
        try:
            os.getxattr(full, name, follow_symlinks=False)
        except OSError:
            continue
        return True
    return False
