"""The default executor: a thread pool in this process, on this machine's Docker engine."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from srl_swe.executors.base import NodeHooks


class ThreadExecutor:
    def __init__(self, workers: int, hooks: NodeHooks):
        self.workers = workers
        self.hooks = hooks
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="worker")
        self._aborted = False

    def map(self, fn: Callable[[Any], Any], items: Mapping[Hashable, Any],
            place: Callable[[Hashable], str] | None = None) -> Iterator[tuple[Hashable, Any]]:
        """`place` does not apply: every key runs on this machine."""
        futures = {self._pool.submit(fn, item): key for key, item in items.items()}
        for future in as_completed(futures):
            yield futures[future], future.result()

    def host(self, factory: Callable[[], Any], count: int) -> list[Any]:
        return [factory() for _ in range(count)]

    def abort(self) -> None:
        # Queued items never start; running ones end when abort() closes what they work in.
        self._aborted = True
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self.hooks.abort is not None:
            self.hooks.abort()

    def close(self) -> None:
        # after an abort the running items are left to end on their own: the interrupt returns at once
        self._pool.shutdown(wait=not self._aborted, cancel_futures=True)
