"""A wall-clock limit checked between steps: a single command is bounded by the sandbox's command
timeout and grading by its own, so work overruns a deadline by at most one of them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from srl_swe.errors import SrlSweError


class DeadlineExceeded(SrlSweError, TimeoutError):
    pass


@dataclass
class Deadline:
    seconds: float
    what: str = "the episode"  # named in the error: "timeout: <what> exceeded its ..."
    error: type[Exception] = DeadlineExceeded
    start: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.start)

    def check(self, where: str) -> None:
        if self.remaining() <= 0:
            raise self.error(f"timeout: {self.what} exceeded its {self.seconds:g} s wall-clock limit {where}")
