"""Gather concurrent single calls from worker threads into one batched call: N envs step at their
own pace, and whichever calls arrive close together share one `generate`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class _Request:
    __slots__ = ("item", "done", "result", "error")

    def __init__(self, item: Any):
        self.item, self.done, self.result, self.error = item, False, None, None


class Batcher:
    """`batcher(item)` blocks until `fn([items...])` has produced this item's result. The first
    caller to find no batch running leads: it waits up to `max_wait` seconds for peers (or until
    `max_batch` are pending), runs `fn` on them, and hands each caller its own result or the error."""

    def __init__(self, fn: Callable[[list], list], max_batch: int, max_wait: float = 0.05):
        self.fn, self.max_batch, self.max_wait = fn, max(1, max_batch), max_wait
        self._cond = threading.Condition()
        self._pending: list[_Request] = []
        self._running = False

    def __call__(self, item: Any) -> Any:
        request = _Request(item)
        with self._cond:
            self._pending.append(request)
            self._cond.notify_all()
            while not request.done:
                if self._running or not self._pending:
                    self._cond.wait()
                    continue
                self._lead()
        if request.error is not None:
            raise request.error
        return request.result

    def _lead(self) -> None:
        """Called with the lock held; releases it while the batch runs."""
        self._running = True
        deadline = time.monotonic() + self.max_wait
        while len(self._pending) < self.max_batch and (left := deadline - time.monotonic()) > 0:
            self._cond.wait(left)
        batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
        self._cond.release()
        results, error = None, None
        try:
            results = self.fn([r.item for r in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"batched call returned {len(results)} results for {len(batch)} inputs")
        except Exception as exc:  # handed to every caller of this batch, each records it
            error = exc
        finally:
            self._cond.acquire()
        for i, r in enumerate(batch):
            r.done, r.error = True, error
            r.result = None if error else results[i]
        self._running = False
        self._cond.notify_all()
