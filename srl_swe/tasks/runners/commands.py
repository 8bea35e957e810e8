"""Building a runner's command line from the task's `test_command`."""

from __future__ import annotations

import shlex

from srl_swe.tasks.spec import TaskSpec


def task_command(spec: TaskSpec, default: str) -> str:
    """The task's own test command, or the runner's default when the task never set one (the
    spec's field default is pytest's, which means nothing to another runner)."""
    return spec.test_command if "test_command" in spec.model_fields_set else default


def with_option(command: str, option: str, *spellings: str) -> str:
    """`command` with `option` appended unless one of its `spellings` (or the option itself) is
    already there: the runners read per-test lines that only a verbose run prints."""
    words = shlex.split(command)
    present = any(word == s or word.startswith(s + "=") for word in words for s in (option.split()[0], *spellings))
    return command if present else f"{command} {option}"
