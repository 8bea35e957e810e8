"""A rich progress bar for training loops, resumable (starts at the resumed step)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@contextmanager
def progress_bar(title: str, total: int, done: int = 0, shown: bool = True) -> Iterator[Callable[..., None]]:
    """Yields `advance(**values)`: one step done, with a few values shown beside the bar (no bar at
    all when not `shown`: the other data-parallel processes leave it to the main one)."""
    if not shown:
        yield lambda **values: None
        return
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn(), TextColumn("{task.fields[shown]}")]
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(title, total=total, completed=done, shown="")

        def advance(**values: float) -> None:
            bar.update(task, advance=1, shown="  ".join(f"{k}={v:.3g}" for k, v in values.items()))

        yield advance
