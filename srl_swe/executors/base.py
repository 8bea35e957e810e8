"""The executor interface, its settings, and the choice between the two implementations."""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from srl_swe.errors import ConfigError, SrlSweError

_ADDRESS = re.compile(r"^(auto|local|ray://[\w.\-]+(:\d+)?|[\w.\-]+:\d+)$")


class WorkerLost(SrlSweError):
    """An item's worker died on every attempt (its node lost, or the item itself kills it)."""


class HostedLost(WorkerLost):
    """A hosted object's worker died during a call: that call did not complete, and the object was
    made anew by its factory on a worker that is alive, so whatever state it held is gone. The caller
    redoes what it was doing with the object from its start (an env: its episode, from reset), at most
    `max_attempts` times in all (the executor's, as for map's items)."""

    def __init__(self, message: str, max_attempts: int):
        super().__init__(message)
        self.max_attempts = max_attempts


@dataclass(frozen=True)
class NodeHooks:
    """What the layers above do around the work on each node; every callable is picklable.

    probe() -> names        on a new worker: what its node lacks (e.g. images)
    provide(names) -> data  on the driver: the missing things as one payload
    install(data)           on that worker, before its first item
    reap()                  on one worker per node: remove what dead workers of that node left
    abort()                 on every worker when the run is interrupted: end the work in flight

    Threads run on the driver's own machine: nothing to ship there, so only abort applies."""

    probe: Callable[[], list[str]] | None = None
    provide: Callable[[list[str]], Any] | None = None
    install: Callable[[Any], None] | None = None
    reap: Callable[[], Any] | None = None
    abort: Callable[[], Any] | None = None


class Executor(Protocol):
    workers: int

    def map(self, fn: Callable[[Any], Any], items: Mapping[Hashable, Any],
            place: Callable[[Hashable], str] | None = None) -> Iterator[tuple[Hashable, Any]]:
        """fn(item) for every item, yielding (key, result) as each finishes, every key exactly once.
        An exception from fn is raised here; items whose worker dies are rerun elsewhere. `place(key)`
        names what a node keeps from running the key (its task image): keys of one place go, when a
        worker there is free, to a node that already holds it."""
        ...

    def host(self, factory: Callable[[], Any], count: int) -> list[Any]:
        """`count` long-lived objects made by factory() (envs, each with its warm container), one per
        worker; their methods are called as the objects' own. They live until the executor closes.
        A call whose worker dies raises HostedLost after the object was made anew elsewhere."""
        ...

    def abort(self) -> None:
        """End the work in flight (an interrupt): its results are never yielded."""
        ...

    def close(self) -> None: ...


class ExecutorSettings(BaseModel):
    """`ray`: None for local threads, else auto | local | ray://HOST:PORT | HOST:PORT."""

    model_config = ConfigDict(extra="forbid")

    workers: int = Field(1, ge=1)
    ray: str | None = None
    max_attempts: int = Field(3, ge=1)  # per item, when its worker dies

    @field_validator("ray")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return None if value is None else parse_ray_address(value)


def parse_ray_address(value: str) -> str:
    if not _ADDRESS.match(value):
        raise ConfigError(f"--ray takes auto, local, ray://HOST:PORT or HOST:PORT, not {value!r}")
    return value


@contextlib.contextmanager
def open_executor(settings: ExecutorSettings, hooks: NodeHooks | None = None) -> Iterator[Executor]:
    """The executor the settings name; an exception in the block (an interrupt, SIGTERM included)
    aborts the work in flight before the executor closes."""
    hooks = hooks or NodeHooks()
    if settings.ray is None:
        from srl_swe.executors.threads import ThreadExecutor

        executor: Executor = ThreadExecutor(settings.workers, hooks)
    else:
        from srl_swe.executors.ray_actors import RayExecutor

        executor = RayExecutor(settings.ray, settings.workers, hooks, settings.max_attempts)
    terminated: list[int] = []
    try:
        with _sigterm_as_exit(terminated):
            yield executor
    except BaseException as exc:
        executor.abort()
        code = 128 + terminated[0] if terminated else None
        if code is not None and not (isinstance(exc, SystemExit) and exc.code == code):
            # Ray turns an exception raised by a handler during its waits into SystemExit(1)
            raise SystemExit(code) from exc
        raise
    finally:
        executor.close()


@contextlib.contextmanager
def _sigterm_as_exit(received: list[int]) -> Iterator[None]:
    """SIGTERM raises SystemExit in the main thread (where the driver waits), so that the abort
    above runs: the work happens in threads or other processes, which cannot handle signals.
    The signal's number goes into `received`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        received.append(signum)
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
