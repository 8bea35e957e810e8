"""Where the project's folders are: a source checkout's `tasks/`, `envs/`, `docker/`, `scripts/`
next to the package, each overridable by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def _overridable(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value else default


def tasks_dir() -> Path:
    """`SRL_SWE_TASKS_DIR`, else the project's `tasks/`."""
    return _overridable("SRL_SWE_TASKS_DIR", PROJECT_DIR / "tasks")


def envs_dir() -> Path:
    """`SRL_SWE_ENVS_DIR`, else the project's `envs/`."""
    return _overridable("SRL_SWE_ENVS_DIR", PROJECT_DIR / "envs")


def docker_dir() -> Path:
    """`SRL_SWE_DOCKER_DIR`, else the project's `docker/` (image recipes)."""
    return _overridable("SRL_SWE_DOCKER_DIR", PROJECT_DIR / "docker")


def scripts_dir() -> Path:
    return PROJECT_DIR / "scripts"
