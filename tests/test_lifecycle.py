"""No container outlives its run: SIGTERM closes them, and prune removes a crashed run's leftovers."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.sandbox.engine import docker_client
from srl_swe.sandbox.lifecycle import labelled

CHILD = """
import os, sys, time
from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig
from srl_swe.sandbox.lifecycle import run_id
sb = DockerSandbox(DockerSandboxConfig(image=sys.argv[1]))
print(run_id(), flush=True)
if sys.argv[2] == "crash":
    os._exit(9)  # no cleanup at all, as after a SIGKILL
if sys.argv[2] == "untracked":  # created by a thread that an interrupt unwound before it tracked it
    from srl_swe.sandbox.engine import docker_client
    from srl_swe.sandbox.lifecycle import labels
    docker_client().containers.run(sys.argv[1], ["sleep", "infinity"], detach=True, labels=labels())
    print("made", flush=True)
    sys.exit(0)
time.sleep(60)
"""


def _containers(run: str) -> list:
    return labelled(docker_client(), f"srl_swe={run}")


def _start_child(base_image: str, mode: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, base_image, mode], stdout=subprocess.PIPE, text=True)
    run = proc.stdout.readline().strip()
    assert run, "child did not start a sandbox"
    return proc, run


def test_sigterm_closes_the_sandbox(base_image):
    proc, run = _start_child(base_image, "sleep")
    assert len(_containers(run)) == 1
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert _containers(run) == []


def test_prune_removes_a_crashed_runs_container(base_image):
    proc, run = _start_child(base_image, "crash")
    proc.wait(timeout=30)
    time.sleep(0.2)
    assert len(_containers(run)) == 1
    result = CliRunner().invoke(app, ["sandbox", "prune"])
    assert result.exit_code == 0, result.output
    assert "removed" in result.output
    assert _containers(run) == []


def test_prune_leaves_live_runs_alone(sandbox):
    result = CliRunner().invoke(app, ["sandbox", "prune"])
    assert result.exit_code == 0
    assert sandbox.is_alive()
    assert sandbox.run("echo still here").output == "still here\n"


def test_exit_removes_the_runs_untracked_containers(base_image):
    proc, run = _start_child(base_image, "untracked")
    assert proc.stdout.readline().strip() == "made"
    assert proc.wait(timeout=60) == 0
    assert _containers(run) == []


def test_a_container_another_prune_is_removing_counts_as_gone_and_other_errors_are_raised():
    import docker.errors
    import pytest

    from srl_swe.sandbox.lifecycle import remove

    class Response:
        status_code = 409

    class Api:
        def __init__(self, explanation: str):
            self.explanation = explanation

        def remove_container(self, container_id, force):
            raise docker.errors.APIError("409 Client Error", response=Response(), explanation=self.explanation)

    class Client:
        def __init__(self, explanation: str):
            self.api = Api(explanation)

    assert remove(Client("removal of container abc is already in progress"), "abc") is False
    with pytest.raises(docker.errors.APIError):
        remove(Client("You cannot remove a running container"), "abc")
