"""What every demo stage is handed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from srl_swe.demo.config import Budget, DemoConfig


@dataclass(frozen=True)
class Context:
    config: DemoConfig
    tasks: list[str]
    budget: Budget
    console: Console

    @property
    def out(self) -> Path:
        return Path(self.config.out)

    @property
    def tasks_dir(self) -> str | None:
        return self.config.tasks_dir

    def path(self, *parts: str) -> Path:
        return self.out.joinpath(*parts)
