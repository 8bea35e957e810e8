"""Sandbox configuration and the typed results a sandbox returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_OUTPUT_LIMIT = 100_000


class DockerSandboxConfig(BaseModel):
    """How to start a container. Isolation is on by default; loosen it only on purpose."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["docker"] = "docker"
    image: str
    workdir: str = "/testbed"
    user: str = "agent"
    network: bool = False
    memory: str = "2g"
    cpus: float = 1.0
    pids_limit: int = 512
    default_timeout: float = 120.0
    output_limit: int = Field(DEFAULT_OUTPUT_LIMIT, ge=1024)
    run_id: str | None = None
    env: dict[str, str] = Field(default_factory=dict)
    # Where reset() learns what the episode changed outside the shell: "auto" reads the container's
    # overlay2 layers on the host when it can (fast, and the image's files to copy back), else asks
    # the engine (`docker diff`; a changed or deleted image file then means a fresh container).
    reset_changes: Literal["auto", "engine"] = "auto"


SandboxConfig = DockerSandboxConfig


class ExecResult(BaseModel):
    """One command's result. `truncated`: output was capped (head and tail kept);
    `restarted`: the shell had to be restarted (cwd kept, exported variables lost)."""

    model_config = ConfigDict(extra="forbid")

    output: str
    exit_code: int
    timed_out: bool = False
    truncated: bool = False
    restarted: bool = False
    duration: float = 0.0
