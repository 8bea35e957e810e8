"""Containers never outlive their run: live sandboxes are closed at exit and on SIGTERM,
and every container carries labels that let `prune` find a crashed run's leftovers."""

from __future__ import annotations

import atexit
import os
import signal
import socket
import sys
import threading
import uuid
import weakref
from typing import Protocol

import docker.errors

LABEL = "srl_swe"
LABEL_PID = "srl_swe.pid"
LABEL_HOST = "srl_swe.host"

_RUN_ID = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
_live: weakref.WeakSet[_Closable] = weakref.WeakSet()
_lock = threading.Lock()
_installed = False


class _Closable(Protocol):
    def close(self) -> None: ...


def run_id() -> str:
    return _RUN_ID


def labels(run: str | None = None) -> dict[str, str]:
    return {LABEL: run or _RUN_ID, LABEL_PID: str(os.getpid()), LABEL_HOST: socket.gethostname()}


def track(sandbox: _Closable) -> None:
    """Remember a live sandbox; install the exit hooks on first use (never at import)."""
    global _installed
    with _lock:
        _live.add(sandbox)
        if _installed:
            return
        _installed = True
    atexit.register(close_all)
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)


def untrack(sandbox: _Closable) -> None:
    with _lock:
        _live.discard(sandbox)


def close_all() -> None:
    for sandbox in list(_live):
        sandbox.close()
    if _installed:
        _sweep()


def _sweep() -> None:
    """Remove this run's containers that no live sandbox holds: one created while an interrupt
    unwound the thread that asked for it is never tracked, and would outlive the run."""
    from srl_swe.sandbox.engine import docker_client

    try:
        prune(docker_client(), run=_RUN_ID)
    except docker.errors.DockerException as exc:
        print(f"srl-swe: could not check for containers left by run {_RUN_ID} ({exc}); "
              "run 'srl-swe sandbox prune'.", file=sys.stderr)


def _on_sigterm(signum, frame):
    close_all()
    raise SystemExit(128 + signum)


def labelled(client, label: str) -> list[dict]:
    """Containers matching a label filter, as the engine's list summaries (Id, Labels, State).
    One list call and no per-container inspect, which would race with containers that other
    runs remove meanwhile."""
    return client.api.containers(all=True, filters={"label": label})


def remove(client, container_id: str) -> bool:
    """Force-remove a container; False if it was already gone, or another process is removing it
    (prunes of several workers on one host race for the same leftovers)."""
    try:
        client.api.remove_container(container_id, force=True)
    except docker.errors.NotFound:
        return False
    except docker.errors.APIError as exc:
        if exc.status_code == 409 and "already in progress" in str(exc.explanation):
            return False
        raise
    return True


def prune(client, everything: bool = False, run: str | None = None) -> list[str]:
    """Remove labelled containers whose owning process on this host is gone
    (all of them with `everything`, or one run's with `run`). Returns removed short ids."""
    removed = []
    for summary in labelled(client, f"{LABEL}={run}" if run else LABEL):
        if not (everything or run or _owner_gone(summary.get("Labels") or {})):
            continue
        if remove(client, summary["Id"]):
            removed.append(summary["Id"][:12])
    return removed


def _owner_gone(container_labels: dict[str, str]) -> bool:
    if container_labels.get(LABEL_HOST) != socket.gethostname():
        return False
    try:
        pid = int(container_labels.get(LABEL_PID, "0"))
        if pid <= 0:
            return True
        os.kill(pid, 0)
    except (ProcessLookupError, ValueError):
        return True
    except PermissionError:
        return False
    return False
