"""Data parallelism across processes started by `accelerate launch` or `torchrun` (one process per
GPU, or several on a CPU for tests). Accelerate sets up the process group and the device; this
module adds what the trainers need on top.

Why gradients are all-reduced by hand rather than by wrapping the model in DDP: dynamic sampling
keeps a different number of groups on each process, and DDP hangs unless every process runs the
same number of backward passes. Here each process runs backward on however many sequences it holds
(none, even), then one all-reduce sums the trainable gradients. Each process weighs its loss by its
tokens over the tokens of all processes, so the sum is exactly the token-level mean over the whole
batch, as one process would compute it; every process then takes the same optimizer step.

Every process draws the same item indices from the sampler (so its state, and the checkpoint, is
one for all) and works on its share, `indices[rank::world]`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

import torch

T = TypeVar("T")


class Workers:
    """This process's place among the data-parallel workers; one process is a world of one."""

    def __init__(self, device: str):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self._acc = None
        self.rank, self.device = 0, device
        if self.world > 1:
            from accelerate import Accelerator

            self._acc = Accelerator(cpu=device == "cpu")
            self.rank, self.device = self._acc.process_index, str(self._acc.device)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, items: Sequence[T]) -> list[T]:
        return list(items[self.rank :: self.world])

    def gather(self, items: list[T]) -> list[T]:
        """Every process's list, concatenated in rank order, on every process."""
        if self._acc is None:
            return list(items)
        from accelerate.utils import gather_object

        return list(gather_object(list(items)))

    def total(self, value: float) -> float:
        """The sum of `value` over the processes."""
        if self._acc is None:
            return float(value)
        return float(self._acc.reduce(torch.tensor([float(value)], device=self.device), reduction="sum")[0])

    def maximum(self, value: float) -> float:
        return max(self.gather([float(value)]))

    def sum_gradients(self, params: Iterable[torch.nn.Parameter]) -> None:
        """Replace each trainable parameter's gradient by its sum over the processes (a process
        that ran no backward contributes zeros), in one all-reduce."""
        if self._acc is None:
            return
        params = list(params)
        for p in params:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        flat = torch.cat([p.grad.reshape(-1) for p in params])
        flat = self._acc.reduce(flat, reduction="sum")
        offset = 0
        for p in params:
            p.grad.copy_(flat[offset : offset + p.numel()].view_as(p))
            offset += p.numel()

    def broadcast_parameters(self, params: Iterable[torch.nn.Parameter]) -> None:
        """Start every process from the main process's weights (random LoRA init included)."""
        if self._acc is None:
            return
        from accelerate.utils import broadcast

        with torch.no_grad():
            for p in params:
                p.copy_(broadcast(p.data.clone(), from_process=0))

    def check_in_step(self, params: Iterable[torch.nn.Parameter], step: int) -> None:
        """Raise when the processes' weights have drifted apart: a bug that would otherwise train
        several different models while reporting one."""
        if self._acc is None:
            return
        fingerprint = [float(p.detach().double().sum()) + float(p.detach().double().abs().sum()) for p in params]
        every = self.gather([fingerprint])
        if any(f != every[0] for f in every[1:]):
            raise RuntimeError(f"Data-parallel processes hold different weights at step {step}: the gradient "
                               "all-reduce or the optimizer diverged.")

    @contextmanager
    def main_first(self) -> Iterator[None]:
        """The main process runs the block first (e.g. building the tiny model into the cache)."""
        if self._acc is None:
            yield
            return
        with self._acc.main_process_first():
            yield

    def barrier(self) -> None:
        if self._acc is not None:
            self._acc.wait_for_everyone()

    def close(self) -> None:
        if self._acc is not None:
            self._acc.wait_for_everyone()
            self._acc.end_training()


def rank_seed(seed: int, rank: int) -> int:
    """Process `rank`'s sampling seed: the run's seed on the main process, distinct elsewhere."""
    return seed + 1_000_003 * rank
