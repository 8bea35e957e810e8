"""Plans that take a container's filesystem back to its image's: which added paths to delete,
which image files to copy back, or why a fresh container is the better deal."""

from __future__ import annotations

import io
import os
import posixpath
import stat
import tarfile
from dataclasses import dataclass, field

from srl_swe.sandbox.changes import Entry, OverlayLayers

# Past these a fresh container (~0.25 s) is cheaper than copying the image's files back.
MAX_RESTORE_PATHS = 2000
MAX_RESTORE_BYTES = 64 << 20
# Up to this much is unpacked by the agent's own shell (a few ms); more goes through the engine's
# archive API, which costs ~0.1 s a call (it starts a helper process) but streams any size.
AGENT_TAR_BYTES = 256 << 10


@dataclass
class Plan:
    delete: list[str] = field(default_factory=list)  # added paths, topmost only
    restore: list[tuple[str, str]] = field(default_factory=list)  # (container path, host path), parents first
    as_agent: list[tuple[str, str]] = field(default_factory=list)  # the part the agent may write back itself
    fallback: str = ""  # non-empty: why this cannot be restored in place; use a fresh container

    @property
    def empty(self) -> bool:
        return not (self.delete or self.restore or self.fallback)


def overlay_plan(layers: OverlayLayers, clean: dict[str, Entry], now: dict[str, Entry], agent: tuple[int, int]) -> Plan:
    """Every upper-layer entry that differs from the one recorded after the last reset is deleted
    (the image lacks it) or copied back from the image's layers. `agent`: the shell's uid, gid."""
    lost = sorted(set(clean) - set(now))
    if lost:
        return Plan(fallback=f"{lost[0]} was written when the container started and is gone")
    plan = Plan()
    for path in sorted(p for p, entry in now.items() if clean.get(p) != entry):
        if any(path.startswith(d + "/") for d in plan.delete):
            continue  # under an added directory that goes as a whole
        entry = now[path]
        if entry.kind == "special":
            return Plan(fallback=f"{path} is an opaque or redirected overlay directory")
        if not _plan_path(layers, entry, plan, agent):
            return plan
    return _split_for_agent(_within_budget(plan), layers, agent)


def _plan_path(layers: OverlayLayers, entry: Entry, plan: Plan, agent: tuple[int, int]) -> bool:
    source = layers.pristine(entry.path)
    if source is None:
        if entry.kind != "whiteout":
            plan.delete.append(entry.path)
        return True
    if stat.S_ISDIR(os.lstat(source).st_mode) and entry.kind != "dir":
        tree = layers.tree(entry.path)  # a deleted (or replaced) image directory comes back whole
        if tree is None:
            plan.fallback = f"{entry.path}: the image's copy spans layers that cannot be merged here"
            return False
        plan.restore.extend(tree)
    elif entry.kind != "dir" or _dir_differs(layers.upper + entry.path, source, agent):
        plan.restore.append((entry.path, source))  # a directory: its mode, owner and times only
    return True


def _dir_differs(current: str, source: str, agent: tuple[int, int]) -> bool:
    """Whether a directory needs its metadata back. Only its mtime changes when entries come and
    go; that is put back for the agent's directories (cheap, in its own shell) but not for root's,
    which would take a root exec or an archive call: `docker diff` ignores directory times too."""
    now, was = os.lstat(current), os.lstat(source)
    if (was.st_uid, was.st_gid) == agent:
        return True
    return (now.st_mode, now.st_uid, now.st_gid) != (was.st_mode, was.st_uid, was.st_gid)


def _split_for_agent(plan: Plan, layers: OverlayLayers, agent: tuple[int, int]) -> Plan:
    """Move to `as_agent` what the agent can write back itself (it owns the image's copy and may
    write the parent directory), when it is small; the rest needs the engine, as root."""
    if plan.fallback or not plan.restore:
        return plan
    mine: set[str] = set()
    size = 0
    for path, host in plan.restore:
        st = os.lstat(host)
        # A directory still there only needs its owner to set its mode and times back.
        placed = stat.S_ISDIR(st.st_mode) and os.path.isdir(layers.upper + path)
        if (
            (st.st_uid, st.st_gid) == agent
            and (placed or _agent_may_create(layers, posixpath.dirname(path), agent, mine))
            and (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode))
        ):
            mine.add(path)
            size += st.st_size
    if size > AGENT_TAR_BYTES:
        return plan
    plan.as_agent = [item for item in plan.restore if item[0] in mine]
    plan.restore = [item for item in plan.restore if item[0] not in mine]
    return plan


def _agent_may_create(layers: OverlayLayers, parent: str, agent: tuple[int, int], mine: set[str]) -> bool:
    if parent in mine:
        return True
    host = layers.pristine(parent)
    if host is None:
        return False
    st = os.lstat(host)
    return st.st_uid == agent[0] or (st.st_mode & 0o1002) == 0o1002  # its own, or sticky and world-writable


def _within_budget(plan: Plan) -> Plan:
    if len(plan.restore) + len(plan.delete) > MAX_RESTORE_PATHS:
        return Plan(fallback=f"{len(plan.restore) + len(plan.delete)} paths changed (limit {MAX_RESTORE_PATHS})")
    size = sum(os.lstat(host).st_size for _, host in plan.restore)
    if size > MAX_RESTORE_BYTES:
        return Plan(fallback=f"{size >> 20} MiB to copy back (limit {MAX_RESTORE_BYTES >> 20} MiB)")
    return plan


def engine_plan(baseline: dict[str, str], now: dict[str, str], workdir: str) -> Plan:
    """From `docker diff` alone: added paths can go; a changed or deleted one needs the image's
    copy, which the engine does not give cheaply, so a fresh container. The repo is git's."""
    changed = {p: k for p, k in now.items() if baseline.get(p) != k and not _under(p, workdir)}
    lost = sorted(p for p in set(baseline) - set(now) if not _under(p, workdir))
    if lost:
        return Plan(fallback=f"{lost[0]} was written when the container started and is gone")
    plan = Plan()
    for path in sorted(changed):
        kind = changed[path]
        if kind == "A":
            if not any(path.startswith(d + "/") for d in plan.delete):
                plan.delete.append(path)
        elif kind == "D" or not any(p.startswith(path + "/") for p in changed):
            # A "C" with nothing changed below it is the path itself, not a parent of changes.
            return Plan(fallback=f"{path} was {'deleted' if kind == 'D' else 'changed'} and the engine has no copy")
    return plan


def _under(path: str, workdir: str) -> bool:
    return path == workdir or path.startswith(workdir.rstrip("/") + "/")


def restore_tar(items: list[tuple[str, str]]) -> bytes:
    """A tar of the image's files, named by container path (to unpack at "/"), with their owner,
    mode and mtime to the nanosecond, so the engine sees them as untouched. Without the padding to
    a 10 KiB record: the agent's shell reads its copy a byte at a time (~30 ms for the padding)."""
    buf = io.BytesIO()
    tar = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
    with tar:
        for path, host in items:
            info = tar.gettarinfo(host, arcname=posixpath.relpath(path, "/"))
            info.uname = info.gname = ""  # the host's names for these ids mean nothing in the container
            ns = os.lstat(host).st_mtime_ns
            info.mtime = ns // 1_000_000_000
            info.pax_headers = {"mtime": f"{ns // 1_000_000_000}.{ns % 1_000_000_000:09d}"}
            if info.isreg():
                with open(host, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
        end = tar.offset
    return buf.getvalue()[:end] + bytes(2 * tarfile.BLOCKSIZE)  # the two zero blocks that end an archive
