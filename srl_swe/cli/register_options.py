"""The install and runner options that every command registering tasks takes (`tasks add`, `tasks mine`),
declared once: `@register_options` appends them to a command's own and hands it the values as one
`options: RegisterOptions`."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from srl_swe.cli.common import fail

_SHARED: dict[str, tuple[Any, Any]] = {  # name: (annotation, default)
    "test_command": (str, typer.Option(
        None, help="The runner's invocation (default: the runner's, e.g. 'python -m pytest').")),
    "test_runner": (str, typer.Option(
        "pytest", help="pytest | unittest | django | sympy | swebench: whose test ids the task lists.")),
    "test_scope": (str, typer.Option(
        "files", help="files: run the test files the test patch touches (SWE-bench's harness); all: the whole suite.")),
    "install": (Annotated[list[str] | None, typer.Option(
        help="Command that installs the repo in the image's venv, offline (repeatable; default: an editable "
             "install of a Python package).")], None),
    "no_install": (bool, typer.Option(False, help="Install nothing from the repo (the venv still holds the runner).")),
    "requirement": (Annotated[list[str] | None, typer.Option(
        help="A pip requirement added to the offline wheelhouse (repeatable).")], None),
    "system_python": (bool, typer.Option(
        False, help="Run the tests with the base image's Python instead of a clean venv.")),
    "setup": (Annotated[list[str] | None, typer.Option(
        help="A command run in the repo when the task image is built (repeatable).")], None),
    "timeout": (float, typer.Option(600, help="Seconds one test run may take.")),
    "setup_network": (bool, typer.Option(
        False, help="Let the image build reach the network (your own machine only).")),
}


def register_options(command: Callable | None = None, *, fixed: dict[str, Any] | None = None) -> Callable:
    """`command(..., options: RegisterOptions)` as a typer command with the shared options after its own.
    `fixed`: options the command decides itself (e.g. `tasks synth`'s test_scope="all"), not offered."""
    if command is None:
        return functools.partial(register_options, fixed=fixed)
    fixed = fixed or {}
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "options"]
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
              for name, (annotation, default) in _SHARED.items() if name not in fixed]

    @functools.wraps(command)
    def wrapper(**kwargs):
        values = {name: kwargs.pop(name) for name in _SHARED if name not in fixed}
        return command(options=_options(**values, **fixed), **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*own, *shared])  # what typer reads the options from
    return wrapper


def _options(test_command: str | None, test_runner: str, test_scope: str, install: list[str] | None,
             no_install: bool, requirement: list[str] | None, system_python: bool, setup: list[str] | None,
             timeout: float, setup_network: bool):
    from srl_swe.tasks.register import RegisterOptions

    if test_scope not in ("files", "all"):
        fail(f"--test-scope {test_scope!r}: use files or all.")
    return RegisterOptions(test_command=test_command, test_runner=test_runner, test_scope=test_scope,
                           environment="system" if system_python else "venv",
                           install=[] if no_install else install or None, requirements=requirement or [],
                           setup=setup or [], timeout=timeout, setup_network=setup_network)
