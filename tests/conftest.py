"""Shared fixtures. Tests of the sandbox, tasks, env and evaluation run real containers: a missing
engine is a setup error (run `scripts/ensure-docker`), not a skip."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest

from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig
from srl_swe.sandbox.engine import docker_client
from srl_swe.sandbox.lifecycle import LABEL, labelled, remove, run_id


@pytest.fixture(scope="session")
def base_image() -> str:
    from srl_swe.sandbox.images import ensure_base

    return ensure_base(log=lambda _m: None)


# A small committed repo with a .gitignore and a setup output listed in .git/info/exclude, as the
# task images have: the state that reset() must come back to lives in the image.
_REPO_SCRIPT = (
    "cd /testbed && git init -q && mkdir -p pkg build && printf 'a\\n' > keep.txt && printf 'b\\n' > gone.txt "
    "&& printf 'def f():\\n    return 1\\n' > pkg/mod.py && printf '*.log\\nbuild/\\n' > .gitignore "
    "&& git add -A && git commit -qm base && echo artifact > build/lib.so && echo build/ >> .git/info/exclude"
)


@contextlib.contextmanager
def image_after(base_image: str, prepare) -> Iterator[str]:
    """An image of a container from `base_image` after `prepare(sandbox)`, removed afterwards: a
    warm reset returns to the image, so a test repo that reset must keep has to live there."""
    with DockerSandbox(DockerSandboxConfig(image=base_image)) as sb:
        prepare(sb)
        tag = f"srl-swe/test-repo:{uuid.uuid4().hex[:12]}"
        docker_client().containers.get(sb.container_id).commit(*tag.split(":"))
    try:
        yield tag
    finally:
        docker_client().images.remove(tag, force=True)


@pytest.fixture(scope="session")
def repo_image(base_image):
    """The base image plus a committed repo in /testbed; removed after the session."""
    with image_after(base_image, lambda sb: _check(sb.run(_REPO_SCRIPT))) as tag:
        yield tag


def _check(result) -> None:
    assert result.exit_code == 0, result.output


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


def pytest_collection_modifyitems(config, items):
    """Files marked `long` first. xdist hands out whole files in collection order (`make test`
    passes --no-loadscope-reorder; its default puts files with few tests, the long ones among
    them, last), so a long file started last cannot keep one worker busy while the other idles."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
