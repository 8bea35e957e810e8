"""Similarity of two action texts: the SRL paper's `difflib.SequenceMatcher(None, a, b).ratio()`.

Methods: `difflib` (the paper's, pure Python); `cdifflib` (the same algorithm in C: the identical
ratio, faster; `exact` picks it when installed); `fast` (rapidfuzz's Indel similarity,
2*LCS/(len a + len b): many times faster, never below difflib's ratio, but not the paper's number:
on a corpus of real actions it is up to 0.59 higher (difflib's autojunk ignores frequent characters
once the expert action reaches 200 characters) and up to 0.11 higher on shorter actions; see
tests/test_rewards.py). Large batches use every core."""

from __future__ import annotations

import atexit
import difflib
import functools
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Literal

Method = Literal["exact", "difflib", "cdifflib", "fast"]
METHODS = ("exact", "difflib", "cdifflib", "fast")
# Below this many pairs a process pool costs more than it saves (measured in benchmarks/).
PARALLEL_MIN_PAIRS = 256


def _matcher(method: str):
    if method == "difflib":
        return difflib.SequenceMatcher
    if method in ("cdifflib", "exact"):
        try:
            from cdifflib import CSequenceMatcher
        except ImportError:
            if method == "cdifflib":
                raise ImportError("cdifflib is not installed: pip install 'srl-swe[fast]', or use method='difflib'.") from None
            return difflib.SequenceMatcher
        return CSequenceMatcher
    raise ValueError(f"Unknown similarity method {method!r}; use one of {', '.join(METHODS)}.")


def ratio(a: str, b: str, method: Method = "exact") -> float:
    if method == "fast":
        from rapidfuzz.distance import Indel

        return Indel.normalized_similarity(a, b)
    return _matcher(method)(None, a, b).ratio()


def _ratio_chunk(method: str, pairs: list[tuple[str, str]]) -> list[float]:
    matcher = _matcher(method)
    return [matcher(None, a, b).ratio() for a, b in pairs]


def ratios(a: Sequence[str], b: Sequence[str], method: Method = "exact", workers: int | None = None) -> list[float]:
    """Element-wise ratio(a[i], b[i]). `workers`: processes (default: all cores); batches smaller
    than PARALLEL_MIN_PAIRS run in this process."""
    if len(a) != len(b):
        raise ValueError(f"ratios needs two sequences of one length, got {len(a)} and {len(b)}.")
    workers = workers or os.cpu_count() or 1
    if method == "fast":
        import numpy
        from rapidfuzz.distance import Indel
        from rapidfuzz.process import cpdist

        # rapidfuzz spreads the batch over native threads itself.
        return cpdist(list(a), list(b), scorer=Indel.normalized_similarity, dtype=numpy.float64, workers=workers).tolist()
    return map_chunks(functools.partial(_ratio_chunk, method), list(zip(a, b, strict=True)), workers)


def map_chunks(function: Callable[[list], list], items: list, workers: int | None = None) -> list:
    """`function` over chunks of `items`, concatenated in order: in this process for small
    batches, else spread over a process pool of `workers` (default: all cores)."""
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(items) < PARALLEL_MIN_PAIRS:
        return function(items)
    size = -(-len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    return [value for chunk in _pool(workers).map(function, chunks) for value in chunk]


@functools.cache
def _pool(workers: int) -> ProcessPoolExecutor:
    """One pool per process, kept for the trainer's every reward call. forkserver: workers do not
    inherit a trainer's threads or CUDA state, and start once."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))
    atexit.register(pool.shutdown, wait=False, cancel_futures=True)
    return pool
