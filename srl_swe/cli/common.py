"""What every CLI group shares: the console and the one-line error exit."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from srl_swe.errors import SrlSweError

console = Console(stderr=True)
# Piped or redirected output (a file, `grep`, a CI log) gets tables whole: no cutting or wrapping
# to a terminal width that is not there.
out = Console(width=None if sys.stdout.isatty() else 100_000)

F = TypeVar("F", bound=Callable)


def fail(message: str, code: int = 1) -> None:
    """Print one line saying what is wrong and what to do, then exit non-zero."""
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)  # test ids hold [..]
    raise typer.Exit(code)


def friendly(func: F) -> F:
    """Turn srl-swe's typed errors into one clear line and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SrlSweError as exc:
            fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        except FileNotFoundError as exc:
            fail(f"{exc.filename or exc}: no such file; check the path.")

    return wrapper  # type: ignore[return-value]


def _ray_address(value: str | None) -> str | None:
    from srl_swe.executors import parse_ray_address

    try:
        return None if value is None else parse_ray_address(value)
    except SrlSweError as exc:
        raise typer.BadParameter(str(exc).removeprefix("--ray takes ")) from exc


# Without --ray, the workers are local threads.
Ray = typer.Option(
    None, "--ray", metavar="ADDRESS", callback=_ray_address,
    help="Run the workers on Ray: auto (the cluster this machine is in), local (start one here), ray://HOST:PORT "
         "or HOST:PORT. Needs the [ray] extra; nodes offer a 'docker' resource, one unit per worker.",
)
