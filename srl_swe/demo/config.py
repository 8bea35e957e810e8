"""The demo's settings and how its time budget is spent."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

# One task per bundled library: what a short budget runs on.
SHORT_TASKS = ["confload-1", "datekit-1", "lrukit-1", "texttable-1"]
SHORT_BUDGET_MINUTES = 10
# Below this, a smoke run: every stage once at its smallest, to check a setup; its figures mean nothing.
SMOKE_BUDGET_MINUTES = 2


class DemoConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = "tiny"
    tasks: list[str] | None = None  # None: all bundled tasks (one per library under a short budget)
    tasks_dir: str | None = None
    out: Path = Path("demo-out")
    minutes: float = Field(15.0, gt=0)
    workers: int = Field(2, ge=1)
    seed: int = 0

    def fingerprint(self) -> str:
        """What the cached stages depend on: a change starts the demo clean."""
        data = self.model_dump(mode="json", exclude={"out", "workers"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


class Budget(BaseModel):
    """Sizes of the training and evaluation stages for a time budget on a 2-core CPU machine with
    the tiny model (settings as in benchmarks/learning.py, where they were tuned). A real model on a
    GPU takes the same sizes scaled by `--minutes`."""

    model_config = ConfigDict(extra="forbid")

    sft_steps: int
    sft_lr: float = 5e-3  # a random-init tiny model under LoRA needs a far larger rate than the 5e-6 default
    srl_steps: int
    srl_lr: float = 1e-4
    srl_batch_prompts: int = 4
    group_size: int = 8  # the paper's
    max_prompt_tokens: int = 512  # prompts keep their last N tokens
    observation_budget: int = 1000
    max_new_tokens: int = 192
    smoke: bool = False  # every stage at its smallest, to check a setup: the figures mean nothing
    eval_max_steps: int
    val_fraction: float


def budget_for(minutes: float, n_tasks: int) -> Budget:
    scale = max(minutes / 15.0, 0.1)
    sizes = dict(
        sft_steps=max(60, int(200 * scale)),
        srl_steps=max(2, int(8 * scale)),
        eval_max_steps=3 if minutes < SHORT_BUDGET_MINUTES else 4,
        val_fraction=max(1.0 / n_tasks, 0.25),
    )
    if minutes < SMOKE_BUDGET_MINUTES:
        sizes.update(sft_steps=4, srl_steps=1, srl_batch_prompts=2, group_size=4, max_new_tokens=64, smoke=True)
    return Budget(**sizes)


def choose_tasks(config: DemoConfig, available: list[str]) -> list[str]:
    if config.tasks:
        return config.tasks
    if config.minutes < SHORT_BUDGET_MINUTES and set(SHORT_TASKS) <= set(available):
        return SHORT_TASKS
    return available
