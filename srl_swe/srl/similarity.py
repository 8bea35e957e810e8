"""Similarity of two action texts: the SRL paper's `difflib.SequenceMatcher(None, a, b).ratio()`.

Methods: `difflib` (the paper's, pure Python); `native` (the same algorithm in this package's C
extension, srl_swe/srl/_matcher.c: the identical ratio, about 20x faster than cdifflib on 2 KB
actions); `cdifflib` (the same algorithm in C, with difflib's dicts: identical, slower than
native); `exact` picks the fastest of those three that is installed; `fast` (rapidfuzz's Indel similarity,
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

Method = Literal["exact", "difflib", "cdifflib", "native", "fast"]
METHODS = ("exact", "difflib", "cdifflib", "native", "fast")
# Below this many pairs a process pool costs more than it saves (measured in benchmarks/).
PARALLEL_MIN_PAIRS = 256


def _c_matcher():
    from cdifflib import CSequenceMatcher

    class TextMatcher(CSequenceMatcher):
        """cdifflib's matcher checks that every element is hashable, in a Python loop over each
        character on every call: three quarters of its time on 2 KB actions. A str's characters
        always are, so text skips the check; the matching itself (C) is cdifflib's."""

        def set_seq1(self, a):
            if a is self.a:
                return
            self.a = list(a)
            self.matching_blocks = self.opcodes = None

        def set_seq2(self, b):
            if b is self.b and hasattr(self, "isbjunk"):
                return
            self.b = b
            self.a, self.b = list(self.a), list(self.b)
            self.matching_blocks = self.opcodes = None
            self.fullbcount = None
            junk, popular = _cdifflib_chain_b(self)
            self.isbjunk, self.isbpopular = junk.__contains__, popular.__contains__

    return TextMatcher


def _cdifflib_chain_b(matcher):
    import _cdifflib

    return _cdifflib.chain_b(matcher)


@functools.cache
def _native():
    """The C extension's module, or None where it was not built (no C compiler at install)."""
    try:
        from srl_swe.srl import _matcher
    except ImportError:
        return None
    return _matcher


@functools.cache
def _scorer(method: str) -> Callable[[str, Sequence[str]], list[float]]:
    """scorer(expert, actions) -> ratio(action, expert) for each action, by `method`: the C
    extension's own, or a loop of a SequenceMatcher that indexes the expert once."""
    if method == "native" or (method == "exact" and _native() is not None):
        if _native() is None:
            raise ImportError("srl-swe's C matcher was not built (no C compiler at install): reinstall with one, "
                              "or use method='cdifflib' or 'difflib' (the same ratios).")
        return _native().ratios_to
    return functools.partial(_matcher_ratios, _matcher(method))


def _matcher_ratios(cls, expert: str, actions: Sequence[str]) -> list[float]:
    matcher = cls(None, "", expert)
    scores = []
    for action in actions:
        if not action:
            scores.append(0.0)
            continue
        matcher.set_seq1(action)
        scores.append(matcher.ratio())
    return scores


def _matcher(method: str):
    """The SequenceMatcher class of a method without the C extension."""
    if method == "difflib":
        return difflib.SequenceMatcher
    if method in ("cdifflib", "exact"):
        try:
            return _c_matcher()
        except ImportError:
            if method == "cdifflib":
                raise ImportError(
                    "cdifflib is not installed: pip install 'srl-swe[fast]', or use method='difflib'."
                ) from None
            return difflib.SequenceMatcher
    raise ValueError(f"Unknown similarity method {method!r}; use one of {', '.join(METHODS)}.")


def ratio(a: str, b: str, method: Method = "exact") -> float:
    """`SequenceMatcher(None, a, b).ratio()`: `a` the policy's action, `b` the expert's."""
    if method == "fast":
        from rapidfuzz.distance import Indel

        return Indel.normalized_similarity(a, b)
    return ratios_to(b, [a], method)[0]


def ratios_to(expert: str, actions: Sequence[str], method: Method = "exact") -> list[float]:
    """ratio(action, expert) for each action. The matcher indexes `expert` (its second sequence)
    once and reuses the index for every action: a GRPO group shares one expert action."""
    if not expert:  # difflib's own values, without building a matcher
        return [1.0 if not a else 0.0 for a in actions]
    return _scorer(method)(expert, actions)


def _ratio_groups(method: str, groups: list[tuple[str, list[str]]]) -> list[list[float]]:
    return [ratios_to(expert, actions, method) for expert, actions in groups]


def group_by_expert(experts: Sequence[str]) -> dict[str, list[int]]:
    """The indices of each distinct expert text, in first-seen order."""
    groups: dict[str, list[int]] = {}
    for index, expert in enumerate(experts):
        groups.setdefault(expert, []).append(index)
    return groups


def ratios(a: Sequence[str], b: Sequence[str], method: Method = "exact", workers: int | None = None) -> list[float]:
    """Element-wise ratio(a[i], b[i]). `workers`: processes (default: all cores); batches smaller
    than PARALLEL_MIN_PAIRS run in this process. Pairs that share b[i] go to one worker together,
    so each distinct b is sent and indexed once."""
    if len(a) != len(b):
        raise ValueError(f"ratios needs two sequences of one length, got {len(a)} and {len(b)}.")
    workers = workers or os.cpu_count() or 1
    if method == "fast":
        import numpy
        from rapidfuzz.distance import Indel
        from rapidfuzz.process import cpdist

        # rapidfuzz spreads the batch over native threads itself.
        return cpdist(
            list(a), list(b), scorer=Indel.normalized_similarity, dtype=numpy.float64, workers=workers
        ).tolist()
    _scorer(method)  # an unknown method or a missing cdifflib fails here, not in a worker
    by_expert = group_by_expert(b)
    groups = [(expert, [a[i] for i in indices]) for expert, indices in by_expert.items()]
    scores = [0.0] * len(a)
    values = map_chunks(functools.partial(_ratio_groups, method), groups, workers, weight=lambda g: len(g[1]))
    for indices, group_scores in zip(by_expert.values(), values, strict=True):
        for index, score in zip(indices, group_scores, strict=True):
            scores[index] = score
    return scores


def map_chunks(function: Callable[[list], list], items: list, workers: int | None = None,
               weight: Callable[[object], int] | None = None) -> list:
    """`function` over chunks of `items`, concatenated in order: in this process for small
    batches, else spread over a process pool of `workers` (default: all cores). `weight`: how
    many pairs an item stands for (a group), for the small-batch rule and chunk sizes."""
    workers = workers or os.cpu_count() or 1
    weights = [weight(item) for item in items] if weight is not None else [1] * len(items)
    total = sum(weights)
    if workers <= 1 or total < PARALLEL_MIN_PAIRS:
        return function(items)
    # a few chunks per worker: even load when items cost unevenly, few round trips
    target = -(-total // (workers * 4))
    chunks, chunk, size = [], [], 0
    for item, w in zip(items, weights, strict=True):
        chunk.append(item)
        size += w
        if size >= target:
            chunks.append(chunk)
            chunk, size = [], 0
    if chunk:
        chunks.append(chunk)
    return [value for result in _pool(workers).map(function, chunks) for value in result]


@functools.cache
def _pool(workers: int) -> ProcessPoolExecutor:
    """One pool per process, kept for the trainer's every reward call. forkserver: workers do not
    inherit a trainer's threads or CUDA state, and start once."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))
    atexit.register(pool.shutdown, wait=False, cancel_futures=True)
    return pool
