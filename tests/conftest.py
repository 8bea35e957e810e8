"""Shared fixtures. Tests of the sandbox, tasks, env and evaluation run real containers: a missing
engine is a setup error (run `scripts/ensure-docker`), not a skip."""

from __future__ import annotations

import pytest

from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig
from srl_swe.sandbox.engine import docker_client
from srl_swe.sandbox.lifecycle import LABEL, labelled, remove, run_id


@pytest.fixture(scope="session")
def base_image() -> str:
    from srl_swe.sandbox.images import ensure_base

    return ensure_base(log=lambda _m: None)


@pytest.fixture
def sandbox(base_image):
    with DockerSandbox(DockerSandboxConfig(image=base_image)) as sb:
        yield sb


@pytest.fixture(scope="module")
def single_thread():
    """Training tests run torch on one thread (see tests.train_support.one_thread)."""
    import torch

    from tests.train_support import one_thread

    previous = one_thread()
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def stepwise_data(tmp_path_factory):
    """The two-trajectory step-wise dataset of tests.train_support, saved once per module."""
    from tests.train_support import save_stepwise

    return save_stepwise(tmp_path_factory.mktemp("stepwise") / "data")


def own_containers() -> list:
    """Containers of this test process's run, whatever their state."""
    return labelled(docker_client(), f"{LABEL}={run_id()}")


def pytest_sessionfinish(session, exitstatus):
    """After the whole suite, no container of this run may remain."""
    try:
        left = own_containers()
    except Exception as exc:  # the engine is gone: nothing to check, but say so
        print(f"\n[conftest] could not list containers after the run: {exc}")
        return
    if left:
        names = ", ".join(c["Id"][:12] for c in left)
        print(f"\n[conftest] FAIL: {len(left)} container(s) of this run were left behind: {names}")
        for container in left:
            remove(docker_client(), container["Id"])
        session.exitstatus = 1
