"""Test runners by name: each knows how to run tests and read results in its own id form."""

from __future__ import annotations

from importlib import import_module

from srl_swe.errors import TaskError
from srl_swe.tasks.runners.base import TestRunner

# name -> "module:attribute" of the runner object; imported on first use.
RUNNERS = {
    "pytest": "srl_swe.tasks.runners.pytest_runner:RUNNER",
    "unittest": "srl_swe.tasks.runners.unittest_runner:RUNNER",
    "django": "srl_swe.tasks.runners.django_runner:RUNNER",
    "sympy": "srl_swe.tasks.runners.sympy_runner:RUNNER",
    "swebench": "srl_swe.tasks.runners.swebench_runner:RUNNER",
}


def get_runner(name: str) -> TestRunner:
    """The runner called `name`; a clear error for an unknown one."""
    if name not in RUNNERS:
        raise TaskError(f"Unknown test runner {name!r}; use one of: {', '.join(RUNNERS)}.")
    module, attribute = RUNNERS[name].split(":")
    return getattr(import_module(module), attribute)
