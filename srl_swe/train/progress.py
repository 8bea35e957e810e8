"""A rich progress display for training loops, resumable (starts at the resumed step): one bar
for the steps, and one for the phase of the current step (generation, reward, update, episodes),
each with its own ETA, because one step of a real batch can take many minutes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class StepProgress:
    """`advance(**values)`: one step done, with a few values shown beside the bar.
    `phase(name, done, total, doing)`: the current step's phase (e.g. sampling, update), how far
    it is, and what it is doing right now (e.g. generating, scoring)."""

    def __init__(self, bar: Progress | None = None, steps: TaskID | None = None, phases: TaskID | None = None):
        self._bar, self._steps, self._phases = bar, steps, phases
        self._name: str | None = None

    def __call__(self, **values: float) -> None:
        if self._bar is not None:
            self._bar.update(self._steps, advance=1, shown="  ".join(f"{k}={v:.3g}" for k, v in values.items()))
            self._name = None

    def phase(self, name: str, done: int = 0, total: int | None = None, doing: str = "") -> None:
        if self._bar is None:
            return
        step = int(self._bar.tasks[self._steps].completed) + 1
        description = f"  step {step}: {name}" + (f" ({doing})" if doing else "")
        if name != self._name:
            # A new phase gets a new row: its rate (so its ETA) is its own, and a phase without a
            # count shows no stale total (rich's reset keeps the old total when given None).
            self._bar.remove_task(self._phases)
            self._phases = self._bar.add_task(description, total=total, completed=done, shown="")
            self._name = name
        else:
            self._bar.update(self._phases, completed=done, total=total, description=description)

    def doing(self, what: str) -> None:
        """What the current phase is doing now (its progress unchanged)."""
        if self._bar is not None and self._name is not None:
            step = int(self._bar.tasks[self._steps].completed) + 1
            self._bar.update(self._phases, description=f"  step {step}: {self._name} ({what})")


@contextmanager
def progress_bar(title: str, total: int, done: int = 0, shown: bool = True) -> Iterator[StepProgress]:
    """No display at all when not `shown`: the other data-parallel processes leave it to the main one."""
    if not shown:
        yield StepProgress()
        return
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn(), TextColumn("{task.fields[shown]}")]
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        steps = bar.add_task(title, total=total, completed=done, shown="")
        phases = bar.add_task("  starting", total=None, shown="")
        yield StepProgress(bar, steps, phases)
