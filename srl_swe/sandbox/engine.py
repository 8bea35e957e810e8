"""Connecting to the Docker engine."""

from __future__ import annotations

import functools
import os

import docker.errors

import docker
from srl_swe.errors import EngineUnreachable


@functools.lru_cache(maxsize=1)
def docker_client() -> docker.DockerClient:
    """One client per process; raises EngineUnreachable with what to do."""
    # ssh:// engines go through the system's ssh (its config, agent, known hosts), not paramiko
    over_ssh = os.environ.get("DOCKER_HOST", "").startswith("ssh://")
    try:
        client = docker.from_env(timeout=120, use_ssh_client=over_ssh)
        client.ping()
    except docker.errors.DockerException as exc:
        raise EngineUnreachable(str(exc).splitlines()[0][:200]) from exc
    return client


def image_exists(image: str) -> bool:
    try:
        docker_client().images.get(image)
    except docker.errors.ImageNotFound:
        return False
    return True
